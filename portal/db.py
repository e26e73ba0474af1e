"""The database: one proxy bound from PORTAL_DATABASE_URL, pooled connections, transactions."""
from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from flask import Flask, g, has_request_context, request
from peewee import DatabaseProxy, Model, ModelSelect, PostgresqlDatabase, SqliteDatabase
from playhouse.db_url import connect as connect_url
from playhouse.db_url import parse as parse_url

db = DatabaseProxy()
T = TypeVar("T")


class BaseModel(Model):
    """Every model lives in the one database behind the proxy."""

    class Meta:
        database = db
        legacy_table_names = False


POOL_SIZE = 8
POOL_WAIT_SECONDS = 20
POOL_STALE_SECONDS = 300
# the WAL is cut back to this size after each checkpoint, so old page images do not pile up
JOURNAL_SIZE_LIMIT = 4 * 1024 * 1024
# public record numbers: 15 digits (a spreadsheet keeps them exact), random, so they tell no order
PUBLIC_ID_LOW = 10**14
PUBLIC_ID_SPAN = 9 * 10**14


def _pooled(url: str) -> str:
    """The same URL with the pooled variant of its scheme (connections reused across requests)."""
    scheme, rest = url.split("://", 1)
    return url if scheme.endswith("+pool") else f"{scheme}+pool://{rest}"


PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600


def private_folder(path: str | Path) -> None:
    """Create a folder only its owner may enter (the instance folder, the database's folder)."""
    Path(path).mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)


def private_file(path: str | Path, *, empty: bool = False) -> None:
    """Make sure a file exists and only its owner can read it, whatever the umask says.

    SQLite gives a database's -wal, -shm and -journal files the permissions of the database file,
    so a database created here stays private with all its companions."""
    flags = (os.O_WRONLY | os.O_CREAT | os.O_TRUNC) if empty else (os.O_RDONLY | os.O_CREAT)
    fd = os.open(path, flags, PRIVATE_FILE)
    try:
        if stat.S_IMODE(os.fstat(fd).st_mode) & 0o077:
            # a file someone else owns keeps its mode: that is its owner's choice
            with contextlib.suppress(PermissionError):
                os.fchmod(fd, PRIVATE_FILE)
    finally:
        os.close(fd)


def _private_sqlite_files(path: str) -> None:
    """The database file and its companions readable by their owner only (older installs too)."""
    private_folder(Path(path).parent)
    private_file(path)
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError, PermissionError):
            companion = path + suffix
            if stat.S_IMODE(os.stat(companion).st_mode) & 0o077:
                os.chmod(companion, PRIVATE_FILE)


def open_database(url: str, synchronous: str = "FULL"):
    """Open a pooled peewee database for a URL; SQLite gets WAL, foreign keys and a busy timeout."""
    pool = {"max_connections": POOL_SIZE, "stale_timeout": POOL_STALE_SECONDS,
            "timeout": POOL_WAIT_SECONDS}
    if url.split("://", 1)[0].split("+")[0] == "sqlite":
        path = parse_url(url)["database"]
        if path and path != ":memory:":
            _private_sqlite_files(path)
        # the pool's `timeout` is its wait for a free connection; SQLite's own is busy_timeout
        # a pooled connection serves one thread at a time, but not always the one that opened it
        return connect_url(
            _pooled(url),
            check_same_thread=False,
            pragmas={
                "journal_mode": "wal",
                "foreign_keys": 1,
                "busy_timeout": 15000,
                "synchronous": synchronous,
                "secure_delete": 1,
                "journal_size_limit": JOURNAL_SIZE_LIMIT,
            },
            **pool,
        )
    return connect_url(_pooled(url), **pool)


def close_pool() -> None:
    """Close every pooled connection (before replacing the file, or when rebinding)."""
    if not db.is_closed():
        db.close()
    db.obj.close_all()


def is_sqlite() -> bool:
    """True when the bound database is SQLite."""
    return isinstance(db.obj, SqliteDatabase)


def write_transaction():
    """A transaction that takes the write lock up front, so writers queue instead of failing."""
    if is_sqlite():
        return db.atomic("IMMEDIATE")
    return db.atomic()


