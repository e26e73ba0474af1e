"""No account exists by default: the first admin arrives through a one-time setup link."""
from __future__ import annotations

import datetime as dt
import logging
import re

import click
from support.config import portal_config

from portal import create_app
from portal.accounts.models import OneTimeLink, User

LINK = re.compile(r"http://localhost/account/setup\?token=([A-Za-z0-9_-]+)")


def _first_run(tmp_path, capsys):
    """A new portal, then `init-db` as the person installing it runs it."""
    config = portal_config(tmp_path)
    app = create_app(config)
    assert capsys.readouterr() == ("", ""), "starting the app prints nothing"
    printed = app.test_cli_runner().invoke(args=["init-db"]).output
    match = LINK.search(printed)
    assert match, printed
    app.test_config = config
    return app, match.group(1)


def test_a_new_portal_has_no_account_and_prints_a_setup_link(tmp_path, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    app, token = _first_run(tmp_path, capsys)
    with app.app_context():
        from portal.db import db
        with db.connection_context():
            assert User.select().count() == 0
            stored = [link.token_hash for link in OneTimeLink.select()]
    assert token not in stored, "only a keyed hash of the token is stored"
    assert token not in caplog.text, "the link goes to the console, never to a log"


def test_setup_link_creates_the_first_admin_once(tmp_path, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    app, token = _first_run(tmp_path, capsys)
    client = app.test_client()
    assert client.get(f"/account/setup?token={token}").status_code == 200
    response = client.post("/account/setup", data={"token": token, "username": "First-Admin",
                                                   "password": "lantern river pebble",
                                                   "confirm": "lantern river pebble"})
    # the first admin is shown the organisation's recovery key once, then sets up a second factor
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'class="receipt recovery-key"' in page and 'href="/account/two-factor"' in page
    again = app.test_client().post("/account/setup", data={"token": token, "username": "intruder",
                                                           "password": "lantern river pebble",
                                                           "confirm": "lantern river pebble"})
    assert again.status_code == 404
    from portal.db import db
    with app.app_context(), db.connection_context():
        assert [(u.username, u.role) for u in User.select()] == [("first-admin", "admin")]
    assert token not in caplog.text


def test_setup_link_refuses_a_weak_password_and_keeps_the_form(tmp_path, capsys):
    app, token = _first_run(tmp_path, capsys)
    client = app.test_client()
    response = client.post("/account/setup", data={"token": token, "username": "boss",
                                                   "password": "123456789012", "confirm": "123456789012"})
    assert response.status_code == 200
    assert b"too common" in response.data
    assert b'value="boss"' in response.data
    # the link still works after a refused attempt
    assert client.get(f"/account/setup?token={token}").status_code == 200


def test_expired_link_does_not_work(tmp_path, capsys):
    app, token = _first_run(tmp_path, capsys)
    from portal.db import db
    with app.app_context(), db.connection_context():
        OneTimeLink.update(expires_at=dt.datetime(2000, 1, 1)).execute()
    assert app.test_client().get(f"/account/setup?token={token}").status_code == 404


def test_a_second_init_db_does_not_print_a_second_link_while_one_is_pending(tmp_path, capsys):
    app, _ = _first_run(tmp_path, capsys)
    printed = create_app(app.test_config).test_cli_runner().invoke(args=["init-db"]).output
    assert not LINK.search(printed)
    assert "create-user --role admin" in printed


def test_the_development_server_prints_the_link_with_the_port_it_serves_on(tmp_path, capsys,
                                                                             monkeypatch):
    from flask.cli import run_command

    from portal.cli import announce_for_development_server

    monkeypatch.delenv("PORTAL_BASE_URL", raising=False)
    monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    app = create_app(portal_config(tmp_path))
    with click.Context(run_command, info_name="run") as context:
        context.params = {"host": "127.0.0.1", "port": 5123}
        announce_for_development_server(app)
    printed = capsys.readouterr().err
    assert re.search(r"http://127\.0\.0\.1:5123/account/setup\?token=[A-Za-z0-9_-]+", printed), printed


def test_starting_the_app_under_a_server_prints_and_logs_no_link(tmp_path, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    create_app(portal_config(tmp_path))
    assert capsys.readouterr() == ("", "")
    assert "token=" not in caplog.text


def test_admin_invites_a_council_member_who_logs_in_and_out(app, auth, client, make_user, query):
    admin = make_user("admin")
    auth.login(admin)
    page = client.post("/staff/users", data={"username": "rosa", "role": "council"})
    token = LINK.search(page.get_data(as_text=True)).group(1)
    client.post("/logout")
    member = app.test_client()
    assert b"Your user name is rosa" in member.get(f"/account/setup?token={token}").data
    member.post("/account/setup", data={"token": token, "password": "marigold compass tide",
                                        "confirm": "marigold compass tide"})
    member.post("/logout")
    response = member.post("/login", data={"username": "rosa", "password": "marigold compass tide"})
    assert response.status_code == 302
    assert member.get("/account").status_code == 200
    assert member.get("/staff/").status_code == 403
    member.post("/logout")
    assert member.get("/account").status_code == 302
    assert query(lambda: User.by_username("rosa").role) == "council"


def test_reset_link_replaces_the_password_and_ends_sessions(app, auth, client, make_user, query):
    admin = make_user("admin")
    staff = make_user("staff")
    staff_browser = app.test_client()
    staff_browser.post("/login", data={"username": staff.username, "password": "correct-kettle-meadow-42"})
    auth.login(admin)
    page = client.post(f"/staff/users/{staff.id}/reset")
    token = LINK.search(page.get_data(as_text=True)).group(1)
    fresh = app.test_client()
    fresh.post("/account/setup", data={"token": token, "password": "new marigold compass",
                                       "confirm": "new marigold compass"})
    assert staff_browser.get("/staff/").status_code == 302
    assert fresh.get("/staff/").status_code == 200
