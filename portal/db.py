"""The database: one proxy bound from PORTAL_DATABASE_URL, pooled connections, transactions."""
from __future__ import annotations

from pathlib import Path

from flask import Flask
from peewee import DatabaseProxy, Model, SqliteDatabase
from playhouse.db_url import connect as connect_url
from playhouse.db_url import parse as parse_url

db = DatabaseProxy()


class BaseModel(Model):
    """Every model lives in the one database behind the proxy."""

    class Meta:
        database = db
        legacy_table_names = False


POOL_SIZE = 8
POOL_WAIT_SECONDS = 20
POOL_STALE_SECONDS = 300


def _pooled(url: str) -> str:
    """The same URL with the pooled variant of its scheme (connections reused across requests)."""
    scheme, rest = url.split("://", 1)
    return url if scheme.endswith("+pool") else f"{scheme}+pool://{rest}"


def open_database(url: str, synchronous: str = "FULL"):
    """Open a pooled peewee database for a URL; SQLite gets WAL, foreign keys and a busy timeout."""
    pool = {"max_connections": POOL_SIZE, "stale_timeout": POOL_STALE_SECONDS,
            "timeout": POOL_WAIT_SECONDS}
    if url.split("://", 1)[0].split("+")[0] == "sqlite":
        path = parse_url(url)["database"]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
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


def init_app(app: Flask) -> None:
    """Bind the proxy and open a pooled connection for each request."""
    if db.obj is not None:
        # a second app in the same process (tests) must not keep the first one's connections
        close_pool()
    db.initialize(open_database(app.config["DATABASE_URL"], app.config["SYNCHRONOUS"]))

    @app.before_request
    def _connect() -> None:
        db.connect(reuse_if_open=True)

    @app.teardown_appcontext
    def _close(exc: BaseException | None) -> None:
        # runs even when the request failed, so no connection leaks
        if not db.is_closed():
            db.close()
