"""App-wide commands: init-db, demo, purge, backup and restore; each area adds its own steps."""
from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from portal import migrations
from portal.areas import areas_of
from portal.db import close_pool, forget_deleted, private_file, sqlite_path, write_transaction


def _say_next_steps(echo) -> None:
    """Each area's first-run message (the setup link), on the console of the person who asked."""
    for area in areas_of(current_app):
        if area.first_run is not None:
            area.first_run(echo)


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create the database or upgrade it to the current schema, keeping every row."""
    report = migrations.migrate(areas_of(current_app))
    changed = {name: pair for name, pair in report.items() if pair[0] != pair[1]}
    if not changed:
        click.echo("Database is up to date.")
    for name, (before, after) in changed.items():
        verb = "Created" if before == 0 else f"Upgraded from schema version {before} to"
        click.echo(f"{name}: {verb} schema version {after}.")
    _say_next_steps(click.echo)


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Fill every area with sample data so a newcomer sees the portal working."""
    for area in areas_of(current_app):
        if area.demo is None:
            continue
        # each area in its own transaction: a failure leaves no half-filled area
        with write_transaction():
            lines = list(area.demo())
        for line in lines:
            click.echo(line)


@click.command("purge")
@with_appcontext
@click.option("--full", is_flag=True,
              help="PostgreSQL: VACUUM FULL, so no byte of a deleted row stays in the table's "
                   "files (locks each table while it is rewritten).")
def purge_command(full: bool) -> None:
    """Delete what each area keeps past its retention period, and report per area."""
    tables = []
    for area in areas_of(current_app):
        if area.purge is None:
            continue
        try:
            lines = list(area.purge())
        except ValueError as error:
            raise click.ClickException(f"{area.name}: {error}") from error
        for line in lines:
            click.echo(f"{area.name}: {line}")
        tables.extend(model._meta.table_name for model in area.models)
    # deleted rows must leave the files too, not only the tables
    click.echo(f"database: {forget_deleted(tables, full=full)}.")


def backup_sqlite(source: str, target: str) -> None:
    """Copy a live SQLite database with the online backup API (safe while others write) into a
    file only its owner can read."""
    private_file(target, empty=True)
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
            "SELECT 1 FROM sqlite_master WHERE type = 'table' "
            "AND name IN ('area_schema', 'schema_version')"
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
    migrations.migrate(areas_of(current_app))
    click.echo(f"Restored {path}.")
    current_app.logger.info("database restored from backup")


def announce_for_development_server(app: Flask) -> None:
    """Under `flask run`, print the first-run message with the address the server answers on."""
    context = click.get_current_context(silent=True)
    # the reloader's child process runs the command again: say it once, in the parent
    if context is None or context.info_name != "run" or os.environ.get("WERKZEUG_RUN_MAIN"):
        return
    host, port = context.params.get("host", "127.0.0.1"), context.params.get("port", 5000)
    if not os.environ.get("PORTAL_BASE_URL"):
        host = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104  # nosec B104 - only compared
        app.config["BASE_URL"] = f"http://{host}:{port}"
    with app.app_context():
        _say_next_steps(lambda line: click.echo(line, err=True))


def init_app(app: Flask) -> None:
    """Register the app-wide commands."""
    for command in (init_db_command, demo_command, purge_command, backup_command, restore_command):
        app.cli.add_command(command)
