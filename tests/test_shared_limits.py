"""Limits and the account lock hold across every worker of the real server.

gunicorn with the shipped gunicorn.conf.py and 4 workers, the default limiter store (a file in the
instance folder that every worker shares). With per-process counting, 5 wrong passwords became 19
and 10 receipt look-ups a minute became 33.
"""
from __future__ import annotations

import sqlite3
import subprocess
import sys
import time

import pyotp
import pytest
import requests
from support.servers import ROOT, Gunicorn, flask_command, portal_environment
from support.world import csrf_token

WORKERS = 4
PASSWORD = "correct-kettle-meadow-42"


def _fresh_minute(seconds_needed: float = 20) -> None:
    """Wait for a new minute when this one would end during the test (windows follow the clock)."""
    left = 60 - time.time() % 60
    if left < seconds_needed:
        time.sleep(left + 0.2)


def _post(session: requests.Session, server: Gunicorn, path: str, data: dict) -> requests.Response:
    """A form post with the page's CSRF token, as a browser sends it."""
    token = csrf_token(session.get(server.url(path), timeout=10).text)
    return session.post(server.url(path), data={**data, "csrf_token": token}, timeout=30,
                        allow_redirects=False)


@pytest.fixture
def server(tmp_path):
    """The shipped server with 4 workers and nothing configured for the limiter."""
    env = portal_environment(tmp_path / "instance", PORTAL_BASE_URL="http://127.0.0.1")
    flask_command(env, "init-db")
    with Gunicorn(env, tmp_path / "logs", workers=WORKERS) as running:
        yield running


def _account(server: Gunicorn, username: str, totp: bool = False) -> str | None:
    """A staff account with the test password set through its link; returns the TOTP secret."""
    script = (
        "import sys, pyotp\n"
        "from app import app\n"
        "from portal.accounts.models import User\n"
        "from portal.db import db\n"
        "from portal.security import hash_password\n"
        "from portal.clock import utc_now\n"
        "with app.app_context(), db.connection_context():\n"
        "    secret = pyotp.random_base32() if sys.argv[2] == '1' else None\n"
        "    User.create(username=sys.argv[1], role='staff', password_hash=hash_password(sys.argv[3]),\n"
        "                totp_secret=secret, totp_enabled=bool(secret), created_on=utc_now().date())\n"
        "    print(secret or '')\n")
    result = subprocess.run([sys.executable, "-c", script, username, "1" if totp else "0", PASSWORD],
                            cwd=ROOT, env=server.env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip() or None


@pytest.mark.slow
def test_five_wrong_passwords_lock_across_all_workers(server):
    _account(server, "rosa")
    _fresh_minute()
    answers = []
    for _ in range(5):
        # a new connection each time, so the requests spread over the workers
        answers.append(_post(requests.Session(), server, "/login",
                             {"username": "rosa", "password": "wrong-password!"}).status_code)
    assert answers == [200] * 5
    right = _post(requests.Session(), server, "/login", {"username": "rosa", "password": PASSWORD})
    assert right.status_code == 429, "the lock must hold in every worker"
    assert "Too many attempts" in right.text


@pytest.mark.slow
def test_ten_receipt_look_ups_a_minute_hold_across_all_workers(server):
    _fresh_minute(30)
    statuses = [_post(requests.Session(), server, "/feedback/status",
                      {"receipt": "AAAA-BBBB-CCCC-DDDD"}).status_code for _ in range(40)]
    assert statuses.count(200) == 10, statuses
    assert statuses[10:] == [429] * 30


@pytest.mark.slow
def test_rounds_of_right_password_and_wrong_codes_lock_across_all_workers(server):
    secret = _account(server, "amal", totp=True)
    wrong = f"{(int(pyotp.TOTP(secret).now()) + 500000) % 1000000:06d}"
    for _ in range(3):
        session = requests.Session()
        first = _post(session, server, "/login", {"username": "amal", "password": PASSWORD})
        if first.status_code == 429:
            break
        assert first.headers["Location"].endswith("/login/verify")
        for _ in range(4):
            _post(session, server, "/login/verify", {"code": wrong})
    session = requests.Session()
    locked = _post(session, server, "/login", {"username": "amal", "password": PASSWORD})
    assert locked.status_code == 429
    assert "Too many attempts" in locked.text


def test_a_server_refuses_per_process_counting_with_several_workers(tmp_path):
    env = portal_environment(tmp_path / "instance", PORTAL_RATELIMIT_STORAGE_URL="memory://")
    server = Gunicorn(env, tmp_path / "logs", workers=WORKERS)
    with pytest.raises(RuntimeError, match="gunicorn exited"):
        server.start(timeout=30)
    assert "memory://" in server.logs() and "multiplies every limit" in server.logs()
    # one worker counting in memory is allowed
    single = Gunicorn(env, tmp_path / "logs-single", workers=1)
    with single:
        assert requests.get(single.url("/healthz"), timeout=10).status_code == 200


def test_the_default_store_is_a_file_every_worker_shares(tmp_path):
    env = portal_environment(tmp_path / "instance")
    with Gunicorn(env, tmp_path / "logs", workers=2) as server:
        _post(requests.Session(), server, "/feedback/status", {"receipt": "AAAA-BBBB-CCCC-DDDD"})
    path = tmp_path / "instance" / "limits.sqlite"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    with sqlite3.connect(path) as store:
        # wrong codes by the minute and the hour, all look-ups by the minute
        assert store.execute("SELECT count(*) FROM counter").fetchone()[0] == 3
