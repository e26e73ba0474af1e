"""A database made by an older version upgrades in place without losing rows."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from support.config import POSTGRES_URL, portal_config

from portal import create_app
from portal.accounts.models import User
from portal.audit import AuditEntry
from portal.db import current_version, db, migrate
from portal.migrations import MIGRATIONS

RECORDED_V1 = Path(__file__).parent / "data" / "schema_v1.sql"


@pytest.mark.skipif(bool(POSTGRES_URL), reason="the recorded schema is a SQLite dump")
def test_recorded_version_1_database_upgrades_in_place(tmp_path):
    path = tmp_path / "old.sqlite"
    con = sqlite3.connect(path)
    con.executescript(RECORDED_V1.read_text())
    con.close()
    app = create_app(portal_config(tmp_path, DATABASE_URL=f"sqlite:///{path}"))
    latest = MIGRATIONS[-1][0]
    with app.app_context(), db.connection_context():
        assert current_version() == latest
        assert [u.username for u in User.select().order_by(User.id)] == ["founding-admin", "council-rosa"]
        assert AuditEntry.get().detail == "council council-rosa"
        tables = set(db.get_tables())
    # every model's table exists after the upgrade
    assert {"user", "audit_entry", "schema_version"} <= tables
    assert len(tables) >= 5
    # the old admin can still log in with the recorded password
    response = app.test_client().post("/login", data={"username": "founding-admin",
                                                      "password": "v1-recorded-password"})
    assert response.status_code == 302


def test_migrations_run_step_by_step_and_are_idempotent(tmp_path):
    app = create_app(portal_config(tmp_path, AUTO_INIT_DB=False))
    with app.app_context():
        before, after = migrate()
        assert (before, after) == (0, MIGRATIONS[-1][0])
        assert migrate() == (after, after)


def test_migration_numbers_are_consecutive():
    numbers = [number for number, _ in MIGRATIONS]
    assert numbers == list(range(1, len(numbers) + 1))


def test_init_db_command_reports_the_schema_version(runner):
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0
    assert f"schema version {MIGRATIONS[-1][0]}" in result.output
