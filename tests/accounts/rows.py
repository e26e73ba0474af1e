"""The accounts area's rows for the shared suites (see tests/support/rows.py)."""
from __future__ import annotations

import secrets
import time
from collections.abc import Callable

import pyotp
from support.canary import Visitor
from support.hostile import CHOICE, SECRET, TEXT, Field, HostileForm
from support.screens import Screen, go, submit
from support.world import PASSWORD, World

# --- what URL arguments and query strings name -------------------------------------------------


def _invite_token(world: World) -> str:
    """An unused invitation link, as an admin would hand out."""
    from portal.accounts import service

    with world.app.test_request_context():
        return world.query(lambda: service.issue_link("invite", "council", username="invitee"))


def _pending_link(world: World) -> int:
    """An unused invitation an admin issued, for the revoke route."""
    from portal import codes
    from portal.accounts import service
    from portal.accounts.models import OneTimeLink

    admin = world.account("admin")
    with world.app.test_request_context():
        token = world.query(lambda: service.issue_link("invite", "council", username="pending",
                                                       created_by=admin))
    return world.query(lambda: OneTimeLink.get(
        OneTimeLink.token_hash == codes.keyed_hash(service.LINK_PURPOSE, token)).id)


ARGUMENTS: dict[str, Callable[[World], object]] = {
    # the account of the "council" member: other members and staff must not act on it
    "user_id": lambda world: world.account("council").id,
    "action": lambda world: "reset",
    "invite_token": _invite_token,
    "link_id": _pending_link,
}

QUERY_STRINGS: dict[str, Callable[[World], dict]] = {
    "/account/setup": lambda world: {"token": world.value("invite_token")},
}

# --- hostile input -----------------------------------------------------------------------------


def _setup_token(world: World) -> str:
    from portal.accounts import service

    with world.app.test_request_context():
        return world.query(lambda: service.issue_link("invite", "council"))


def _pending_login(world: World) -> None:
    """Type the admin's password so the second-factor page is open."""
    client = world.clients["anonymous"]
    client.post("/login", data={"username": world.users["admin"].username, "password": PASSWORD})


FORMS: list[HostileForm] = [
    HostileForm("login", "anonymous", lambda w: "/login",
                lambda w: {"username": w.users["council"].username, "password": "wrong-but-long-enough"},
                {"username": Field(SECRET), "password": Field(SECRET), "next": Field(SECRET)}),
    HostileForm("second factor", "anonymous", lambda w: "/login/verify", lambda w: {"code": "000000"},
                {"code": Field(SECRET)}, prepare=_pending_login),
    HostileForm("setup link", "anonymous", lambda w: f"/account/setup?token={_setup_token(w)}",
                lambda w: {"username": f"new{time.monotonic_ns()}", "display_name": "Sam",
                           "password": PASSWORD, "confirm": PASSWORD},
                {"display_name": Field(TEXT, stored_as=str.strip),
                 "username": Field(TEXT, stored_as=lambda v: v.strip().lower()),
                 "password": Field(SECRET, mirror="confirm")},
                shows=lambda w: [("admin", "/staff/users")]),
    HostileForm("change password", "council", lambda w: "/account",
                lambda w: {"current": PASSWORD, "password": "x", "confirm": "x"},
                {"current": Field(SECRET), "password": Field(SECRET, mirror="confirm")}),
    HostileForm("second factor setup", "council", lambda w: "/account/two-factor",
                lambda w: {"secret": pyotp.random_base32(), "code": "000000"},
                {"secret": Field(SECRET), "code": Field(SECRET)}),
    HostileForm("invite", "admin", lambda w: "/staff/users",
                lambda w: {"username": f"guest{time.monotonic_ns()}", "role": "council"},
                {"username": Field(TEXT, stored_as=lambda v: v.strip().lower()),
                 "role": Field(CHOICE, choices=("council", "staff", "admin"))}),
]

# --- the anonymity canary ----------------------------------------------------------------------


