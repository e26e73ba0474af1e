"""Login throttling per account and per client, keeping no IP address anywhere."""
from __future__ import annotations

from support.config import TEST_PASSWORD

from portal.throttle import limiter


def test_five_failed_logins_lock_the_account_for_a_while(client, make_user):
    user = make_user("staff")
    for _ in range(5):
        client.post("/login", data={"username": user.username, "password": "wrong-password!"})
    # even the right password is refused while locked, with a friendly message
    response = client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert b"Too many attempts" in response.data
    assert client.get("/staff/").status_code == 302


def test_many_logins_from_one_client_get_a_friendly_429(app, client):
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


def test_login_throttling_can_be_switched_off_for_load_tests(tmp_path, make_user):
    from support.config import portal_config

    from portal import create_app

    app = create_app(portal_config(tmp_path / "off", RATELIMIT_ENABLED=False))
    client = app.test_client()
    codes = {client.post("/login", data={"username": "u", "password": "p"}).status_code for _ in range(15)}
    assert codes == {200}
