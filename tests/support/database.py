"""Reading every table and column, counting writes, and throwaway PostgreSQL databases."""
from __future__ import annotations

import contextlib
import datetime as dt
import re
import secrets
from collections.abc import Iterator

from playhouse.db_url import connect

WRITE_KEYWORDS = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER", "TRUNCATE")
TIME_OF_DAY = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}")
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def all_rows(database) -> dict[str, list[tuple]]:
    """Every row of every table, keyed by table name (the database must be connected)."""
    rows = {}
    for table in database.get_tables():
        cursor = database.execute_sql(f'SELECT * FROM "{table}"')  # noqa: S608 - names from the catalogue
        rows[table] = [tuple(row) for row in cursor.fetchall()]
    return rows


def as_text(value) -> str:
    """A stored value as searchable text."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("latin-1")
    return str(value)


def cells_containing(rows: dict[str, list[tuple]], needle: str) -> list[str]:
    """Where (table and column number) a piece of text occurs in any stored value."""
    found = []
    for table, table_rows in rows.items():
        for row in table_rows:
            for number, value in enumerate(row):
                if value is not None and needle in as_text(value):
                    found.append(f"{table}[{number}]")
    return found


def cells_equal_to(rows: dict[str, list[tuple]], wanted: str) -> int:
    """How many stored values are exactly this text."""
    return sum(
        1
        for table_rows in rows.values()
        for row in table_rows
        for value in row
        if isinstance(value, str) and value == wanted
    )


def new_rows(before: dict[str, list[tuple]], after: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """Rows present after and not before (new or changed), per table."""
    added = {}
    for table, rows in after.items():
        old = set(before.get(table, []))
        fresh = [row for row in rows if row not in old]
        if fresh:
            added[table] = fresh
    return added


def time_of_day_values(rows: dict[str, list[tuple]]) -> list[str]:
    """Stored values that carry a time of day (timestamps), which anonymous records must not hold."""
    found = []
    for table, table_rows in rows.items():
        for row in table_rows:
            for number, value in enumerate(row):
                if isinstance(value, dt.datetime | dt.time):
                    found.append(f"{table}[{number}]={value!r}")
                elif isinstance(value, str) and TIME_OF_DAY.search(value):
                    found.append(f"{table}[{number}]={value!r}")
                elif (isinstance(value, int | float) and not isinstance(value, bool)
                      and (1e9 <= value <= 5e9 or 1e12 <= value <= 5e12)):
                    found.append(f"{table}[{number}]={value!r} (looks like a Unix time)")
    return found


class WriteCounter:
    """Counts the statements that change the database, by wrapping execute_sql on its instance."""

    def __init__(self, database) -> None:
        self.database = database
        self.statements: list[str] = []
        self._original = None

    def __enter__(self) -> WriteCounter:
        self._original = self.database.execute_sql
        original = self._original

        def counting(sql, params=None, *args, **kwargs):
            if sql.lstrip().split(None, 1)[0].upper() in WRITE_KEYWORDS:
                self.statements.append(sql)
            return original(sql, params, *args, **kwargs)

        self.database.execute_sql = counting
        return self

    def __exit__(self, *exc) -> None:
        del self.database.execute_sql

    def reset(self) -> None:
        """Forget the statements counted so far."""
        self.statements.clear()


def open_url(url: str):
    """A peewee database for a URL, without the portal's settings."""
    return connect(url)


@contextlib.contextmanager
def throwaway_postgres(prefix: str) -> Iterator[str]:
    """Create a PostgreSQL database for one test and drop it afterwards; yields its URL."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = connect(ADMIN_URL)
    admin.connect()
    admin.connection().autocommit = True
    try:
        admin.execute_sql(f'CREATE DATABASE "{name}"')
    finally:
        admin.close()
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        admin = connect(ADMIN_URL)
        admin.connect()
        admin.connection().autocommit = True
        try:
            admin.execute_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
            )
            admin.execute_sql(f'DROP DATABASE IF EXISTS "{name}"')
        finally:
            admin.close()
