"""Account rules that a quiet change could undo: each test names the rule it keeps."""
from __future__ import annotations

import datetime as dt

import pyotp
import pytest
from support.config import TEST_PASSWORD, portal_config

from portal import config as portal_settings
from portal import create_app, security
from portal.accounts import service
from portal.accounts.models import OneTimeLink, User
from portal.clock import utc_now
from portal.db import close_pool


def test_an_admin_cannot_turn_the_second_factor_off(app, client, auth, make_user, query):
    admin = make_user("admin")
    auth.login(admin)
    response = client.post("/account/two-factor", data={"password": TEST_PASSWORD})
    assert response.status_code in (200, 302)
    assert query(lambda: User.get_by_id(admin.id).totp_enabled) is True
    with app.test_request_context(), pytest.raises(service.AccountError):
        query(lambda: service.disable_totp(User.get_by_id(admin.id), TEST_PASSWORD))


def test_default_argon2_parameters_are_the_documented_ones(tmp_path):
    settings = portal_settings.from_environment(str(tmp_path), {"PORTAL_SECRET_KEY": "x"})
    assert (settings["ARGON2_TIME_COST"], settings["ARGON2_MEMORY_COST"],
            settings["ARGON2_PARALLELISM"]) == (3, 65536, 4)
    app = create_app({**portal_config(tmp_path), "ARGON2_TIME_COST": 3, "ARGON2_MEMORY_COST": 65536,
                      "ARGON2_PARALLELISM": 4})
    with app.app_context():
        stored = security.hash_password("any long enough password")
    close_pool()
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_one_time_links_expire_72_hours_after_issue(app, query):
    with app.test_request_context():
        before = utc_now()
        query(lambda: service.issue_link("invite", "council", username="sam"))
        after = utc_now()
    link = query(lambda: OneTimeLink.get())
    assert before + dt.timedelta(hours=72) <= link.expires_at <= after + dt.timedelta(hours=72)


def test_an_unknown_user_name_costs_one_password_check_like_a_known_one(app, make_user, monkeypatch):
    make_user("staff", username="known")
    calls = []
    original = service.verify_password

    def counting(stored: str, password: str) -> bool:
        calls.append(stored)
        return original(stored, password)

    monkeypatch.setattr(service, "verify_password", counting)
    with app.test_request_context():
        from portal.db import db

        with db.connection_context():
            assert service.authenticate("nobody-by-this-name", "some password here") is None
            unknown = len(calls)
            calls.clear()
            assert service.authenticate("known", "some wrong password") is None
            known = len(calls)
    assert unknown == known == 1


@pytest.mark.parametrize("change", ["deactivated", "session ended"])
def test_the_second_factor_step_rechecks_the_account(app, client, make_user, query, change):
    user = make_user("staff", totp=True)
    response = client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    assert "/login/verify" in response.location
    if change == "deactivated":
        query(lambda: User.update(is_active=False).where(User.id == user.id).execute())
    else:
        query(lambda: User.update(session_version=User.session_version + 1)
              .where(User.id == user.id).execute())
    code = pyotp.TOTP(user.totp_secret).now()
    response = client.post("/login/verify", data={"code": code})
    assert response.status_code == 302 and response.location.endswith("/login")
    assert client.get("/account").status_code == 302, "no session was started"


def test_the_second_factor_step_is_rate_limited(client, fresh_window):
    """Its own limit on requests from one client, apart from the lock on an account's wrong codes:
    the eleventh post in a minute is refused before any code is looked at."""
    statuses = [client.post("/login/verify", data={"code": "000000"}).status_code for _ in range(11)]
    assert statuses[:10] == [302] * 10, "no login is pending: each is sent back to /login"
    assert statuses[10] == 429


def test_one_authenticator_code_sent_twice_at_once_is_accepted_once(app, make_user, query, monkeypatch):
    """Two requests with the same code that both read the account before either wrote: the write
    that moves the account past the code's time step lets only one of them through."""
    user = make_user("staff", totp=True)
    code = pyotp.TOTP(user.totp_secret).now()
    stale = query(lambda: User.get_by_id(user.id))
    # both requests see the account as it was before either of them
    monkeypatch.setattr(User, "get_by_id", lambda pk: stale)
    with app.test_request_context():
        accepted = [query(lambda: service.verify_second_factor(stale, code)) for _ in range(2)]
    assert accepted == [True, False]
