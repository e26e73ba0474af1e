"""Encryption at rest: what people write is sealed, and only staff with access read it back."""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import re
from pathlib import Path

import pytest
from flask import Flask, g, session
from support.config import POSTGRES_URL, TEST_PASSWORD, portal_config
from support.sealing import TEST_RECOVERY_KEY, message_texts
from support.world import log_in, make_account, sign_in, text_of_class

from portal import clock, codes, create_app, migrations, sealing
from portal.accounts import keys, sealed
from portal.accounts.models import User
from portal.areas import areas_of
from portal.db import db
from portal.feedback import receipts
from portal.feedback.models import FeedbackThread

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

def thread_page(app: Flask) -> str:
    """The staff page of the first thread (threads are found by their random public number)."""
    from portal.feedback.models import FeedbackThread

    with app.app_context(), db.connection_context():
        first = FeedbackThread.select().order_by(FeedbackThread.id).first()
    return f"/staff/feedback/{first.public_id}"


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
    page = browser.get(thread_page(app)).get_data(as_text=True)
    assert OLD_WORDS[0] in page and "Still leaking." in page
    assert browser.post(thread_page(app) + "/reply", data={"message": "Fixed today."}).status_code == 302
    after = client.post("/feedback/status", data={"receipt": receipt}).get_data(as_text=True)
    for words in (*OLD_WORDS, "Still leaking.", "Fixed today."):
        assert words in after
    assert "kept locked" not in after


# --- who can read: the key's life ---------------------------------------------------------------

WORDS = "The night shelter turned me away twice"
LINK = re.compile(r"http://localhost/account/setup\?token=([A-Za-z0-9_-]+)")


def give_feedback(app) -> str:
    """Feedback from an anonymous client; returns the receipt."""
    page = app.test_client().post("/feedback", data={"message": WORDS, "topic": ""})
    return text_of_class(page.get_data(as_text=True), "receipt")


def reads_feedback(app, user, password: str = TEST_PASSWORD) -> bool:
    """True when the account, logging in afresh, reads the feedback in the list and the export."""
    browser = app.test_client()
    log_in(browser, user, password)
    listing = browser.get("/staff/feedback").get_data(as_text=True)
    export = browser.get("/staff/feedback/export.csv")
    return WORDS in listing and export.status_code == 200 and WORDS in export.get_data(as_text=True)


def test_a_password_change_keeps_access(app, client, auth, make_user):
    give_feedback(app)
    staff = make_user("staff")
    auth.login(staff)
    changed = client.post("/account", data={"current": TEST_PASSWORD, "password": "a new long passphrase",
                                            "confirm": "a new long passphrase"})
    assert changed.status_code == 302
    assert WORDS in client.get("/staff/feedback").get_data(as_text=True), "this session keeps reading"
    assert reads_feedback(app, staff, "a new long passphrase")


def test_a_deactivated_account_cannot_read_even_when_reactivated(app, client, auth, make_user, query):
    give_feedback(app)
    staff = make_user("staff")
    assert reads_feedback(app, staff)
    auth.login(make_user("admin"))
    client.post(f"/staff/users/{staff.id}/deactivate")
    assert query(lambda: keys.KeyGrant.select().where(keys.KeyGrant.user == staff.id).count()) == 0
    client.post(f"/staff/users/{staff.id}/activate")
    assert not reads_feedback(app, staff)
    users = client.get("/staff/users").get_data(as_text=True)
    assert "Give access to sealed records" in users


def test_an_invitation_from_an_admin_who_can_read_carries_access(app, client, auth, make_user):
    give_feedback(app)
    auth.login(make_user("admin"))
    page = client.post("/staff/users", data={"username": "new-staff", "role": "staff"})
    html = page.get_data(as_text=True)
    assert "The link also gives access to sealed records" in html
    token = LINK.search(html).group(1)
    newcomer = app.test_client()
    newcomer.post("/account/setup", data={"token": token, "password": "fresh kettle meadow 7",
                                          "confirm": "fresh kettle meadow 7"})
    assert WORDS in newcomer.get("/staff/feedback").get_data(as_text=True)
    assert "This account can read sealed records" in newcomer.get("/account").get_data(as_text=True)


