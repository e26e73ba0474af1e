"""Rate limits and login throttling that keep neither an address nor the time anyone came.

A client is known only by its bucket: the /16 its IPv4 address is in (the /32 for IPv6) and one of
64 groups of exactly 1,024 addresses (IPv6: 1,024 /48 networks) inside it, picked by a permutation
keyed with the secret key. The limiter store keeps a keyed hash of the bucket, so whoever holds the
store and the secret can narrow a key down to 1,024 addresses spread over a /16, never further.
The mapping does not change from day to day: keys of several days always name the same 1,024
addresses, so comparing them narrows nothing.

Every counter counts in a window aligned to the clock (the minute, the hour, the quarter hour, the
UTC day) and expires at the window's end, so an expiry tells which window a counter belongs to,
never when its first request came. The store is shared by every worker (see limit_stores.py).
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
import logging
import time
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlparse

from flask import Flask, current_app, g, request
from flask_limiter import Limiter
from limits import RateLimitItem, parse
from limits.strategies import STRATEGIES, FixedWindowRateLimiter
from limits.util import WindowStats

from portal import codes, limit_stores
from portal.config import TRUE_WORDS

# POST limits on anonymous forms and on login. Everyone on a drop-in centre's Wi-Fi shares one
# client bucket, so these are set for a room full of people (a burst of 30 is tested).
FORM_LIMIT = "40 per minute;600 per day"
# codes that open nothing: the only thing that counts toward stopping someone who guesses (a code
# has 80 random bits: at 60 wrong tries an hour, finding one of a million live codes would take
# about 2.3e12 years); people who type their right code never use this up for the room
LOOKUP_LIMIT = "10 per minute;60 per hour"
# every code look-up, right or wrong, from one bucket: only a cap on load
LOOKUP_LOAD_LIMIT = "120 per minute"
LOGIN_LIMIT = "10 per minute;60 per hour"
# wrong passwords for one account from one client bucket: a stranger cannot lock anyone else out
PASSWORD_FAILURES = parse("5 per 15 minutes")
# wrong codes for one account from anywhere: only someone who has the password gets this far
CODE_FAILURES = parse("5 per 15 minutes")

REGION_BITS = {4: 16, 6: 32}  # the part of an address a bucket keeps in full
SPREAD_BITS = 16  # the bits after it that the keyed permutation mixes
BUCKET_BITS = 6  # 64 buckets of 2**(16 - 6) = 1,024 addresses in each region
ROUNDS = 4
STORE_FILE = "limits.sqlite"
SHARED_SCHEMES = ("sqlite", "redis", "rediss", "redis+unix")


def missed_code(response) -> bool:
    """For `deduct_when`: the view marked this request as a code that opened nothing."""
    return bool(g.get("code_missed"))


def code_missed() -> None:
    """A view that looks codes up calls this when the code typed opened nothing: only such
    requests count toward the limit on guessing."""
    g.code_missed = True


def code_lookup_limits(view):
    """The limits of a page where a code is typed (a receipt, a withdrawal code): wrong codes
    by the minute and the hour, every look-up by the minute for load."""
    view = limiter.limit(LOOKUP_LOAD_LIMIT, methods=["POST"])(view)
    return limiter.limit(LOOKUP_LIMIT, methods=["POST"], deduct_when=missed_code)(view)


# --- client buckets --------------------------------------------------------------------------

@functools.lru_cache(maxsize=65536)
def _round_value(secret: str, region: str, round_number: int, half: int) -> int:
    """One round of the keyed permutation: 8 pseudorandom bits from the secret."""
    message = f"client-bucket:{region}:{round_number}:{half}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()[0]


def _permute(secret: str, region: str, value: int) -> int:
    """A keyed permutation of 16 bits (a four-round Feistel network), the same for every request."""
    left, right = value >> 8, value & 0xFF
    for round_number in range(ROUNDS):
        left, right = right, left ^ _round_value(secret, region, round_number, right)
    return (left << 8) | right


def _region_and_spread(address: str) -> tuple[str, int] | None:
    """The kept prefix of an address and the 16 bits after it, or None when it is no address."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    keep = REGION_BITS[ip.version]
    rest = ip.max_prefixlen - keep
    value = int(ip)
    return f"{ip.version}:{value >> rest}", (value >> (rest - SPREAD_BITS)) & 0xFFFF


def client_bucket(address: str | None, secret: str) -> str:
    """The limiter's name for a client: a keyed hash shared by 1,024 addresses of its /16."""
    located = _region_and_spread(address or "")
    if located is None:
        return codes.keyed_hash("client-bucket", "unknown", secret)[:16]
    region, spread = located
    bucket = _permute(secret, region, spread) >> (SPREAD_BITS - BUCKET_BITS)
    return codes.keyed_hash("client-bucket", f"{region}/{bucket}", secret)[:16]


def client_key() -> str:
    """The bucket of the client making this request."""
    return client_bucket(request.remote_addr, current_app.config["SECRET_KEY"])


