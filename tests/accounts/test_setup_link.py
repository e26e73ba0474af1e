"""No account exists by default: the first admin arrives through a one-time setup link."""
from __future__ import annotations

import datetime as dt
import logging
import re

import click
import pyotp
import pytest
from support.config import portal_config

from portal import codes, create_app
from portal.accounts.audit import AuditEntry
from portal.accounts.models import OneTimeLink, RecoveryCode, User
from portal.db import db

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
    assert b"easy to guess" in response.data
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
    assert b'value="rosa"' in member.get(f"/account/setup?token={token}").data
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


# --- a reset link is not a login: the second factor still counts -------------------------------

NEW_PASSWORD = "new marigold compass"


def _use_link(browser, token: str):
    return browser.post("/account/setup", data={"token": token, "password": NEW_PASSWORD,
                                                "confirm": NEW_PASSWORD})


def _admin_reset_link(app, make_user, target) -> tuple[str, object]:
    admin = make_user("admin")
    browser = app.test_client()
    browser.post("/login", data={"username": admin.username, "password": "correct-kettle-meadow-42"})
    browser.post("/login/verify", data={"code": pyotp.TOTP(admin.totp_secret).now()})
    page = browser.post(f"/staff/users/{target.id}/reset")
    return LINK.search(page.get_data(as_text=True)).group(1), admin


def test_a_reset_link_sets_the_password_then_asks_for_the_second_factor(app, make_user, query):
    target = make_user("admin")
    token, issuer = _admin_reset_link(app, make_user, target)
    intruder = app.test_client()
    response = _use_link(intruder, token)
    # the password is set, but whoever holds only the link is not logged in
    assert response.status_code == 302 and response.location.endswith("/login/verify")
    assert intruder.get("/staff/users").status_code == 302
    assert intruder.get("/account").status_code == 302
    wrong = intruder.post("/login/verify", data={"code": "000000"})
    assert wrong.status_code == 200 and b"did not work" in wrong.data
    right = intruder.post("/login/verify", data={"code": pyotp.TOTP(target.totp_secret).now()})
    assert right.status_code == 302
    assert intruder.get("/staff/users").status_code == 200
    # an admin resetting an admin is on the record, naming the account
    rows = query(lambda: [(e.action, e.actor_id, e.subject_id) for e in AuditEntry.select()
                          .where(AuditEntry.action.startswith("link."))])
    assert ("link.reset", issuer.id, target.id) in rows
    assert ("link.used.reset", target.id, target.id) in rows


def test_a_reset_link_accepts_a_recovery_code_instead(app, make_user, query):
    target = make_user("staff", totp=True)
    query(lambda: RecoveryCode.create(user=target.id,
                                      code_hash=codes.keyed_hash("recovery-code", "abc123-def456")))
    token, _ = _admin_reset_link(app, make_user, target)
    browser = app.test_client()
    assert _use_link(browser, token).location.endswith("/login/verify")
    assert browser.post("/login/verify", data={"code": "abc123-def456"}).status_code == 302
    assert browser.get("/staff/").status_code == 200


def test_a_command_line_reset_link_asks_for_the_second_factor_and_is_audited(app, make_user, query):
    target = make_user("admin", username="chief")
    result = app.test_cli_runner().invoke(args=["create-user", "--role", "admin", "--username",
                                                "chief", "--reset"])
    token = LINK.search(result.output).group(1)
    browser = app.test_client()
    assert _use_link(browser, token).location.endswith("/login/verify")
    assert browser.get("/staff/users").status_code == 302
    rows = query(lambda: [(e.action, e.actor_id, e.subject_id) for e in AuditEntry.select()])
    assert ("link.reset", None, target.id) in rows


def test_a_reset_link_without_a_second_factor_logs_in_at_once(app, make_user):
    target = make_user("council")
    token, _ = _admin_reset_link(app, make_user, target)
    browser = app.test_client()
    assert _use_link(browser, token).status_code == 302
    assert browser.get("/account").status_code == 200


# --- deactivation revokes links; admins see and revoke pending links ---------------------------

def _signed_in_admin(app, make_user):
    admin = make_user("admin")
    browser = app.test_client()
    browser.post("/login", data={"username": admin.username, "password": "correct-kettle-meadow-42"})
    browser.post("/login/verify", data={"code": pyotp.TOTP(admin.totp_secret).now()})
    return admin, browser