def test_a_reset_link_leaves_an_account_without_access_until_an_admin_gives_it(
        app, client, auth, make_user, query):
    give_feedback(app)
    staff = make_user("staff")
    auth.login(make_user("admin"))
    token = LINK.search(client.post(f"/staff/users/{staff.id}/reset").get_data(as_text=True)).group(1)
    person = app.test_client()
    person.post("/account/setup", data={"token": token, "password": "reset kettle meadow 9",
                                        "confirm": "reset kettle meadow 9"})
    assert WORDS not in person.get("/staff/feedback").get_data(as_text=True)
    assert "cannot read sealed records yet" in person.get("/account").get_data(as_text=True)
    assert "no access yet" in client.get("/staff/users").get_data(as_text=True)
    granted = client.post(f"/staff/users/{staff.id}/grant", follow_redirects=True)
    assert "can now read sealed records" in granted.get_data(as_text=True)
    assert reads_feedback(app, staff, "reset kettle meadow 9")


def test_council_members_are_never_given_access(app, client, auth, make_user, query):
    member = make_user("council")
    auth.login(make_user("admin"))
    refused = client.post(f"/staff/users/{member.id}/grant", follow_redirects=True)
    assert "Only active staff and admin accounts" in refused.get_data(as_text=True)
    assert query(lambda: keys.KeyGrant.select().where(keys.KeyGrant.user == member.id).count()) == 0
    page = client.post("/staff/users", data={"username": "new-member", "role": "council"})
    assert "sealed records" not in page.get_data(as_text=True).split("Invite someone")[0]


def test_the_recovery_key_restores_access_when_every_admin_password_is_lost(app, make_user, runner,
                                                                            query):
    give_feedback(app)
    admin = make_user("admin")
    # the only admin forgets the password: a reset link from the console sets a new one
    printed = runner.invoke(args=["create-user", "--role", "admin", "--username", admin.username,
                                  "--reset"]).output
    token = LINK.search(printed).group(1)
    app.test_client().post("/account/setup", data={"token": token, "password": "remembered at last 3",
                                                   "confirm": "remembered at last 3"})
    # (a second factor code works once, so this admin logs in once, at the end)
    assert query(lambda: keys.KeyGrant.select().where(keys.KeyGrant.user == admin.id).count()) == 0
    wrong = runner.invoke(args=["recover-keys", "--username", admin.username],
                          input="0000-0000-0000-0000-0000-0000-0000\n")
    assert wrong.exit_code != 0 and "does not open" in wrong.output
    done = runner.invoke(args=["recover-keys", "--username", admin.username],
                         input=TEST_RECOVERY_KEY.lower().replace("-", " ") + "\n")
    assert done.exit_code == 0, done.output
    assert reads_feedback(app, admin, "remembered at last 3")


def test_key_rotation_keeps_everything_readable(app, make_user, runner, query):
    receipt = give_feedback(app)
    staff, admin = make_user("staff"), make_user("admin")
    reply = app.test_client()
    sign_in(reply, staff)
    reply.post(thread_page(app) + "/reply", data={"message": "We are sorry; come on Thursday."})
    result = runner.invoke(args=["rotate-keys", "--wait", "0"], input=TEST_RECOVERY_KEY + "\n")
    assert result.exit_code == 0, result.output
    new_recovery = re.search(r"recovery key \(the old one no longer works\): ([0-9A-Z-]+)",
                             result.output).group(1)
    org = query(keys.OrgKey.current)
    assert org.generation == 2 and query(lambda: keys.OrgKey.select().count()) == 1
    sealed_keys = query(lambda: [t.sealed_key for t in FeedbackThread.select()])
    assert all(sealing.blob_generation(blob) == 2 for blob in sealed_keys)
    # sessions carried the old key: they end; everyone who had access logs in and reads
    assert reply.get("/staff/feedback").status_code == 302
    assert reads_feedback(app, staff) and reads_feedback(app, admin)
    client_page = app.test_client().post("/feedback/status", data={"receipt": receipt})
    assert "come on Thursday" in client_page.get_data(as_text=True)
    again = runner.invoke(args=["recover-keys", "--username", admin.username],
                          input=TEST_RECOVERY_KEY + "\n")
    assert again.exit_code != 0, "the old recovery key no longer opens anything"
    assert runner.invoke(args=["recover-keys", "--username", admin.username],
                         input=new_recovery + "\n").exit_code == 0


def test_the_client_with_the_receipt_reads_replies_and_nobody_else_without_logging_in(
        app, make_user):
    receipt = give_feedback(app)
    staff = app.test_client()
    sign_in(staff, make_user("staff"))
    staff.post(thread_page(app) + "/reply", data={"message": "Thank you for telling us."})
    page = app.test_client().post("/feedback/status", data={"receipt": receipt}).get_data(as_text=True)
    assert WORDS in page and "Thank you for telling us." in page
    other = give_feedback(app)
    elsewhere = app.test_client().post("/feedback/status", data={"receipt": other}).get_data(as_text=True)
    assert "Thank you for telling us." not in elsewhere
    assert WORDS not in app.test_client().get("/staff/feedback").get_data(as_text=True)


