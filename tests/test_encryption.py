"""Encryption at rest: what people write is sealed, and only staff with access read it back."""
from __future__ import annotations

import contextlib
import dataclasses
import re
from pathlib import Path

import pytest
from flask import Flask, g, session
from support.config import POSTGRES_URL, TEST_PASSWORD, portal_config
from support.sealing import message_texts
from support.world import make_account, sign_in

from portal import clock, codes, create_app, migrations
from portal.accounts import keys, sealed
from portal.accounts.models import User
from portal.areas import areas_of
from portal.db import db
from portal.feedback import receipts

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


# --- rows from before sealing -------------------------------------------------------------------

OLD_WORDS = ("The old boiler in the kitchen leaks", "Thanks, a plumber comes on Monday")


def _install_before_sealing(tmp_path) -> tuple[Flask, str]:
    """A portal whose feedback schema stops before sealing, with a plain thread; (app, receipt)."""
    app = create_app(portal_config(tmp_path, AUTO_INIT_DB=False))
    code = receipts.new_receipt()
    early = [dataclasses.replace(area, migrations=area.migrations[:1]) if area.name == "feedback"
             else area for area in areas_of(app)]
    with app.app_context(), db.connection_context():
        migrations.migrate(early)
        today = clock.today().isoformat()
        db.execute_sql(
            "INSERT INTO feedback_thread (receipt_hash, topic, quotable, status, tags, created_on, "
            "last_message_on) VALUES (?, '', ?, 'replied', '', ?, ?)",
            (receipts.receipt_hash(code), False, today, today))
        for author, words in zip(("client", "staff"), OLD_WORDS, strict=True):
            db.execute_sql("INSERT INTO feedback_message (thread_id, author, body, created_on) "
                           "VALUES (1, ?, ?, ?)", (author, words, today))
    return app, codes.format_code(code)


@pytest.mark.skipif(bool(POSTGRES_URL), reason="reads the SQLite file itself")
def test_the_upgrade_seals_existing_messages_in_place(tmp_path):
    app, _ = _install_before_sealing(tmp_path)
    with app.app_context():
        migrations.migrate(areas_of(app))
    database = Path(app.config["DATABASE_URL"].removeprefix("sqlite:///"))
    stored = b"".join(path.read_bytes() for path in database.parent.glob(database.name + "*"))
    for words in OLD_WORDS:
        assert words.encode() not in stored, f"{words!r} is still in the database file"
    with app.app_context(), db.connection_context():
        assert message_texts() == list(OLD_WORDS)


@pytest.mark.skipif(bool(POSTGRES_URL), reason="the old schema is set up with SQLite's SQL")
def test_a_client_of_an_old_thread_reads_it_again_after_the_next_reply(tmp_path):
    app, receipt = _install_before_sealing(tmp_path)
    with app.app_context():
        migrations.migrate(areas_of(app))
    client = app.test_client()
    first = client.post("/feedback/status", data={"receipt": receipt}).get_data(as_text=True)
    assert "kept locked so that only our team can read them" in first
    assert OLD_WORDS[0] not in first
    added = client.post("/feedback/status", data={"receipt": receipt, "message": "Still leaking."})
    assert "Still leaking." in added.get_data(as_text=True)
    staff = make_account(app, "staff", "plumbing-staff")
    browser = app.test_client()
    sign_in(browser, staff)
    page = browser.get("/staff/feedback/1").get_data(as_text=True)
    assert OLD_WORDS[0] in page and "Still leaking." in page
    assert browser.post("/staff/feedback/1/reply", data={"message": "Fixed today."}).status_code == 302
    after = client.post("/feedback/status", data={"receipt": receipt}).get_data(as_text=True)
    for words in (*OLD_WORDS, "Still leaking.", "Fixed today."):
        assert words in after
    assert "kept locked" not in after
