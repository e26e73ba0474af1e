"""The databases benchmarks make and drop: one place for every script."""
from __future__ import annotations

import secrets
from pathlib import Path

POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def postgres_database(name: str) -> str:
    """A fresh, empty PostgreSQL database; returns its URL."""
    import psycopg2

    conn = psycopg2.connect(POSTGRES_ADMIN_URL)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    # both apps pool their connections themselves (portal.db.open_database)
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


def drop_postgres_database(name: str | None) -> None:
    """Remove a database a run made (nothing for SQLite, whose file goes with its folder)."""
    if name is None:
        return
    import psycopg2

    conn = psycopg2.connect(POSTGRES_ADMIN_URL)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


def scale_database(prefix: str, postgres: bool, folder: Path, size: int) -> tuple[str, str | None]:
    """A database for one size of a scale run: (its URL, the PostgreSQL name to drop, or None)."""
    if not postgres:
        return f"sqlite:///{folder / f'{prefix}-{size}.sqlite'}", None
    name = f"{prefix}_scale_{size}_{secrets.token_hex(3)}"
    return postgres_database(name), name
