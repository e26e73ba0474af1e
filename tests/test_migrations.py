"""Migrations: a fresh install and an upgrade give exactly the schema of today's models."""
from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from support.config import POSTGRES_URL, portal_config
from support.sealing import message_texts

from portal import create_app, migrations
from portal.accounts.audit import AuditEntry
from portal.accounts.models import User
from portal.areas import load_areas
from portal.db import db

RECORDED_V1 = Path(__file__).parent / "data" / "schema_v1.sql"
AREAS = load_areas()
MODELS = [model for area in AREAS for model in area.models]


def _schema() -> dict:
    """Every table's columns (name, type, nullable, primary key), indexes and foreign keys."""
    schema = {}
    for table in sorted(db.get_tables()):
        if table == "area_schema":
            continue
        columns = sorted((c.name, c.data_type.lower(), c.null, c.primary_key)
                         for c in db.get_columns(table))
        indexes = sorted((tuple(i.columns), i.unique) for i in db.get_indexes(table))
        keys = sorted((k.column, k.dest_table, k.dest_column) for k in db.get_foreign_keys(table))
        schema[table] = {"columns": columns, "indexes": indexes, "foreign_keys": keys}
    return schema


def test_a_fresh_install_has_exactly_the_tables_of_todays_models(tmp_path):
    app = create_app(portal_config(tmp_path / "migrated"))
    with app.app_context(), db.connection_context():
        migrated = _schema()
    # the same database engine, built straight from today's models
    bare = create_app(portal_config(tmp_path / "bare", AUTO_INIT_DB=False))
    with bare.app_context(), db.connection_context():
        db.create_tables(MODELS)
        expected = _schema()
    assert set(migrated) == set(expected)
    for table in expected:
        assert migrated[table] == expected[table], f"{table} differs from its model"


@pytest.mark.skipif(bool(POSTGRES_URL), reason="the recorded schema is a SQLite dump")
def test_recorded_version_1_database_upgrades_in_place(tmp_path):
    path = tmp_path / "old.sqlite"
    con = sqlite3.connect(path)
    con.executescript(RECORDED_V1.read_text())
    con.close()
    app = create_app(portal_config(tmp_path, DATABASE_URL=f"sqlite:///{path}"))
    with app.app_context(), db.connection_context():
        assert migrations.is_current(AREAS)
        assert [u.username for u in User.select().order_by(User.id)] == ["founding-admin", "council-rosa"]
        assert [(e.action, e.actor_id) for e in AuditEntry.select()] == [("link.invite", 1)]
        upgraded = _schema()
    # the old admin can still log in with the recorded password, and as the first admin since
    # sealing began takes charge of the organisation key: its recovery key is shown once
    response = app.test_client().post("/login", data={"username": "founding-admin",
                                                      "password": "v1-recorded-password"})
    assert response.status_code == 200 and b'class="receipt recovery-key"' in response.data
    bare = create_app(portal_config(tmp_path / "bare", AUTO_INIT_DB=False))
    with bare.app_context(), db.connection_context():
        db.create_tables(MODELS)
        expected = _schema()
    assert upgraded == expected


def test_migrations_run_once_and_then_find_nothing_to_do(tmp_path):
    app = create_app(portal_config(tmp_path, AUTO_INIT_DB=False))
    with app.app_context():
        first = migrations.migrate(AREAS)
        assert all(before == 0 for before, _ in first.values())
        assert migrations.is_current(AREAS)
        again = migrations.migrate(AREAS)
        assert all(before == after for before, after in again.values())


@pytest.mark.parametrize("area", AREAS, ids=[a.name for a in AREAS])
def test_migration_numbers_are_consecutive(area):
    numbers = [number for number, _ in area.migrations]
    assert numbers == list(range(1, len(numbers) + 1))


def test_init_db_command_reports_each_area(tmp_path):
    app = create_app(portal_config(tmp_path, AUTO_INIT_DB=False))
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    for area in AREAS:
        if area.migrations:
            assert f"{area.name}: Created schema version {area.migrations[-1][0]}." in result.output
    again = app.test_cli_runner().invoke(args=["init-db"])
    assert "Database is up to date." in again.output


def test_existing_feedback_gets_random_public_ids_and_day_only_audit_rows_in_place(tmp_path):
    from peewee import Table

    first_steps = {"accounts": 2, "feedback": 1}
    old = [dataclasses.replace(area, migrations=area.migrations[:first_steps.get(area.name, 99)])
           for area in AREAS]
    app = create_app(portal_config(tmp_path, AUTO_INIT_DB=False))
    with app.app_context(), db.connection_context():
        migrations.migrate(old)
        users = Table("user").bind(db)
        threads = Table("feedback_thread").bind(db)
        messages = Table("feedback_message").bind(db)
        audit = Table("audit_entry").bind(db)
        users.insert(id=1, username="rosa", display_name="", role="staff", password_hash="x",
                     is_active=True, session_version=1, totp_enabled=False, totp_last_step=0,
                     created_on="2024-05-01").execute()
        for number in (1, 2, 3):
            threads.insert(id=number, receipt_hash=f"{number:064d}", topic="", quotable=False,
                           status="new", tags="", created_on="2024-05-01",
                           last_message_on="2024-05-01").execute()
            for author in ("client", "staff"):
                messages.insert(thread_id=number, author=author, body=f"{author} {number}",
                                created_on="2024-05-01").execute()
        audit.insert(id=1, actor_id=1, action="feedback.reply", subject_id=2,
                     created_at="2024-05-01 14:02:33.123456").execute()
        audit.insert(id=2, actor_id=1, action="password.changed", subject_id=1,
                     created_at="2024-05-01 14:05:00.000000").execute()
        migrations.migrate(AREAS)
        assert migrations.is_current(AREAS)
        from portal.feedback.models import FeedbackMessage, FeedbackThread

        stored = {t.id: t.public_id for t in FeedbackThread.select()}
        assert sorted(stored) == [1, 2, 3]
        assert len(set(stored.values())) == 3 and all(10**14 <= n < 10**15 for n in stored.values())
        # no message was lost while the tables were rebuilt, and each keeps its thread
        # (the bodies are sealed by a later step: read them with the organisation key)
        ordered = list(FeedbackMessage.select().order_by(FeedbackMessage.id))
        kept = sorted(zip([m.thread_id for m in ordered], [m.author for m in ordered],
                          message_texts(ordered), strict=True))
        assert kept == sorted((n, a, f"{a} {n}") for n in (1, 2, 3) for a in ("client", "staff"))
        assert len({m.public_id for m in FeedbackMessage.select()}) == 6
        rows = {e.action: e for e in AuditEntry.select()}
        reply = rows["feedback.reply"]
        assert reply.subject_id == stored[2]
        assert reply.created_at == dt.datetime(2024, 5, 1)
        changed = rows["password.changed"]
        assert changed.subject_id == 1 and changed.created_at == dt.datetime(2024, 5, 1, 14, 5)
        assert {reply.id, changed.id} != {1, 2}
        assert User.get_by_id(1).pending_login == 0
        if migrations.is_sqlite():
            assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
