"""Accounts: logging in and out, sessions that end when they should, passwords, second factors."""
from __future__ import annotations

import re
import time

import pyotp
import pytest
from argon2 import PasswordHasher
from support.config import TEST_PASSWORD

from portal.accounts.audit import AuditEntry
from portal.accounts.models import RecoveryCode, User


def test_staff_member_logs_in_and_reaches_staff_home(client, auth, make_user):
    user = make_user("staff")
    response = auth.login(user)
    assert response.status_code == 302
    assert response.location.endswith("/staff/")
    assert client.get("/staff/").status_code == 200


def test_wrong_password_is_refused_with_a_message(client, make_user):
    user = make_user("staff")
    response = client.post("/login", data={"username": user.username, "password": "not-the-password"})
    assert response.status_code == 200
    assert b"do not match" in response.data
    assert client.get("/staff/").status_code == 302


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(client, make_user):
    make_user("staff", username="real")
    known = client.post("/login", data={"username": "real", "password": "wrong-password-1"})
    unknown = client.post("/login", data={"username": "ghost", "password": "wrong-password-1"})
    assert known.status_code == unknown.status_code == 200
    assert b"do not match" in known.data and b"do not match" in unknown.data


def test_deactivated_account_cannot_log_in(client, auth, make_user):
    user = make_user("staff", active=False)
    response = auth.login(user)
    assert response.status_code == 200
    assert client.get("/staff/").status_code == 302


def test_login_rotates_the_session(app, client, auth, make_user):
    user = make_user("staff")
    with client.session_transaction() as sess:
        sess["planted"] = "by-someone-else"
    auth.login(user)
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["uid"] == user.id


def test_login_follows_only_local_next_paths(client, make_user):
    user = make_user("staff")
    response = client.post("/login", data={"username": user.username, "password": TEST_PASSWORD,
                                           "next": "//evil.example/steal"})
    assert response.location.endswith("/staff/")
    client.post("/logout")
    response = client.post("/login", data={"username": user.username, "password": TEST_PASSWORD,
                                           "next": "/account"})
    assert response.location.endswith("/account")


def test_logout_ends_every_session_of_the_account(app, make_user):
    user = make_user("staff")
    first, second = app.test_client(), app.test_client()
    for browser in (first, second):
        browser.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
        assert browser.get("/staff/").status_code == 200
    first.post("/logout")
    assert first.get("/staff/").status_code == 302
    assert second.get("/staff/").status_code == 302


def test_password_change_ends_other_sessions_but_keeps_this_one(app, make_user, query):
    user = make_user("staff")
    here, elsewhere = app.test_client(), app.test_client()
    for browser in (here, elsewhere):
        browser.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    response = here.post("/account", data={"current": TEST_PASSWORD,
                                           "password": "a brand new passphrase",
                                           "confirm": "a brand new passphrase"})
    assert response.status_code == 302
    assert here.get("/staff/").status_code == 200
    assert elsewhere.get("/staff/").status_code == 302
    assert query(lambda: AuditEntry.select().where(AuditEntry.action == "password.changed").count()) == 1


def test_password_change_refuses_short_and_common_passwords(client, auth, make_user):
    user = make_user("staff")
    auth.login(user)
    short = client.post("/account", data={"current": TEST_PASSWORD, "password": "short", "confirm": "short"})
    assert b"at least 12 characters" in short.data
    common = client.post("/account", data={"current": TEST_PASSWORD, "password": "password1234",
                                           "confirm": "password1234"})
    assert b"easy to guess" in common.data
    # no composition rules: a long phrase of lower-case words is fine
    fine = client.post("/account", data={"current": TEST_PASSWORD, "password": "river lantern pebble",
                                         "confirm": "river lantern pebble"})
    assert fine.status_code == 302


def test_deactivating_an_account_ends_its_sessions(app, make_user, query):
    admin = make_user("admin")
    member = make_user("council")
    member_browser = app.test_client()
    member_browser.post("/login", data={"username": member.username, "password": TEST_PASSWORD})
    assert member_browser.get("/account").status_code == 200
    admin_browser = app.test_client()
    admin_browser.post("/login", data={"username": admin.username, "password": TEST_PASSWORD})
    admin_browser.post("/login/verify", data={"code": pyotp.TOTP(admin.totp_secret).now()})
    response = admin_browser.post(f"/staff/users/{member.id}/deactivate")
    assert response.status_code == 302
    assert member_browser.get("/account").status_code == 302
    assert query(lambda: User.get_by_id(member.id).is_active) is False