def test_deactivating_an_admin_revokes_the_links_it_issued_and_its_reset_link(app, make_user, query):
    leaving, leaving_browser = _signed_in_admin(app, make_user)
    invite = LINK.search(leaving_browser.post(
        "/staff/users", data={"username": "newadmin", "role": "admin"}).get_data(as_text=True)).group(1)
    staff = make_user("staff")
    reset = LINK.search(leaving_browser.post(
        f"/staff/users/{staff.id}/reset").get_data(as_text=True)).group(1)
    other, other_browser = _signed_in_admin(app, make_user)
    own_reset = LINK.search(other_browser.post(
        f"/staff/users/{leaving.id}/reset").get_data(as_text=True)).group(1)
    other_browser.post(f"/staff/users/{leaving.id}/deactivate")
    for token in (invite, reset, own_reset):
        assert app.test_client().get(f"/account/setup?token={token}").status_code == 404
        _use_link(app.test_client(), token)
    assert query(lambda: User.by_username("newadmin")) is None
    assert query(lambda: OneTimeLink.select().where(OneTimeLink.used_at.is_null()).count()) == 0


def test_a_link_from_a_deactivated_issuer_does_not_work(app, make_user, query):
    from portal.accounts import service

    issuer = make_user("admin")
    with app.test_request_context():
        token = query(lambda: service.issue_link("invite", "admin", username="x1", created_by=issuer))
    query(lambda: User.update(is_active=False).where(User.id == issuer.id).execute())
    assert app.test_client().get(f"/account/setup?token={token}").status_code == 404


def test_admins_see_pending_links_and_revoke_them(app, make_user, query):
    admin, browser = _signed_in_admin(app, make_user)
    page = browser.post("/staff/users", data={"username": "pending-person", "role": "council"})
    token = LINK.search(page.get_data(as_text=True)).group(1)
    page = browser.get("/staff/users").get_data(as_text=True)
    listing = page.split("Links not used yet", 1)[1].split("Recent changes", 1)[0]
    for shown in ("pending-person", "invitation", "Council member", admin.username):
        assert shown in listing, shown
    link = query(lambda: OneTimeLink.get(OneTimeLink.username == "pending-person"))
    assert link.expires_at.isoformat() in listing
    response = browser.post(f"/staff/users/links/{link.id}/revoke")
    assert response.status_code == 302
    assert app.test_client().get(f"/account/setup?token={token}").status_code == 404
    assert browser.post(f"/staff/users/links/{link.id}/revoke").status_code == 404
    actions = query(lambda: [(e.action, e.actor_id) for e in AuditEntry.select()])
    assert ("link.revoked", admin.id) in actions


# --- every invited person chooses their own user name; a reset keeps the account's -------------

SETUP_PASSWORD = "quiet harbour lantern 8"


def _invitation(browser, role: str, suggestion: str = "suggested-name") -> str:
    """An admin's invitation from the user list; returns the link's token."""
    page = browser.post("/staff/users", data={"username": suggestion, "role": role})
    return LINK.search(page.get_data(as_text=True)).group(1)


def _accept(browser, token: str, username: str, display_name: str = ""):
    return browser.post("/account/setup", data={"token": token, "username": username,
                                                "display_name": display_name,
                                                "password": SETUP_PASSWORD, "confirm": SETUP_PASSWORD})


def test_the_invite_form_says_the_name_is_only_a_suggestion(app, make_user):
    _, browser = _signed_in_admin(app, make_user)
    page = browser.get("/staff/users").get_data(as_text=True)
    assert "Suggested user name" in page
    assert "The person may keep it or choose their own when they open the link." in page


@pytest.mark.parametrize("role", ["staff", "admin", "council"])
def test_an_invited_person_chooses_their_own_user_name(app, make_user, query, role):
    admin, browser = _signed_in_admin(app, make_user)
    token = _invitation(browser, role)
    # the pending list names the invitation by the suggestion until it is used
    listing = browser.get("/staff/users").get_data(as_text=True).split("Links not used yet", 1)[1]
    assert "suggested-name" in listing.split("Recent changes", 1)[0]
    invitee = app.test_client()
    form = invitee.get(f"/account/setup?token={token}").get_data(as_text=True)
    assert 'value="suggested-name"' in form and 'id="username-hint"' in form
    assert "only a suggestion" in form and "does not give away who you are" in form
    answer = _accept(invitee, token, "Night-Owl", "Sol")
    assert answer.status_code in (200, 302)
    assert query(lambda: User.by_username("suggested-name")) is None
    chosen = query(lambda: User.by_username("night-owl"))
    assert chosen is not None and chosen.role == role and chosen.display_name == "Sol"
    # the admin's pages name the account by the name the person chose
    users = browser.get("/staff/users").get_data(as_text=True)
    assert "night-owl" in users and "suggested-name" not in users
    trail = browser.get("/staff/audit").get_data(as_text=True)
    assert "night-owl" in trail and "suggested-name" not in trail
    rows = query(lambda: [(e.action, e.actor_id, e.subject_id) for e in AuditEntry.select()])
    assert ("link.used.invite", chosen.id, chosen.id) in rows and ("link.invite", admin.id, None) in rows


