"""`flask --app app backup` taken under load restores into a working portal; `restore` is safe."""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests
from support.config import portal_config
from support.database import throwaway_postgres
from support.sealing import message_texts
from support.servers import Gunicorn, flask_command, portal_environment
from support.world import PASSWORD, csrf_token, log_in, make_account, submit, text_of_class

from portal import create_app
from portal.db import db


class SteadyLoad:
    """Clients sending feedback until told to stop; each acknowledgement is timed."""

    def __init__(self, server: Gunicorn, clients: int = 6, limit: int = 4000) -> None:
        self.server = server
        self.clients = clients
        self.limit = limit
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.sent = 0
        self.acknowledged: dict[str, tuple[float, str]] = {}  # marker -> (when, receipt)
        self.threads = [threading.Thread(target=self._client, args=(n,), daemon=True)
                        for n in range(clients)]

    def _client(self, number: int) -> None:
        session = requests.Session()
        token = csrf_token(session.get(self.server.url("/feedback"), timeout=30).text)
        deadline = time.monotonic() + 120
        while not self.stop.is_set() and time.monotonic() < deadline:
            with self.lock:
                if self.sent >= self.limit:
                    return
                self.sent += 1
                marker = f"backup-{number}-{self.sent:05d}"
            answer = session.post(self.server.url("/feedback"), timeout=30, data={
                "message": f"Backup test {marker}", "topic": "", "csrf_token": token})
            receipt = text_of_class(answer.text, "receipt") if answer.status_code == 200 else None
            if receipt:
                self.acknowledged[marker] = (time.monotonic(), receipt)

    def __enter__(self) -> SteadyLoad:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(60)

    def wait_for(self, count: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while len(self.acknowledged) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.acknowledged) >= count, "the load never got going"


def _sqlite_app(instance: Path, secret: str):
    """An in-process portal on the SQLite file of an instance folder."""
    return create_app(portal_config(instance.parent, INSTANCE_PATH=str(instance), SECRET_KEY=secret,
                                       DATABASE_URL=f"sqlite:///{instance / 'portal.sqlite'}"))


@pytest.mark.slow
def test_a_backup_taken_under_load_restores_into_a_working_portal(tmp_path):
    source = tmp_path / "source"
    env = portal_environment(source, PORTAL_RATELIMIT_ENABLED="0", PORTAL_LOG_REQUESTS="0")
    secret = env["PORTAL_SECRET_KEY"]
    staff = make_account(_sqlite_app(source, secret), "staff", "night-staff")
    backup = tmp_path / "backups" / "portal-backup.sqlite"
    backup.parent.mkdir()

    with Gunicorn(env, tmp_path / "logs", workers=2) as server, SteadyLoad(server) as load:
        load.wait_for(150)
        began = time.monotonic()
        committed = {m: r for m, (when, r) in list(load.acknowledged.items()) if when < began}
        made = flask_command(env, "backup", str(backup))
        finished = time.monotonic()
        assert made.returncode == 0, made.stderr
        load.wait_for(len(committed) + 100)
    during = [m for m, (when, _) in load.acknowledged.items() if began <= when <= finished]
    assert during, "no submission was acknowledged while the backup ran"
    assert "Backed up" in made.stdout

    target = tmp_path / "restored"
    target_env = portal_environment(target, PORTAL_SECRET_KEY=secret)
    restored = flask_command(target_env, "restore", str(backup), "--yes")
    assert restored.returncode == 0, restored.stderr

    app = _sqlite_app(target, secret)
    with app.app_context(), db.connection_context():
        assert db.execute_sql("PRAGMA integrity_check").fetchone()[0] == "ok"
        bodies = set(message_texts())
    missing = [m for m in committed if f"Backup test {m}" not in bodies]
    assert not missing, f"{len(missing)} of {len(committed)} committed submissions missing"
    assert len(bodies) <= load.sent and all(b.startswith("Backup test backup-") for b in bodies)

    # the restored portal works: staff log in and read, a client's receipt still opens the reply
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    log_in(client, staff, PASSWORD)
    assert client.get("/staff/feedback").status_code == 200
    marker, receipt = next(iter(committed.items()))
    reader = app.test_client()
    page = submit(reader, "/feedback/status", {"receipt": receipt})
    assert f"Backup test {marker}" in page.get_data(as_text=True)
    fresh = submit(reader, "/feedback", {"message": "After the restore.", "topic": ""})
    assert text_of_class(fresh.get_data(as_text=True), "receipt")