def sqlite_path() -> str | None:
    """The file behind the SQLite database, or None for another engine."""
    if not is_sqlite():
        return None
    return db.obj.database


def read_once(name: str, read: Callable[[], T]) -> T:
    """During a GET or HEAD request, which writes nothing, the first answer of a read asked for
    again by several parts of a page (settings, the current members); otherwise read afresh."""
    if not has_request_context() or request.method not in ("GET", "HEAD"):
        return read()
    kept = g.setdefault("_read_once", {})
    if name not in kept:
        kept[name] = read()
    return kept[name]


def _sql_once(key: object, build: Callable[[], ModelSelect]) -> tuple[type[Model], str, list]:
    """A query's model, SQL and values, built on first use per database: peewee builds a query's
    SQL anew each time it runs, which cost more than running a small one."""
    built = db.obj.__dict__.setdefault("_portal_sql", {})
    found = built.get(key)
    if found is None:
        query = build()
        found = built[key] = (query.model, *query.sql())
    return found


def lookup_by(model: type[Model], field) -> Callable[[object], Model | None]:
    """A function reading the one row of `model` whose `field` (a unique column) equals a value,
    or None, through SQL built once per database (about 30 instead of 160 µs for a read by id:
    the signed-in user, every request)."""
    def find(value: object) -> Model | None:
        _, sql, _ = _sql_once((model, field.name), lambda: model.select().where(field == value))
        return next(iter(model.raw(sql, value)), None)
    return find


def built_once(build: Callable[..., ModelSelect]) -> Callable[..., list]:
    """A query whose values are all fixed (or given as a few hashable arguments) with its SQL built
    once per database and arguments, and its rows read as model instances: for the reads every
    page of a kind makes."""
    own = object()

    def run(*args: object) -> list:
        model, sql, params = _sql_once((own, args), lambda: build(*args))
        return list(model.raw(sql, *params))
    return run


def new_public_id() -> int:
    """A random 15-digit record number for URLs and exports (row numbers would tell the order)."""
    return PUBLIC_ID_LOW + secrets.randbelow(PUBLIC_ID_SPAN)


def fresh_public_id(model: type[Model]) -> int:
    """A public id no row of the model holds yet (call inside the write transaction)."""
    while True:
        candidate = new_public_id()
        if not model.select().where(model.public_id == candidate).exists():
            return candidate


def forget_deleted(tables: Iterable[str], full: bool = False) -> str:
    """After a purge, make deleted rows leave the files too; returns what was done.

    SQLite overwrites deleted content (secure_delete) but older copies of the pages stay in the
    write-ahead log until it is checkpointed and truncated. PostgreSQL keeps dead rows in the
    table until VACUUM; only VACUUM FULL (which locks the table while it rewrites it) leaves none
    of their bytes behind. Neither engine can reach copies in backups or archived WAL.
    """
    if is_sqlite():
        busy, _, _ = db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        return "write-ahead log checkpointed and truncated" if not busy else (
            "write-ahead log still in use by a reader; it is truncated at the next checkpoint")
    if isinstance(db.obj, PostgresqlDatabase):
        command = "VACUUM (FULL)" if full else "VACUUM"
        names = sorted(set(tables))
        for table in names:
            # VACUUM cannot run inside a transaction: peewee runs this statement on its own
            db.execute_sql(f'{command} "{table}"')  # noqa: S608 - names from the models
        return f"{command} on {', '.join(names)}"
    return "nothing to do for this database"


def init_app(app: Flask) -> None:
    """Bind the proxy; a request takes a pooled connection at its first query (peewee connects
    on first use), so a page that reads nothing never touches the pool."""
    if db.obj is not None:
        # a second app in the same process (tests) must not keep the first one's connections
        close_pool()
    db.initialize(open_database(app.config["DATABASE_URL"], app.config["SYNCHRONOUS"]))

    @app.teardown_appcontext
    def _close(exc: BaseException | None) -> None:
        # runs even when the request failed, so no connection leaks
        if not db.is_closed():
            db.close()