def test_the_invited_person_logs_in_with_the_name_they_chose(app, make_user):
    _, browser = _signed_in_admin(app, make_user)
    token = _invitation(browser, "staff")
    _accept(app.test_client(), token, "harbour-light")
    newcomer = app.test_client()
    refused = newcomer.post("/login", data={"username": "suggested-name", "password": SETUP_PASSWORD})
    assert refused.status_code == 200
    assert newcomer.post("/login", data={"username": "harbour-light",
                                         "password": SETUP_PASSWORD}).status_code == 302
    assert newcomer.get("/staff/").status_code == 200


@pytest.mark.parametrize("typed", ["", "   "])
def test_an_empty_user_name_falls_back_to_the_suggestion(app, make_user, query, typed):
    _, browser = _signed_in_admin(app, make_user)
    token = _invitation(browser, "staff", suggestion="Kept-Suggestion")
    _accept(app.test_client(), token, typed)
    assert query(lambda: User.by_username("kept-suggestion").role) == "staff"


def test_no_name_at_all_asks_for_one_and_keeps_the_form(app, query):
    from portal.accounts import service

    with app.test_request_context("/"), db.connection_context():
        token = service.issue_link("invite", "staff")
    browser = app.test_client()
    form = browser.get(f"/account/setup?token={token}").get_data(as_text=True)
    assert 'id="username"' in form and "only a suggestion" not in form
    response = _accept(browser, token, "", "River")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="username-error"' in page and "Choose a user name." in page
    assert 'value="River"' in page, "the display name is kept"
    assert query(lambda: User.select().count()) == 0
    assert _accept(browser, token, "river-1").status_code == 302, "the link still works"


def test_a_taken_user_name_is_refused_next_to_the_field_and_the_form_kept(app, make_user, query):
    make_user("council", username="taken-name")
    _, browser = _signed_in_admin(app, make_user)
    token = _invitation(browser, "staff")
    invitee = app.test_client()
    response = _accept(invitee, token, "Taken-Name", "Ana")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "That user name is taken. Choose another." in page
    assert 'id="username-error"' in page and 'aria-invalid="true"' in page
    assert 'value="Taken-Name"' in page and 'value="Ana"' in page
    assert query(lambda: User.by_username("taken-name").role) == "council", "the other account is untouched"
    assert _accept(invitee, token, "free-name").status_code == 302
    assert query(lambda: User.by_username("free-name").role) == "staff"


def test_a_reset_link_cannot_change_the_user_name(app, make_user, query):
    target = make_user("staff", username="keeps-her-name")
    _, browser = _signed_in_admin(app, make_user)
    token = LINK.search(browser.post(f"/staff/users/{target.id}/reset").get_data(as_text=True)).group(1)
    person = app.test_client()
    form = person.get(f"/account/setup?token={token}").get_data(as_text=True)
    assert "keeps-her-name" in form and 'id="username"' not in form and 'id="display_name"' not in form
    assert _accept(person, token, "a-new-name").status_code == 302
    assert query(lambda: User.by_username("a-new-name")) is None
    assert query(lambda: User.get_by_id(target.id).username) == "keeps-her-name"
    again = app.test_client().post("/login", data={"username": "keeps-her-name", "password": SETUP_PASSWORD})
    assert again.status_code == 302


def test_spaces_around_a_chosen_user_name_are_dropped(app, make_user, query):
    """A phone keyboard's trailing space does not make the name "invalid"."""
    _, browser = _signed_in_admin(app, make_user)
    token = _invitation(browser, "staff")
    _accept(app.test_client(), token, "  quiet-harbour ")
    assert query(lambda: User.by_username("quiet-harbour").role) == "staff"
