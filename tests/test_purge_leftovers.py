"""After a purge, the purged words are gone from the database's files, not only from its tables.

The real server takes a submission, then `flask --app app purge` runs beside it as cron would run
it. SQLite kept 24 copies of a purged message in its write-ahead log; PostgreSQL keeps dead rows
in the table's files until VACUUM.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import re
import secrets
import sqlite3
from pathlib import Path

import pytest
import requests
from support.database import open_url, throwaway_postgres
from support.servers import Gunicorn, flask_command, portal_environment
from support.world import csrf_token

LONG_AGO = (dt.date.today() - dt.timedelta(days=800)).isoformat()


def _submit(server: Gunicorn, text: str) -> None:
    session = requests.Session()
    token = csrf_token(session.get(server.url("/feedback"), timeout=10).text)
    answer = session.post(server.url("/feedback"), data={"message": text, "csrf_token": token},
                          timeout=30)
    assert answer.status_code == 200 and 'class="receipt"' in answer.text


def _age_every_thread(url: str) -> None:
    """Make every thread old enough for the retention purge (as time would)."""
    database = open_url(url)
    with database.connection_context():
        database.execute_sql("UPDATE feedback_thread SET last_message_on = %s" % (
            "?" if url.startswith("sqlite") else "%s"), (LONG_AGO,))


def _tag_first_thread(url: str, marker: str) -> None:
    """Put the marker in a column kept in the clear (what clients write is sealed, so a marker
    in a message would never reach the files as typed): the tags staff gave the first thread."""
    database = open_url(url)
    with database.connection_context():
        database.execute_sql(
            "UPDATE feedback_thread SET tags = %s WHERE id = (SELECT MIN(id) FROM feedback_thread)"
            % ("?" if url.startswith("sqlite") else "%s"), (marker,))


def _files_holding(paths: list[Path], marker: bytes) -> list[str]:
    return [f"{path.name}: {path.read_bytes().count(marker)} copies"
            for path in paths if path.exists() and marker in path.read_bytes()]


def test_purged_words_leave_the_sqlite_files(tmp_path):
    instance = tmp_path / "instance"
    env = portal_environment(instance, PORTAL_RATELIMIT_ENABLED="0")
    database = instance / "portal.sqlite"
    marker = f"purge-marker-{secrets.token_hex(8)}"
    with Gunicorn(env, tmp_path / "logs", workers=2) as server:
        _submit(server, f"My words {marker} must go.")
        for n in range(20):
            _submit(server, f"Other words {n} that stay a while.")
        _tag_first_thread(f"sqlite:///{database}", marker)
        _age_every_thread(f"sqlite:///{database}")
        files = [database, Path(f"{database}-wal"), Path(f"{database}-journal")]
        assert _files_holding(files, marker.encode()), "the marker should be on disk before the purge"
        purge = flask_command(env, "purge")
        assert purge.returncode == 0, purge.stderr
        assert "Deleted 21 feedback threads" in purge.stdout
        assert _files_holding(files, marker.encode()) == []
        assert "write-ahead log checkpointed and truncated" in purge.stdout
        # the server still answers after the purge
        assert requests.get(server.url("/feedback"), timeout=10).status_code == 200
    with contextlib.closing(sqlite3.connect(database)) as check:
        assert check.execute("SELECT count(*) FROM feedback_message").fetchone()[0] == 0


def test_the_wal_is_cut_back_after_each_checkpoint(app):
    from portal.db import JOURNAL_SIZE_LIMIT, db, is_sqlite

    with app.app_context(), db.connection_context():
        if not is_sqlite():
            pytest.skip("SQLite only")
        assert db.execute_sql("PRAGMA journal_size_limit").fetchone()[0] == JOURNAL_SIZE_LIMIT


def _relation_bytes(url: str, tables: tuple[str, ...]) -> dict[str, bytes]:
    """The bytes of each table's files (heap, TOAST and indexes), read by the server itself."""
    database = open_url(url)
    with database.connection_context():
        database.execute_sql("CHECKPOINT")
        rows = database.execute_sql(
            "SELECT c.relname, pg_relation_filepath(c.oid) FROM pg_class c "
            "WHERE c.relname = ANY(%s) "
            "OR c.oid IN (SELECT reltoastrelid FROM pg_class WHERE relname = ANY(%s)) "
            "OR c.oid IN (SELECT indexrelid FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
            "             WHERE t.relname = ANY(%s))",
            (list(tables), list(tables), list(tables))).fetchall()
        found = {}
        for name, path in rows:
            if path:
                found[name] = bytes(database.execute_sql(
                    "SELECT pg_read_binary_file(%s)", (path,)).fetchone()[0])
    return found


def test_purged_words_leave_the_postgresql_table_files(tmp_path):
    marker = f"purge-marker-{secrets.token_hex(8)}"
    with throwaway_postgres("portal_purge") as url:
        env = portal_environment(tmp_path / "instance", PORTAL_DATABASE_URL=url,
                                 PORTAL_RATELIMIT_ENABLED="0")
        with Gunicorn(env, tmp_path / "logs", workers=2) as server:
            for n in range(5):
                _submit(server, f"Other words {n} that stay a while.")
            _submit(server, f"My words {marker} must go.")
            _tag_first_thread(url, marker)
            _age_every_thread(url)
            tables = ("feedback_thread", "feedback_message")
            before = _relation_bytes(url, tables)
            assert [name for name, data in before.items() if marker.encode() in data]
            # the daily purge: the rows go, and VACUUM frees their space for reuse
            purge = flask_command(env, "purge")
            assert purge.returncode == 0, purge.stderr
            assert "Deleted 6 feedback threads" in purge.stdout
            assert re.search(r"VACUUM on .*feedback_message", purge.stdout), purge.stdout
            # VACUUM FULL rewrites the tables: no byte of the purged rows is left in their files
            purge = flask_command(env, "purge", "--full")
            assert purge.returncode == 0, purge.stderr
            assert re.search(r"VACUUM \(FULL\) on .*feedback_message", purge.stdout), purge.stdout
            after = _relation_bytes(url, tables)
            assert [name for name, data in after.items() if marker.encode() in data] == []
            assert requests.get(server.url("/feedback"), timeout=10).status_code == 200