def _wrong_login(visitor: Visitor, state: dict) -> None:
    assert visitor.post("/login", {"username": "nobody", "password": "not-the-password"}).status_code == 200


CANARY_FLOW = [_wrong_login]

# --- pages for the accessibility check ---------------------------------------------------------


def new_link(server, purpose: str = "invite", role: str = "council", username: str | None = None) -> str:
    """A one-time link made on the server."""
    from portal.accounts import service

    name = username if username is not None else f"new-{secrets.token_hex(3)}"
    return server.run(lambda: service.issue_link(purpose, role, username=name or None))


def _password_step(page, server) -> None:
    account = server.make_account("staff", totp=True)
    page.goto("/login")
    page.locator("#username").fill(account.username)
    page.locator("#password").fill(account.password)
    submit(page)


def _verify_error(page, server) -> None:
    _password_step(page, server)
    page.locator("#code").fill("123")
    submit(page)


def _setup_error(page, server) -> None:
    page.goto(f"/account/setup?token={new_link(server)}")
    page.locator("#password").fill("short")
    page.locator("#confirm").fill("different")
    submit(page)


def _wrong_current_password(page, server) -> None:
    page.goto("/account")
    page.locator("#current").fill("not my password at all")
    page.locator("#password").fill("a brand new kettle meadow")
    page.locator("#confirm").fill("a brand new kettle meadow")
    submit(page)


def _recovery_codes(page, server) -> None:
    page.goto("/account/two-factor")
    secret = page.locator("main .code-box code").first.inner_text().replace(" ", "")
    page.locator("#code").fill(pyotp.TOTP(secret).now())
    submit(page, "main form:has(#code) button[type=submit]")


def _invitation(page, server) -> None:
    page.goto("/staff/users")
    page.locator("#username").fill(f"invitee-{secrets.token_hex(3)}")
    submit(page, "main form:has(#username) button[type=submit]")


def _reset_link(page, server) -> None:
    server.make_account("council")
    page.goto("/staff/users")
    submit(page, "main form[action$='/reset'] button[type=submit]")


SCREENS = [
    Screen("login", "accounts.login", None, go("/login")),
    Screen("login-errors", "accounts.login", None,
           lambda page, server: (page.goto("/login"), submit(page))),
    Screen("login-second-step", "accounts.login_verify", None, _password_step),
    Screen("login-second-step-errors", "accounts.login_verify", None, _verify_error),
    Screen("setup-first-admin", "accounts.setup", None,
           lambda page, server: page.goto(f"/account/setup?token={new_link(server, 'setup', 'admin', '')}")),
    Screen("setup-invited", "accounts.setup", None,
           lambda page, server: page.goto(f"/account/setup?token={new_link(server)}")),
    Screen("setup-errors", "accounts.setup", None, _setup_error),
    Screen("setup-link-used", "accounts.setup", None, go("/account/setup?token=used-or-expired")),
    Screen("account", "accounts.account", "council", go("/account")),
    Screen("account-errors", "accounts.account", "council", _wrong_current_password),
    Screen("two-factor-setup", "accounts.two_factor", "council", go("/account/two-factor")),
    Screen("recovery-codes", "accounts.two_factor", "council", _recovery_codes),
    Screen("two-factor-on", "accounts.two_factor", "council-2fa", go("/account/two-factor")),
    Screen("logout", "accounts.logout", "council", go("/logout")),
    Screen("staff-only", "accounts.staff_home", "council", go("/staff/")),
    Screen("staff-home", "accounts.staff_home", "staff", go("/staff/")),
    Screen("accounts", "accounts.users", "admin", go("/staff/users")),
    Screen("accounts-invitation", "accounts.users", "admin", _invitation),
    Screen("accounts-reset-link", "accounts.user_action", "admin", _reset_link),
    Screen("audit-trail", "accounts.audit_trail", "admin", go("/staff/audit")),
    Screen("audit-trail-filtered", "accounts.audit_trail", "admin",
           go("/staff/audit?person=system&action=link.invite&since=2020-01-01&until=not-a-day")),
]

NOT_PAGES = {"accounts.audit_export"}
