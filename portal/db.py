"""The database: one proxy bound from PORTAL_DATABASE_URL, per-request connections, migrations."""
from __future__ import annotations

import contextlib
import shutil
import sqlite3
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from peewee import DatabaseProxy, IntegerField, Model, PostgresqlDatabase, SqliteDatabase
from playhouse.db_url import connect as connect_url
from playhouse.db_url import parse as parse_url

db = DatabaseProxy()
# the PostgreSQL advisory lock that serialises migrations (any fixed number)
MIGRATION_LOCK = 7311862


class BaseModel(Model):
    """Every model lives in the one database behind the proxy."""

    class Meta:
        database = db
        legacy_table_names = False


class SchemaVersion(BaseModel):
    """A single row holding the number of the last migration applied."""

    version = IntegerField()

    class Meta:
        table_name = "schema_version"


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
    """Bind the proxy, open a connection per request and register the commands."""
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

    app.cli.add_command(init_db_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


def current_version() -> int:
    """The schema version of the bound database (0 when it is empty)."""
    if not db.table_exists("schema_version"):
        return 0
    row = SchemaVersion.select().first()
    return row.version if row else 0


def migrate() -> tuple[int, int]:
    """Create or upgrade the schema in place; returns (version before, version after)."""
    from portal.migrations import MIGRATIONS

    with db.connection_context():
        with write_transaction():
            if isinstance(db.obj, PostgresqlDatabase):
                # workers starting together: one migrates, the others wait here and find it done
                db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            before = current_version()
            if before == 0:
                db.create_tables([SchemaVersion])
            for number, step in MIGRATIONS:
                if number > before:
                    step()
            after = MIGRATIONS[-1][0] if MIGRATIONS else 0
            if after != before:
                SchemaVersion.delete().execute()
                SchemaVersion.create(version=after)
    return before, after


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create the database or upgrade it to the current schema, keeping every row."""
    before, after = migrate()
    if before == after:
        click.echo(f"Database is up to date (schema version {after}).")
    elif before == 0:
        click.echo(f"Created the database (schema version {after}).")
    else:
        click.echo(f"Upgraded the database from schema version {before} to {after}.")
    from portal.accounts.service import announce_setup_link_if_needed

    announce_setup_link_if_needed(click.echo)


def backup_sqlite(source: str, target: str) -> None:
    """Copy a live SQLite database with the online backup API (safe while others write)."""
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
    finally:
        dst.close()
        src.close()


@click.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def backup_command(path: str) -> None:
    """Write a consistent copy of the database to PATH (SQLite), or say how for PostgreSQL."""
    source = sqlite_path()
    if source is None:
        click.echo(
            "This portal uses PostgreSQL. Back it up with pg_dump, for example:\n"
            "  pg_dump --format=custom --file=portal.dump \"$PORTAL_DATABASE_URL\"\n"
            "and restore with: pg_restore --clean --dbname=\"$PORTAL_DATABASE_URL\" portal.dump"
        )
        return
    if Path(path).exists():
        raise click.ClickException(f"{path} already exists; choose a new file name.")
    backup_sqlite(source, path)
    click.echo(f"Backed up the database to {path}.")
    click.echo("Keep the secret key (PORTAL_SECRET_KEY or the instance folder's secret_key file) "
               "with your backups: receipts and one-time links are checked with it.")


@click.command("restore")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Replace the current database without asking.")
def restore_command(path: str, yes: bool) -> None:
    """Replace the SQLite database with a backup made by `backup` (stop the server first)."""
    target = sqlite_path()
    if target is None:
        raise click.ClickException("Restore a PostgreSQL database with pg_restore.")
    check = sqlite3.connect(path)
    try:
        result = check.execute("PRAGMA integrity_check").fetchone()[0]
        # an empty or foreign file would otherwise replace every record with nothing
        is_portal = check.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
        ).fetchone()
    except sqlite3.DatabaseError as error:
        raise click.ClickException(f"{path} is not a SQLite database: {error}") from error
    finally:
        check.close()
    if result != "ok":
        raise click.ClickException(f"{path} is not a healthy SQLite database: {result}")
    if not is_portal:
        raise click.ClickException(f"{path} is not a backup of this portal.")
    if not yes:
        click.confirm(f"Replace {target} with {path}?", abort=True)
    close_pool()
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            Path(target + suffix).unlink()
    tmp = target + ".restoring"
    backup_sqlite(path, tmp)
    shutil.move(tmp, target)
    before, after = migrate()
    click.echo(f"Restored {path} (schema version {after}).")
    current_app.logger.info("database restored from backup")
