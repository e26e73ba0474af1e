"""Login throttling per account and per client, keeping no IP address anywhere."""
from __future__ import annotations

import collections
import ipaddress
import secrets
import sqlite3
import time
from pathlib import Path

import pyotp
import pytest
from support.config import TEST_PASSWORD

from portal import throttle
from portal.throttle import limiter


def test_five_failed_logins_lock_the_account_for_a_while(client, make_user, fresh_window):
    user = make_user("staff")
    for _ in range(5):
        client.post("/login", data={"username": user.username, "password": "wrong-password!"})
    # even the right password is refused while locked, with a friendly message
    response = client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert b"Too many attempts" in response.data
    assert client.get("/staff/").status_code == 302


def test_the_lock_counts_a_user_name_in_any_case_and_spacing_as_one_account(client, make_user,
                                                                             fresh_window):
    """User names are compared ignoring case: typing SAM or " Sam " must not buy new tries."""
    user = make_user("staff", username="sam")
    for typed in ("SAM", "Sam", " sam ", "sAm", "SaM"):
        client.post("/login", data={"username": typed, "password": "wrong-password!"})
    response = client.post("/login", data={"username": "sam", "password": TEST_PASSWORD})
    assert response.status_code == 429, "five wrong tries in five spellings lock the account"
    assert user.username == "sam"