# --- nothing to read in the files ---------------------------------------------------------------

@pytest.mark.skipif(bool(POSTGRES_URL), reason="reads the SQLite files themselves")
def test_no_submitted_word_is_in_the_database_files_or_a_backup(app, make_user, runner, tmp_path):
    secrets_typed = {"feedback": "Quiet corner please, canary-one",
                     "follow-up": "Also the lights flicker, canary-two",
                     "reply": "We moved the sofa, canary-three",
                     # a quote proposed and not yet approved is sealed like the rest
                     "quote": "A quiet corner, canary-four",
                     "quote translation": "Un rincón tranquilo, canary-five",
                     "action": "We made a quiet corner, canary-six"}
    client = app.test_client()
    receipt = text_of_class(client.post("/feedback", data={"message": secrets_typed["feedback"],
                                                          "topic": "space", "quotable": "y"}
                                        ).get_data(as_text=True), "receipt")
    client.post("/feedback/status", data={"receipt": receipt, "message": secrets_typed["follow-up"]})
    staff = app.test_client()
    sign_in(staff, make_user("staff"))
    staff.post(thread_page(app) + "/reply", data={"message": secrets_typed["reply"]})
    staff.post(thread_page(app) + "/propose", data={
        "language": "en", "quote": secrets_typed["quote"], "action_taken": secrets_typed["action"],
        "quote_translation": secrets_typed["quote translation"]})
    shown = client.post("/feedback/status", data={"receipt": receipt}).get_data(as_text=True)
    assert all(words in shown for words in secrets_typed.values())
    # a private note is sealed like the messages, and the person never reads it
    note = "Ask about the sofa story again, canary-note"
    assert staff.post(thread_page(app) + "/note", data={"note": note}).status_code == 302
    assert note in staff.get(thread_page(app)).get_data(as_text=True)
    assert note not in client.post("/feedback/status", data={"receipt": receipt}).get_data(as_text=True)
    secrets_typed["private note"] = note
    # a survey's answers in the person's own words: short, long and "other, in my own words"
    survey_words = {"q4": "Warm socks and a locker, canary-four",
                    "q5": "Nobody explained the rules, canary-five",
                    "q2-other": "My cousin's sofa, canary-six"}
    with app.test_request_context("/"), db.connection_context():
        import sys
        sys.path.insert(0, str(Path(__file__).resolve().parent / "surveys"))
        from factories import make_survey
        slug = make_survey("sealed-words").slug
    answered = client.post(f"/surveys/{slug}", data={"page": "1", "send": "", "q1": "1", "q2": "other",
                                                      **survey_words})
    assert answered.status_code == 200
    with app.app_context(), db.connection_context():
        from portal.surveys.models import SurveyResponse, SurveyTextAnswer
        assert SurveyResponse.select().count() == 1, "the survey answers were stored"
        assert SurveyTextAnswer.select().count() == 3, "each text answer was stored"
    secrets_typed.update({f"survey {name}": words for name, words in survey_words.items()})
    backup = tmp_path / "copy.sqlite"
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    database = Path(app.config["DATABASE_URL"].removeprefix("sqlite:///"))
    files = [*database.parent.glob(database.name + "*"), backup]
    assert any(path.name.endswith("-wal") for path in files), "the write-ahead log is scanned too"
    for path in files:
        content = path.read_bytes()
        for words in secrets_typed.values():
            for piece in (words, words.split(",")[1].strip()):
                assert piece.encode() not in content, f"{piece!r} found in {path.name}"
                assert piece.encode("utf-16-le") not in content, f"{piece!r} found in {path.name}"


