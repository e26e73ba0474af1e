"""The command line: create-user, backup and demo."""
from __future__ import annotations

import re
import sqlite3

import pytest
from support.config import POSTGRES_URL

from portal.accounts.models import User


def test_create_user_prints_a_one_time_invite_link(runner, make_user, client):
    make_user("admin")
    result = runner.invoke(args=["create-user", "--role", "council", "--username", "Maya"])
    assert result.exit_code == 0
    token = re.search(r"token=([A-Za-z0-9_-]+)", result.output).group(1)
    # the person may keep the suggested name or choose their own
    assert b'value="maya"' in client.get(f"/account/setup?token={token}").data


def test_create_user_refuses_a_taken_name(runner, make_user):
    make_user("staff", username="taken")
    result = runner.invoke(args=["create-user", "--role", "staff", "--username", "taken"])
    assert result.exit_code != 0
    assert "taken" in result.output


def test_create_user_reset_issues_a_link_for_an_existing_account(app, runner, make_user):
    make_user("staff", username="forgetful")
    result = runner.invoke(args=["create-user", "--role", "staff", "--username", "forgetful", "--reset"])
    assert result.exit_code == 0
    token = re.search(r"/account/setup\?token=([A-Za-z0-9_-]+)", result.output).group(1)
    client = app.test_client()
    assert b"forgetful" in client.get(f"/account/setup?token={token}").data
    new_password = "a fresh lantern by the river"
    client.post("/account/setup", data={"token": token, "password": new_password,
                                        "confirm": new_password})
    again = app.test_client().post("/login", data={"username": "forgetful", "password": new_password})
    assert again.status_code == 302, "the new password works"
    assert app.test_client().get(f"/account/setup?token={token}").status_code == 404, "used once"


def test_demo_fills_sample_data_without_default_passwords(runner, query):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert query(lambda: User.select().count()) >= 2
    passwords = re.findall(r"with password (\S+)", result.output)
    assert len(passwords) == 2 and len(set(passwords)) == 2
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0
    assert "already exists" in again.output


@pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite online backup")
def test_backup_writes_a_consistent_copy(runner, make_user, tmp_path):
    make_user("staff", username="kept")
    target = tmp_path / "backup.sqlite"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    con = sqlite3.connect(target)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("SELECT username FROM user").fetchall() == [("kept",)]
    con.close()
    refused = runner.invoke(args=["backup", str(target)])
    assert refused.exit_code != 0


@pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL only")
def test_backup_on_postgres_explains_pg_dump(runner):
    result = runner.invoke(args=["backup", "/tmp/unused.dump"])
    assert "pg_dump" in result.output
