"""Shared fixtures: a fresh database per test, clients, and one-call factories for accounts."""
from __future__ import annotations

import re

import pyotp
import pytest
from support.config import TEST_PASSWORD, portal_config
from support.sealing import give_key

from portal import create_app
from portal.accounts.models import User
from portal.clock import utc_now
from portal.db import close_pool, db
from portal.security import hash_password


@pytest.fixture
def app(tmp_path):
    """A portal with an empty, fully migrated database."""
    application = create_app(portal_config(tmp_path))
    yield application
    close_pool()


@pytest.fixture
def csrf_app(tmp_path):
    """A portal with CSRF protection on, as in production."""
    application = create_app(portal_config(tmp_path, WTF_CSRF_ENABLED=True))
    yield application
    close_pool()


@pytest.fixture
def client(app):
    """A browser without cookies."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """The flask command line."""
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Create an account in one call: make_user("staff", totp=True).

    Staff and admins can read sealed records unless made with sealed=False.
    """
    counter = {"n": 0}

    def _make(role: str = "staff", username: str | None = None, password: str = TEST_PASSWORD,
              totp: bool | None = None, active: bool = True, sealed: bool = True,
              **fields) -> User:
        counter["n"] += 1
        totp = (role == "admin") if totp is None else totp
        with app.app_context(), db.connection_context():
            user = User.create(
                username=username or f"{role}{counter['n']}",
                role=role,
                password_hash=hash_password(password),
                is_active=active,
                totp_secret=pyotp.random_base32() if totp else None,
                totp_enabled=totp,
                created_on=utc_now().date(),
                **fields,
            )
            if sealed and user.is_staff and active:
                give_key(user, password)
        return user

    return _make


class AuthActions:
    """Log a test client in and out, passing the second factor when the account has one."""

    def __init__(self, client, app):
        self.client = client
        self.app = app

    def login(self, user: User, password: str = TEST_PASSWORD, follow: bool = False):
        response = self.client.post("/login", data={"username": user.username, "password": password})
        if user.totp_enabled and response.status_code == 302 and "/login/verify" in response.location:
            code = pyotp.TOTP(user.totp_secret).now()
            response = self.client.post("/login/verify", data={"code": code},
                                        follow_redirects=follow)
        return response

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client, app):
    """Log the `client` fixture in as a given user."""
    return AuthActions(client, app)


def csrf_token_from(html: str) -> str:
    """The CSRF token in a rendered form."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token in the page"
    return match.group(1)


@pytest.fixture
def query(app):
    """Run a function with the database open, for assertions on stored rows."""
    def _run(fn):
        with app.app_context(), db.connection_context():
            return fn()
    return _run