# --- windows aligned to the clock ------------------------------------------------------------

class ClockWindowRateLimiter(FixedWindowRateLimiter):
    """Fixed windows that start on the minute, hour or UTC day, whoever asks first."""

    @staticmethod
    def _window(item: RateLimitItem, identifiers: tuple[str, ...]) -> tuple[str, int]:
        """The counter's key for the current window, and when that window ends."""
        length = item.get_expiry()
        start = int(time.time()) // length * length
        return f"{item.key_for(*identifiers)}/{start}", start + length

    def hit(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        key, end = self._window(item, identifiers)
        if hasattr(self.storage, "incr_until"):
            count = self.storage.incr_until(key, end, cost)
        else:
            # the in-process store takes a float: its expiry lands on the window's end
            count = self.storage.incr(key, max(end - time.time(), 0.001), amount=cost)
        return count <= item.amount

    def test(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        key, _ = self._window(item, identifiers)
        return self.storage.get(key) < item.amount - cost + 1

    def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        key, end = self._window(item, identifiers)
        return WindowStats(end, max(0, item.amount - self.storage.get(key)))

    def clear(self, item: RateLimitItem, *identifiers: str) -> None:
        key, _ = self._window(item, identifiers)
        self.storage.clear(key)


STRATEGIES["clock-window"] = ClockWindowRateLimiter
limiter = Limiter(key_func=client_key, headers_enabled=False, strategy="clock-window")


# --- where the counters live -----------------------------------------------------------------

def storage_uri(configured: str, instance_path: str) -> str:
    """The store to use: a file shared by this server's workers unless another is configured."""
    if not configured:
        return "sqlite:///" + str(Path(instance_path) / STORE_FILE)
    scheme = urlparse(configured).scheme
    if scheme in ("redis", "rediss", "redis+unix"):
        return limit_stores.REDIS_PREFIX + configured
    if scheme in ("memory", "sqlite"):
        return configured
    # other stores set expiries from the first request, which tells when someone came
    raise RuntimeError(f"PORTAL_RATELIMIT_STORAGE_URL: use sqlite:///, redis:// or memory://, "
                       f"not {scheme}://")


def refuse_per_process_counting(environ: Mapping[str, str], workers: int) -> None:
    """Stop a server whose workers would each count on their own (every limit times the workers)."""
    enabled = environ.get("PORTAL_RATELIMIT_ENABLED", "").strip().lower()
    if enabled and enabled not in TRUE_WORDS:
        return
    scheme = urlparse(environ.get("PORTAL_RATELIMIT_STORAGE_URL", "")).scheme
    if scheme == "memory" and workers > 1:
        raise RuntimeError(
            f"PORTAL_RATELIMIT_STORAGE_URL=memory:// counts in each of the {workers} workers "
            "separately, which multiplies every limit and the account lock. Leave it unset "
            "(a store shared by the workers) or use redis://.")


def init_app(app: Flask) -> None:
    """Attach the limiter with a store every worker shares."""
    app.config["RATELIMIT_STORAGE_URI"] = storage_uri(
        app.config.get("RATELIMIT_STORAGE_URI") or "", app.instance_path)
    app.config["RATELIMIT_STRATEGY"] = "clock-window"
    limiter.init_app(app)
    # its "exceeded" lines name the client's bucket, and a log line has a time
    logging.getLogger("flask-limiter").setLevel(logging.WARNING)


# --- failed logins ---------------------------------------------------------------------------

def _enabled() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED", True))


def _account_key(username: str) -> str:
    """A keyed hash of the account name, so the limiter storage holds no user names."""
    return codes.keyed_hash("account", username.strip().lower())[:32]


def login_locked(username: str) -> bool:
    """True when this client has failed too often for this account, or the account's codes did."""
    if not _enabled():
        return False
    account = _account_key(username)
    return (not limiter.limiter.test(PASSWORD_FAILURES, "login-fail", account, client_key())
            or not limiter.limiter.test(CODE_FAILURES, "code-fail", account))


def second_factor_locked(username: str) -> bool:
    """True when too many wrong codes were tried for this account lately, from anywhere."""
    return _enabled() and not limiter.limiter.test(CODE_FAILURES, "code-fail", _account_key(username))


def record_failed_password(username: str) -> None:
    """Count one wrong password for this account from this client."""
    if _enabled():
        limiter.limiter.hit(PASSWORD_FAILURES, "login-fail", _account_key(username), client_key())


def record_failed_code(username: str) -> None:
    """Count one wrong second-factor code for this account, wherever it came from."""
    if _enabled():
        limiter.limiter.hit(CODE_FAILURES, "code-fail", _account_key(username))


def clear_failed_logins(username: str) -> None:
    """Forget failures once a login is complete (password, and second factor when there is one)."""
    if _enabled():
        account = _account_key(username)
        limiter.limiter.clear(PASSWORD_FAILURES, "login-fail", account, client_key())
        limiter.limiter.clear(CODE_FAILURES, "code-fail", account)