@pytest.fixture
def sqlite_app(tmp_path):
    """A portal on SQLite whatever the suite's database, for the SQLite backup commands."""
    application = create_app(portal_config(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'p.sqlite'}"))
    yield application
    if not db.is_closed():
        db.close()


def _messages(app) -> list[str]:
    with app.app_context(), db.connection_context():
        return message_texts()


def test_restore_brings_back_the_backup_and_nothing_after_it(sqlite_app, tmp_path):
    client = sqlite_app.test_client()
    submit(client, "/feedback", {"message": "Before the backup.", "topic": ""})
    runner = sqlite_app.test_cli_runner()
    backup = tmp_path / "b.sqlite"
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    submit(client, "/feedback", {"message": "After the backup.", "topic": ""})
    result = runner.invoke(args=["restore", str(backup), "--yes"])
    assert result.exit_code == 0, result.output
    assert _messages(sqlite_app) == ["Before the backup."]
    # the restored database is live: the portal keeps working on it
    submit(client, "/feedback", {"message": "After the restore.", "topic": ""})
    assert _messages(sqlite_app) == ["Before the backup.", "After the restore."]


def test_restore_asks_first_and_changes_nothing_when_told_no(sqlite_app, tmp_path):
    client = sqlite_app.test_client()
    runner = sqlite_app.test_cli_runner()
    backup = tmp_path / "b.sqlite"
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    submit(client, "/feedback", {"message": "Keep me.", "topic": ""})
    result = runner.invoke(args=["restore", str(backup)], input="n\n")
    assert result.exit_code != 0 and "Replace" in result.output
    assert _messages(sqlite_app) == ["Keep me."]


@pytest.mark.parametrize("content", [b"", b"not a database at all" * 100, None],
                         ids=["empty file", "random bytes", "another sqlite database"])
def test_restore_refuses_what_is_not_a_portal_backup(sqlite_app, tmp_path, content):
    submit(sqlite_app.test_client(), "/feedback", {"message": "Keep me.", "topic": ""})
    bad = tmp_path / "bad.sqlite"
    if content is None:
        other = sqlite3.connect(bad)
        other.execute("CREATE TABLE notes (text TEXT)")
        other.commit()
        other.close()
    else:
        bad.write_bytes(content)
    result = sqlite_app.test_cli_runner().invoke(args=["restore", str(bad), "--yes"])
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Error:" in result.output and "Traceback" not in result.output
    assert _messages(sqlite_app) == ["Keep me."]


def test_backup_never_overwrites_a_file(sqlite_app, tmp_path):
    existing = tmp_path / "existing.sqlite"
    existing.write_bytes(b"an older backup")
    result = sqlite_app.test_cli_runner().invoke(args=["backup", str(existing)])
    assert result.exit_code != 0 and "already exists" in result.output
    assert existing.read_bytes() == b"an older backup"


def _postgresql_client_tools() -> None:
    """pg_dump and pg_restore, or a skip (a failure where PORTAL_REQUIRE_PG_TOOLS is set, as in CI)."""
    if shutil.which("pg_dump") and shutil.which("pg_restore"):
        return
    if os.environ.get("PORTAL_REQUIRE_PG_TOOLS"):
        pytest.fail("pg_dump and pg_restore are missing and PORTAL_REQUIRE_PG_TOOLS is set")
    pytest.skip("PostgreSQL client tools are not installed")


def test_postgresql_backup_follows_the_printed_instructions(tmp_path):
    """On PostgreSQL the command explains pg_dump; doing as it says restores a working portal."""
    _postgresql_client_tools()
    with throwaway_postgres("portal_backup") as source_url, \
            throwaway_postgres("portal_restored") as target_url:
        env = portal_environment(tmp_path / "instance", PORTAL_DATABASE_URL=source_url)
        app = create_app(portal_config(tmp_path, DATABASE_URL=source_url,
                                          SECRET_KEY=env["PORTAL_SECRET_KEY"]))
        receipt = text_of_class(submit(app.test_client(), "/feedback", {
            "message": "Kept by pg_dump.", "topic": ""}).get_data(as_text=True), "receipt")
        advice = flask_command(env, "backup", str(tmp_path / "unused.dump"))
        assert advice.returncode == 0 and "pg_dump" in advice.stdout and "pg_restore" in advice.stdout
        assert not (tmp_path / "unused.dump").exists()
        refused = flask_command(env, "restore", str(tmp_path / "instance" / "secret_key"), "--yes")
        assert refused.returncode != 0 and "pg_restore" in refused.stderr

        dump = tmp_path / "portal.dump"
        subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", source_url], check=True, timeout=60)
        subprocess.run(["pg_restore", "--clean", "--if-exists", f"--dbname={target_url}", str(dump)],
                       check=True, timeout=60)
        restored = create_app(portal_config(tmp_path / "r", DATABASE_URL=target_url,
                                               SECRET_KEY=env["PORTAL_SECRET_KEY"]))
        page = submit(restored.test_client(), "/feedback/status", {"receipt": receipt})
        assert "Kept by pg_dump." in page.get_data(as_text=True)
        if not db.is_closed():
            db.close()
