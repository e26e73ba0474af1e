"""Encryption at rest: what people write is sealed, and only staff with access read it back."""
from __future__ import annotations

import contextlib
import re

from flask import g, session
from support.config import TEST_PASSWORD

from portal.accounts import keys, sealed
from portal.accounts.models import User
from portal.db import db

RECOVERY = re.compile(r'class="receipt recovery-key">([0-9A-Z-]+)<')


@contextlib.contextmanager
def request_of(app, client):
    """A request context with the client's session and logged-in user, to call the API directly."""
    with client.session_transaction() as stored:
        values = dict(stored)
    with app.test_request_context(), db.connection_context():
        session.update(values)
        g.user = User.get_or_none(User.id == values.get("uid"))
        yield


def sealed_by_nobody(app, text: str) -> bytes:
    """A text sealed the way an anonymous submission seals it: no session, no key."""
    with app.test_request_context(), db.connection_context():
        g.user = None
        return sealed.seal(text)


def test_a_sealed_text_holds_none_of_its_words_and_needs_no_login(app):
    blob = sealed_by_nobody(app, "Nobody asked for my name. Thank you.")
    assert b"Nobody" not in blob and b"Thank" not in blob
    with app.test_request_context(), db.connection_context():
        g.user = None
        assert sealed.reveal(blob) is None


def test_staff_logged_in_reveal_what_was_sealed(app, client, auth, make_user):
    blob = sealed_by_nobody(app, "Más horas por la tarde, por favor 🙏")
    staff = make_user("staff")
    auth.login(staff)
    with request_of(app, client):
        assert sealed.reveal(blob) == "Más horas por la tarde, por favor 🙏"


def test_council_members_never_get_the_key(app, make_user):
    blob = sealed_by_nobody(app, "only staff read this")
    member = make_user("council")
    browser = app.test_client()
    browser.post("/login", data={"username": member.username, "password": TEST_PASSWORD})
    with browser.session_transaction() as stored:
        assert keys.SESSION_KEY not in stored
    with request_of(app, browser):
        assert keys.current_private_key() is None and sealed.reveal(blob) is None
    assert "Council accounts never read sealed records." in browser.get("/account").get_data(as_text=True)


def test_the_key_in_a_cookie_opens_only_in_the_session_it_was_made_for(app, make_user):
    blob = sealed_by_nobody(app, "bound to one session")
    staff = make_user("staff")
    browser = app.test_client()
    browser.post("/login", data={"username": staff.username, "password": TEST_PASSWORD})
    with browser.session_transaction() as stored:
        carried = stored[keys.SESSION_KEY]
    browser.post("/logout")
    # a new login has a new session version: the old wrap, copied in, opens nothing
    browser.post("/login", data={"username": staff.username, "password": TEST_PASSWORD})
    with browser.session_transaction() as stored:
        assert stored[keys.SESSION_KEY] != carried
        stored[keys.SESSION_KEY] = carried
    with request_of(app, browser):
        assert keys.current_private_key() is None and sealed.reveal(blob) is None


def test_the_first_admin_claims_the_key_sealed_before_setup_and_sees_the_recovery_key_once(
        app, make_user, query):
    blob = sealed_by_nobody(app, "sent before anyone set up the portal")
    assert query(lambda: keys.OrgKey.current().pending_wrap) is not None
    admin = make_user("admin", totp=False, sealed=False)
    browser = app.test_client()
    first = browser.post("/login", data={"username": admin.username, "password": TEST_PASSWORD})
    recovery = RECOVERY.search(first.get_data(as_text=True))
    assert first.status_code == 200 and recovery
    org = query(keys.OrgKey.current)
    assert org.pending_wrap is None and org.recovery_wrap is not None
    assert recovery.group(1).encode() not in org.recovery_wrap
    with request_of(app, browser):
        assert sealed.reveal(blob) == "sent before anyone set up the portal"
    browser.post("/logout")
    again = browser.post("/login", data={"username": admin.username, "password": TEST_PASSWORD})
    assert again.status_code == 302, "the recovery key is shown only once"


def test_an_item_key_opens_for_its_code_and_for_staff(app, client, auth, make_user):
    with app.test_request_context(), db.connection_context():
        g.user = None
        item_key = sealed.new_item_key()
        sealed_key = sealed.seal_item_key(item_key)
        for_code = sealed.wrap_for_code(item_key, "7KQM3WXD9TPRHF2C", "feedback-receipt")
        message = sealed.encrypt("We read every message.", item_key)
        opened = sealed.unwrap_for_code(for_code, "7KQM3WXD9TPRHF2C", "feedback-receipt")
        assert sealed.decrypt(message, opened) == "We read every message."
        assert sealed.unwrap_for_code(for_code, "7KQM3WXD9TPRHF2D", "feedback-receipt") is None
        assert sealed.open_item_key(sealed_key) is None
    auth.login(make_user("staff"))
    with request_of(app, client):
        assert sealed.decrypt(message, sealed.open_item_key(sealed_key)) == "We read every message."