@pytest.mark.skipif(bool(POSTGRES_URL), reason="reads the SQLite files themselves")
def test_no_story_word_or_storyteller_name_is_in_the_database_files_or_a_backup(app, make_user, runner,
                                                                                tmp_path):
    typed = {"title": "Harbour lights, canary-four", "story_text": "I slept by the harbour, canary-five",
             "content_notes": "Mentions the docks, canary-six", "real_name": "Marisol Canaryseven",
             "credit_name": "Lucero Canaryeight", "conditions_website": "Not in Portsmouth, canary-nine"}
    staff = app.test_client()
    sign_in(staff, make_user("staff"))
    today = clock.today()
    page = staff.post("/staff/stories/new", data={
        **typed, "attribution": "pseudonym", "channel_website": "y", "consent_given_on": today.isoformat(),
        "consent_expires_on": (today + dt.timedelta(days=365)).isoformat(), "consent_method": "in_person",
        "consent_language": "en", "wording_version": "2026-1"}).get_data(as_text=True)
    code = text_of_class(page, "receipt")
    assert code, "no withdrawal code on the receipt"
    with app.app_context(), db.connection_context():
        from portal.stories import service

        story_id = service.find_by_code(code).public_id
    used = staff.post(f"/staff/stories/{story_id}/use", data={
        "channel": "website", "purpose": "Stories page, canary-ten", "place": "/stories/canary-eleven",
        "attribution": "pseudonym", "conditions_respected": "y"}).get_data(as_text=True)
    assert "Lucero Canaryeight" in used and "Marisol" not in used
    typed.update(purpose="Stories page, canary-ten", place="/stories/canary-eleven")
    # the storyteller's page opens with the code alone
    shown = app.test_client().post("/stories/withdraw", data={"code": code}).get_data(as_text=True)
    assert typed["title"] in shown and typed["place"] in shown
    backup = tmp_path / "stories-copy.sqlite"
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    database = Path(app.config["DATABASE_URL"].removeprefix("sqlite:///"))
    files = [*database.parent.glob(database.name + "*"), backup]
    for path in files:
        content = path.read_bytes()
        for words in typed.values():
            for piece in {words, *re.findall(r"[Cc]anary-?\w+", words)}:
                assert piece.encode() not in content, f"{piece!r} found in {path.name}"
                assert piece.encode("utf-16-le") not in content, f"{piece!r} found in {path.name}"


@pytest.mark.skipif(bool(POSTGRES_URL), reason="reads the SQLite files themselves")
def test_no_council_word_is_in_the_database_files_or_a_backup(app, make_user, runner, tmp_path):
    """What council members write (comments, self-descriptions for the council or for themselves
    alone) never reaches the files as typed; members and staff still read what they may."""
    import datetime as dt

    from portal.council import service as council

    words = {"comment": "Only with two staff at night, canary-council-one",
             "about": "I organise the night shift, canary-council-two",
             "only me": "Something I keep for myself, canary-council-three"}
    member = make_account(app, "council", "canary-member")
    with app.test_request_context("/"), db.connection_context():
        staff_user = User.create(username="canary-staff", role="staff", password_hash="x",
                                 created_on=clock.utc_now().date())
        council.add_member(staff_user, member.id, "Rosa", clock.today() - dt.timedelta(days=1), None)
        proposal = council.save_proposal(staff_user, None, "Hours", "Open late?", "", "",
                                         clock.today() + dt.timedelta(days=3))
        council.open_proposal(staff_user, proposal)
    browser = app.test_client()
    log_in(browser, member, "correct-kettle-meadow-42")
    profile = {"name": "Rosa", "email": "", "text_about": words["about"], "vis_about": "council",
               "text_pronouns": words["only me"], "vis_pronouns": "me", "text_languages": "",
               "vis_languages": "council"}
    assert browser.post("/council/profile", data=profile).status_code == 302
    assert browser.post(f"/council/proposals/{proposal.public_id}",
                        data={"position": "concerns", "comment": words["comment"]}).status_code == 302
    staff = app.test_client()
    sign_in(staff, make_user("staff"))
    staff_page = staff.get(f"/staff/council/proposals/{proposal.public_id}").get_data(as_text=True)
    assert words["comment"] in staff_page
    assert words["about"] in browser.get("/council/profile").get_data(as_text=True)
    assert words["only me"] in browser.get("/council/profile").get_data(as_text=True)
    backup = tmp_path / "council-copy.sqlite"
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    database = Path(app.config["DATABASE_URL"].removeprefix("sqlite:///"))
    files = [*database.parent.glob(database.name + "*"), backup]
    for path in files:
        content = path.read_bytes()
        for typed in words.values():
            for piece in (typed, typed.split(",")[1].strip()):
                assert piece.encode() not in content, f"{piece!r} found in {path.name}"
                assert piece.encode("utf-16-le") not in content, f"{piece!r} found in {path.name}"


def test_council_members_read_each_other_without_the_organisation_key(app, make_user):
    """A member's session carries their own key and, through it, the council key; never the
    organisation's private key."""
    member = make_account(app, "council", "council-reader")
    browser = app.test_client()
    log_in(browser, member, "correct-kettle-meadow-42")
    with request_of(app, browser):
        from portal.council import keyring

        assert keys.current_private_key() is None
        assert keyring.member_private_key() is not None
        assert session.get(keys.SESSION_KEY) is None
