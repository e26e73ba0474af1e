"""Requests racing for something that works once: exactly one wins, on SQLite and PostgreSQL.

On PostgreSQL one setup link posted 4 times at once made 4 admins, and one authenticator code
was accepted twice in parallel logins. Each thread below has its own connection from the pool
and they all start together.
"""
from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyotp
import pytest
from support.config import TEST_PASSWORD, portal_config
from support.database import throwaway_postgres

from portal import create_app
from portal.accounts import service
from portal.accounts.models import OneTimeLink, User
from portal.clock import utc_now
from portal.db import close_pool, db
from portal.security import hash_password

RACERS = 6
ROUNDS = 3


@contextlib.contextmanager
def _portal(engine: str, tmp_path: Path) -> Iterator:
    """A portal on a fresh database of the engine, with argon2 slow enough to widen the race."""
    with contextlib.ExitStack() as stack:
        if engine == "postgresql":
            url = stack.enter_context(throwaway_postgres("portal_race"))
        else:
            url = f"sqlite:///{tmp_path / 'race.sqlite'}"
        # every racer may hash at once: the race is for the record, not for a hashing slot
        app = create_app(portal_config(tmp_path, DATABASE_URL=url, ARGON2_TIME_COST=2,
                                       ARGON2_MEMORY_COST=4096, PASSWORD_CHECKS_AT_ONCE=RACERS))
        try:
            yield app
        finally:
            close_pool()


def _all_at_once(action: Callable[[int], object]) -> list:
    """Run `action(n)` in RACERS threads released at the same moment."""
    start = threading.Barrier(RACERS)

    def racer(number: int):
        start.wait()
        return action(number)

    with ThreadPoolExecutor(RACERS) as pool:
        return list(pool.map(racer, range(RACERS)))


def _query(app, fn):
    with app.app_context(), db.connection_context():
        return fn()


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_one_setup_link_posted_at_once_makes_one_admin(tmp_path, engine):
    with _portal(engine, tmp_path) as app:
        for round_number in range(ROUNDS):
            with app.test_request_context():
                token = _query(app, lambda: service.issue_link("setup", "admin"))

            def post(number: int, round_number=round_number, token=token) -> str:
                password = f"racing lantern {round_number} {number} meadow"
                answer = app.test_client().post("/account/setup", data={
                    "token": token, "username": f"admin-{round_number}-{number}",
                    "password": password, "confirm": password})
                # the very first admin is shown the organisation's recovery key instead of a redirect
                won = answer.status_code == 302 or "recovery-key" in answer.get_data(as_text=True)
                return "won" if won else str(answer.status_code)

            outcomes = _all_at_once(post)
            assert outcomes.count("won") == 1, outcomes
        admins = _query(app, lambda: User.select().where(User.role == "admin").count())
        assert admins == ROUNDS
        used = _query(app, lambda: OneTimeLink.select().where(OneTimeLink.used_at.is_null(False)).count())
        assert used == ROUNDS


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_one_authenticator_code_checked_at_once_is_accepted_once(tmp_path, engine):
    with _portal(engine, tmp_path) as app:
        secret = pyotp.random_base32()
        user = _query(app, lambda: User.create(
            username="amal", role="admin", password_hash=hash_password(TEST_PASSWORD),
            totp_secret=secret, totp_enabled=True, created_on=utc_now().date()))
        for _ in range(ROUNDS):
            _query(app, lambda: User.update(totp_last_step=0).where(User.id == user.id).execute())
            code = pyotp.TOTP(secret).now()

            def check(_, code=code) -> bool:
                return _query(app, lambda: service.verify_second_factor(user, code))

            accepted = _all_at_once(check)
            assert accepted.count(True) == 1, accepted


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_one_pending_login_sent_from_many_browsers_at_once_logs_in_once(tmp_path, engine):
    with _portal(engine, tmp_path) as app:
        secret = pyotp.random_base32()
        _query(app, lambda: User.create(
            username="amal", role="admin", password_hash=hash_password(TEST_PASSWORD),
            totp_secret=secret, totp_enabled=True, created_on=utc_now().date()))
        owner = app.test_client()
        owner.post("/login", data={"username": "amal", "password": TEST_PASSWORD})
        cookie = owner.get_cookie("session").value
        code = pyotp.TOTP(secret).now()

        def verify(_) -> bool:
            browser = app.test_client()
            browser.set_cookie("session", cookie)
            browser.post("/login/verify", data={"code": code})
            return browser.get("/staff/users").status_code == 200

        assert _all_at_once(verify).count(True) == 1