def test_many_logins_from_one_client_get_a_friendly_429(app, client, fresh_window):
    codes = []
    for n in range(12):
        codes.append(client.post("/login", data={"username": f"user{n}", "password": "whatever-it-is"},
                                 environ_base={"REMOTE_ADDR": "203.0.113.77"}).status_code)
    assert codes[-1] == 429
    page = client.post("/login", data={"username": "x", "password": "y"},
                       environ_base={"REMOTE_ADDR": "203.0.113.77"})
    assert b"Please slow down" in page.data
    # another client is not affected
    other = app.test_client().post("/login", data={"username": "x", "password": "y"},
                                   environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert other.status_code == 200


def test_limiter_storage_holds_no_address_or_user_name(app, client, make_user):
    user = make_user("staff", username="distinctive-name")
    for _ in range(3):
        client.post("/login", data={"username": user.username, "password": "wrong-password!"},
                    environ_base={"REMOTE_ADDR": "203.0.113.77"})
    storage = limiter.storage
    keys = " ".join(str(key) for key in getattr(storage, "storage", {}).keys())
    assert keys, "expected the in-memory storage to hold counters"
    assert "203.0.113.77" not in keys
    assert "distinctive-name" not in keys
    # not the bucket in the clear either (its /16 and group number): its keyed hash
    region = f"4:{int(ipaddress.ip_address('203.0.113.77')) >> 16}"
    assert region not in keys and "203.0" not in keys
    bucket = throttle.client_bucket("203.0.113.77", app.config["SECRET_KEY"])
    assert bucket in keys and len(bucket) == 16 and set(bucket) <= set("0123456789abcdef")
    account = throttle.codes.keyed_hash("account", "distinctive-name", app.config["SECRET_KEY"])[:32]
    assert account in keys


def test_login_throttling_can_be_switched_off_for_load_tests(tmp_path, make_user):
    from support.config import portal_config

    from portal import create_app

    app = create_app(portal_config(tmp_path / "off", RATELIMIT_ENABLED=False))
    client = app.test_client()
    codes = {client.post("/login", data={"username": "u", "password": "p"}).status_code for _ in range(15)}
    assert codes == {200}


# --- one client cannot lock another out (a user name is no secret) ----------------------------

def test_failures_from_one_client_do_not_lock_out_the_right_password_from_another(app, make_user,
                                                                                 fresh_window):
    user = make_user("staff")
    stranger, owner = app.test_client(), app.test_client()
    for _ in range(5):
        stranger.post("/login", data={"username": user.username, "password": "wrong-password!"},
                      environ_base={"REMOTE_ADDR": "203.0.113.77"})
    # the guessing client is stopped, even with the right password...
    stopped = stranger.post("/login", data={"username": user.username, "password": TEST_PASSWORD},
                            environ_base={"REMOTE_ADDR": "203.0.113.77"})
    assert stopped.status_code == 429
    # ...while the owner, elsewhere, logs in
    response = owner.post("/login", data={"username": user.username, "password": TEST_PASSWORD},
                          environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert response.status_code == 302 and response.location.endswith("/staff/")


# --- second-factor guessing is bounded per account --------------------------------------------

def _wrong_code(user) -> str:
    return f"{(int(pyotp.TOTP(user.totp_secret).now()) + 500000) % 1000000:06d}"


def test_rounds_of_right_password_and_four_wrong_codes_lock_the_account(app, make_user, fresh_window):
    admin = make_user("admin")
    for _ in range(2):
        browser = app.test_client()
        first = browser.post("/login", data={"username": admin.username, "password": TEST_PASSWORD})
        assert first.location.endswith("/login/verify")
        for _ in range(4):
            browser.post("/login/verify", data={"code": _wrong_code(admin)})
    # eight wrong codes: even the right password and the right code are refused for a while
    browser = app.test_client()
    locked = browser.post("/login", data={"username": admin.username, "password": TEST_PASSWORD},
                          environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert locked.status_code == 429 and b"Too many attempts" in locked.data
    assert browser.get("/staff/users").status_code == 302


def test_a_right_password_does_not_clear_wrong_codes_a_completed_login_does(app, make_user):
    admin = make_user("admin")
    browser = app.test_client()
    browser.post("/login", data={"username": admin.username, "password": TEST_PASSWORD})
    for _ in range(4):
        browser.post("/login/verify", data={"code": _wrong_code(admin)})
    browser.post("/login", data={"username": admin.username, "password": TEST_PASSWORD})
    right = browser.post("/login/verify", data={"code": pyotp.TOTP(admin.totp_secret).now()})
    assert right.location.endswith("/staff/")
    browser.post("/logout")
    # the completed login cleared the count: four more wrong codes do not lock
    browser.post("/login", data={"username": admin.username, "password": TEST_PASSWORD})
    for _ in range(4):
        assert browser.post("/login/verify", data={"code": _wrong_code(admin)}).status_code == 200


def test_a_pending_login_cannot_be_replayed_from_another_browser(app, make_user, query):
    admin = make_user("admin")
    owner = app.test_client()
    owner.post("/login", data={"username": admin.username, "password": TEST_PASSWORD})
    copy = app.test_client()
    copy.set_cookie("session", owner.get_cookie("session").value)
    owner.post("/login/verify", data={"code": _wrong_code(admin)})
    # the copy holds a turn that was used up: it must start again with the password
    replayed = copy.post("/login/verify", data={"code": pyotp.TOTP(admin.totp_secret).now()})
    assert replayed.status_code == 302 and replayed.location.endswith("/login")
    assert copy.get("/staff/users").status_code == 302
    # and the owner's own browser goes on
    done = owner.post("/login/verify", data={"code": pyotp.TOTP(admin.totp_secret).now()})
    assert done.location.endswith("/staff/")


# --- the limiter store cannot tell who or when ------------------------------------------------

def _counters(app) -> list[tuple[str, int]]:
    path = Path(app.instance_path) / "limits.sqlite"
    with sqlite3.connect(path) as store:
        return store.execute("SELECT key, expires_at FROM counter").fetchall()


@pytest.fixture
def shared_app(tmp_path):
    """A portal with the default limiter store (a file in the instance folder)."""
    from support.config import portal_config

    from portal import create_app
    from portal.db import close_pool

    application = create_app(portal_config(tmp_path, RATELIMIT_STORAGE_URI=""))
    yield application
    close_pool()


def test_each_limiter_key_stands_for_at_least_1000_addresses(shared_app):
    region = ipaddress.ip_network("198.51.0.0/16")
    senders = ["198.51.7.20", "198.51.7.21", "198.51.200.3", "198.51.99.140"]
    for address in senders:
        shared_app.test_client().post("/feedback", data={"message": "Kind people."},
                                      environ_base={"REMOTE_ADDR": address})
    observed = {key.split("/")[1] for key, _ in _counters(shared_app)}
    assert observed
    # the attack: with the secret key, hash every address of the sender's /16
    secret = shared_app.config["SECRET_KEY"]
    addresses_per_key = collections.Counter(
        throttle.client_bucket(str(address), secret) for address in region)
    for key in observed:
        assert addresses_per_key[key] >= 1000, (key, addresses_per_key[key])
    assert set(addresses_per_key.values()) == {1024}
    # and the buckets are spread over the /16, not one neighbourhood each
    members = [a for a in region if throttle.client_bucket(str(a), secret) == next(iter(observed))]
    assert int(members[-1]) - int(members[0]) > 32768


def test_limiter_counters_expire_at_clock_window_boundaries(shared_app):
    client = shared_app.test_client()
    client.post("/feedback", data={"message": "Hello."}, environ_base={"REMOTE_ADDR": "203.0.113.5"})
    time.sleep(1.1)
    client.post("/feedback/status", data={"receipt": "x"}, environ_base={"REMOTE_ADDR": "203.0.113.5"})
    rows = _counters(shared_app)
    lengths = {"minute": 60, "hour": 3600, "day": 86400}
    # feedback: the minute and the day; look-ups: wrong codes by the minute and the hour, load by the minute
    assert len(rows) == 5
    for key, expires_at in rows:
        length = lengths[key.rsplit("/", 2)[-2]]
        assert expires_at % length == 0, (key, expires_at)
        assert 0 < expires_at - time.time() <= length


def test_redis_counters_expire_at_clock_window_boundaries(tmp_path):
    redis = pytest.importorskip("redis")
    connection = redis.Redis.from_url("redis://127.0.0.1:6379")
    try:
        connection.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    from support.config import portal_config

    from portal import create_app

    prefix = f"portal-test-{secrets.token_hex(6)}"
    app = create_app(portal_config(tmp_path, RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379",
                                   RATELIMIT_STORAGE_OPTIONS={"key_prefix": prefix}))
    try:
        if 60 - time.time() % 60 < 5:
            time.sleep(6)  # both posts in one minute window
        client = app.test_client()
        client.post("/feedback", data={"message": "Hello."}, environ_base={"REMOTE_ADDR": "203.0.113.5"})
        time.sleep(1.1)
        client.post("/feedback", data={"message": "Again."}, environ_base={"REMOTE_ADDR": "203.0.113.5"})
        keys = sorted(connection.scan_iter(f"{prefix}:*"))
        assert len(keys) == 2  # the minute and the day
        for key in keys:
            length = 60 if key.decode().rsplit("/", 2)[-2] == "minute" else 86400
            expires_ms = connection.pexpiretime(key)
            # the expiry is the window's end to the millisecond: nothing of the first request
            assert expires_ms % (length * 1000) == 0, (key, expires_ms)
            assert int(connection.get(key)) == 2
        assert "203.0.113.5" not in " ".join(k.decode() for k in keys)
    finally:
        for key in connection.scan_iter(f"{prefix}:*"):
            connection.delete(key)
        from portal.db import close_pool
        close_pool()


def test_an_ipv6_bucket_holds_1024_sites_and_a_mapped_ipv4_address_is_its_ipv4_self():
    secret = "a-secret-key"
    site = ipaddress.ip_network("2001:db8:1234::/48")
    same_site = {throttle.client_bucket(str(site[n]), secret) for n in (1, 2**16, 2**64, 2**79 + 5)}
    assert len(same_site) == 1  # one subscriber's addresses are one client
    region = [throttle.client_bucket(f"2001:db8:{n:x}::1", secret) for n in range(65536)]
    assert set(collections.Counter(region).values()) == {1024}
    mapped = throttle.client_bucket("::ffff:198.51.7.20", secret)
    assert mapped == throttle.client_bucket("198.51.7.20", secret)
    assert throttle.client_bucket("not an address", secret) == throttle.client_bucket(None, secret)
