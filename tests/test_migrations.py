"""Migrations: a fresh install and an upgrade give exactly the schema of today's models."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from support.config import POSTGRES_URL, portal_config

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