def test_a_session_of_an_inactive_account_is_refused_whatever_its_version(app, make_user, query):
    """Each request checks that the account is still active, not only that the session is current:
    an account switched off in the database (a restore, a script) logs nobody in."""
    member = make_user("council")
    browser = app.test_client()
    browser.post("/login", data={"username": member.username, "password": TEST_PASSWORD})
    assert browser.get("/account").status_code == 200
    query(lambda: User.update(is_active=False).where(User.id == member.id).execute())
    assert browser.get("/account").status_code == 302


def test_idle_session_expires_after_30_minutes(client, auth, make_user):
    auth.login(make_user("staff"))
    with client.session_transaction() as sess:
        sess["seen"] = int(time.time()) - 31 * 60
    assert client.get("/staff/").status_code == 302


def test_session_expires_after_12_hours_even_when_active(client, auth, make_user):
    auth.login(make_user("staff"))
    with client.session_transaction() as sess:
        sess["started"] = int(time.time()) - 12 * 3600 - 5
    assert client.get("/staff/").status_code == 302


def test_old_password_hash_is_upgraded_on_login(app, client, make_user, query):
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, hash_len=16)
    user = make_user("staff")
    query(lambda: User.update(password_hash=weak.hash(TEST_PASSWORD)).where(User.id == user.id).execute())
    client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    new_hash = query(lambda: User.get_by_id(user.id).password_hash)
    assert new_hash.startswith("$argon2id$")
    assert not PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).check_needs_rehash(new_hash)


def test_admin_must_pass_the_second_factor(client, make_user):
    admin = make_user("admin")
    response = client.post("/login", data={"username": admin.username, "password": TEST_PASSWORD})
    assert response.location.endswith("/login/verify")
    assert client.get("/staff/users").status_code == 302
    bad = client.post("/login/verify", data={"code": "000000"})
    assert b"did not work" in bad.data
    client.post("/login/verify", data={"code": pyotp.TOTP(admin.totp_secret).now()})
    assert client.get("/staff/users").status_code == 200


def test_a_totp_code_works_only_once(app, make_user):
    admin = make_user("admin")
    code = pyotp.TOTP(admin.totp_secret).now()
    first, second = app.test_client(), app.test_client()
    first.post("/login", data={"username": admin.username, "password": TEST_PASSWORD})
    assert first.post("/login/verify", data={"code": code}).location.endswith("/staff/")
    second.post("/login", data={"username": admin.username, "password": TEST_PASSWORD})
    assert second.post("/login/verify", data={"code": code}).status_code == 200


def test_admin_without_second_factor_is_sent_to_set_one_up(client, auth, make_user):
    admin = make_user("admin", totp=False)
    response = auth.login(admin)
    assert response.location.endswith("/account/two-factor")
    assert client.get("/staff/users").location.endswith("/account/two-factor")


def test_setting_up_a_second_factor_gives_single_use_recovery_codes(app, client, auth, make_user, query):
    user = make_user("council")
    auth.login(user)
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = page.split('name="secret" type="hidden" value="')[1].split('"')[0]
    response = client.post("/account/two-factor", data={"secret": secret,
                                                        "code": pyotp.TOTP(secret).now()})
    html = response.get_data(as_text=True)
    codes = re.findall(r"<li><code>([^<]+)</code></li>", html)
    assert len(codes) == 10
    assert query(lambda: RecoveryCode.select().where(RecoveryCode.user == user.id).count()) == 10
    stored = query(lambda: [rc.code_hash for rc in RecoveryCode.select()])
    assert not any(code in stored for code in codes)
    client.post("/logout")
    fresh = app.test_client()
    fresh.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    assert fresh.post("/login/verify", data={"code": codes[0]}).status_code == 302
    fresh.post("/logout")
    again = app.test_client()
    again.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    assert again.post("/login/verify", data={"code": codes[0]}).status_code == 200


@pytest.mark.parametrize("role", ["staff", "council"])
def test_second_factor_is_offered_to_everyone(client, auth, make_user, role):
    auth.login(make_user(role))
    page = client.get("/account/two-factor")
    assert page.status_code == 200
    assert b"authenticator app" in page.data
