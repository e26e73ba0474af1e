"""Setting up a second factor: a QR code drawn on the server, a key that stays the same until the
app is confirmed or the set-up cancelled, recovery codes to download and print, and staff held to a
second factor where the organisation asks for it."""
from __future__ import annotations

import re
import urllib.parse

import pyotp
from support.config import portal_config
from support.world import PASSWORD, make_account, session_cookie_bytes

from portal import create_app
from portal.accounts.models import User
from portal.db import db

SECRET = re.compile(r'name="secret" type="hidden" value="([A-Z2-7]+)"')


def shown_secret(client) -> str:
    page = client.get("/account/two-factor").get_data(as_text=True)
    found = SECRET.search(page)
    assert found, "the set-up page carries the key"
    return found.group(1)


def test_the_setup_page_shows_a_qr_code_drawn_on_the_server(client, auth, make_user):
    auth.login(make_user("staff"))
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert '<svg role="img" aria-label="QR code to add this account to an authenticator app"' in page
    assert "<path" in page
    drawing = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "http" not in drawing.replace("http://www.w3.org/2000/svg", ""), "nothing fetched"


def test_opening_the_setup_page_again_keeps_the_key(client, auth, make_user):
    auth.login(make_user("staff"))
    first = shown_secret(client)
    # the person added the key to their app, wandered off, and came back
    client.get("/account")
    assert shown_secret(client) == first
    code = pyotp.TOTP(first).now()
    response = client.post("/account/two-factor", data={"secret": first, "code": code})
    assert response.status_code == 200
    assert "Second factor is on" in response.get_data(as_text=True)


def test_the_pending_key_is_kept_encrypted_in_the_session_and_nothing_is_written(client, auth, make_user,
                                                                                query):
    user = make_user("staff")
    auth.login(user)
    secret = shown_secret(client)
    held = session_cookie_bytes(client)
    assert b"totp-pending" in held, "the pending key is in the session"
    assert secret.encode() not in held
    assert query(lambda: User.get_by_id(user.id).totp_secret) is None
    assert query(lambda: User.get_by_id(user.id).totp_enabled) is False


def test_cancelling_the_setup_forgets_the_key(client, auth, make_user):
    auth.login(make_user("staff"))
    first = shown_secret(client)
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "Cancel the set-up" in page
    response = client.post("/account/two-factor", data={"cancel": "1"})
    assert response.status_code == 302
    assert shown_secret(client) != first


def test_recovery_codes_download_as_text_and_print(client, auth, make_user):
    auth.login(make_user("staff"))
    secret = shown_secret(client)
    page = client.post("/account/two-factor", data={"secret": secret, "code": pyotp.TOTP(secret).now()}
                       ).get_data(as_text=True)
    codes = re.findall(r"<li><code>([^<]+)</code></li>", page)
    assert len(codes) == 10
    link = re.search(r'download="recovery-codes.txt" href="data:text/plain;charset=utf-8,([^"]+)"', page)
    assert link, "a download that works without scripts"
    text = urllib.parse.unquote(link.group(1).replace("&amp;", "&"))
    assert all(code in text for code in codes)
    assert "data-print" in page and 'class="print-only"' in page


def staff_2fa_app(tmp_path):
    return create_app(portal_config(tmp_path, STAFF_SECOND_FACTOR=True))


def test_an_organisation_can_require_the_second_factor_for_staff(tmp_path):
    app = staff_2fa_app(tmp_path)
    client = app.test_client()
    staff = make_account(app, "staff", "rosa")
    response = client.post("/login", data={"username": "rosa", "password": PASSWORD})
    assert response.location.endswith("/account/two-factor"), staff.username
    assert client.get("/staff/feedback").location.endswith("/account/two-factor")
    # a council member is not staff: not asked
    make_account(app, "council", "ines")
    other = app.test_client()
    response = other.post("/login", data={"username": "ines", "password": PASSWORD})
    assert not response.location.endswith("/account/two-factor")


def test_staff_required_to_keep_it_cannot_turn_it_off(tmp_path):
    app = staff_2fa_app(tmp_path)
    client = app.test_client()
    secret = pyotp.random_base32()
    user = make_account(app, "staff", "rosa")
    with app.app_context(), db.connection_context():
        User.update(totp_secret=secret, totp_enabled=True).where(User.id == user.id).execute()
    client.post("/login", data={"username": "rosa", "password": PASSWORD})
    client.post("/login/verify", data={"code": pyotp.TOTP(secret).now()})
    response = client.post("/account/two-factor", data={"password": PASSWORD})
    assert "This organisation asks staff to keep a second factor." in response.get_data(as_text=True)
