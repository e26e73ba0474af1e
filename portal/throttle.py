"""Rate limits and login throttling that never keep an IP address.

A client is known only by an HMAC of its address under a key derived from the secret key and
the current day, so the stored key changes daily and cannot be turned back into an address
without the secret. Limits live in memory by default, or in Redis when configured.
"""
from __future__ import annotations

from flask import Flask, current_app, request
from flask_limiter import Limiter
from limits import parse

from portal import clock, codes

# POST limits on anonymous forms and on login; generous for a shared drop-in computer
FORM_LIMIT = "20 per minute;200 per day"
LOOKUP_LIMIT = "10 per minute;60 per hour"
LOGIN_LIMIT = "10 per minute;60 per hour"
ACCOUNT_FAILURES = parse("5 per 15 minutes")


def client_key() -> str:
    """A daily-rotating keyed hash standing in for the client's address."""
    day = clock.today().isoformat()
    return codes.keyed_hash(f"client-key:{day}", request.remote_addr or "unknown")[:32]


limiter = Limiter(key_func=client_key, headers_enabled=False, strategy="fixed-window")


def init_app(app: Flask) -> None:
    """Attach the limiter with the configured storage."""
    limiter.init_app(app)


def _account_key(username: str) -> str:
    """A keyed hash of the account name, so the limiter storage holds no user names."""
    return codes.keyed_hash("account", username.strip().lower())[:32]


def account_locked(username: str) -> bool:
    """True when this account has had too many failed logins lately."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return False
    return not limiter.limiter.test(ACCOUNT_FAILURES, "login-fail", _account_key(username))


def record_failed_login(username: str) -> None:
    """Count one failed login against the account."""
    if current_app.config.get("RATELIMIT_ENABLED", True):
        limiter.limiter.hit(ACCOUNT_FAILURES, "login-fail", _account_key(username))


def clear_failed_logins(username: str) -> None:
    """Forget failures after a successful login."""
    if current_app.config.get("RATELIMIT_ENABLED", True):
        limiter.limiter.clear(ACCOUNT_FAILURES, "login-fail", _account_key(username))
