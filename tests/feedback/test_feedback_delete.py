"""The writer deletes their conversation with their code: erased, not hidden; staff see a tombstone."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from support.database import WriteCounter, all_rows, cells_containing
from support.world import sign_in, submit, text_of_class

from portal import clock
from portal.accounts.audit import AuditEntry
from portal.db import db
from portal.feedback import service
from portal.feedback.models import FeedbackMessage, FeedbackThread

WORDS = "The volunteer on Tuesday made me feel unsafe, delete-canary."
REPLY = "We are so sorry. We have spoken with the volunteer, reply-canary."
QUOTE = "I felt unsafe on Tuesday, quote-canary."


@pytest.fixture
def staff(app, make_user):
    browser = app.test_client()
    sign_in(browser, make_user("staff", username="rosa"))
    return browser


@pytest.fixture
def writer(app, staff, query):
    """A quotable conversation with a reply and a published quote: (browser, receipt, public id)."""
    browser = app.test_client()
    receipt = text_of_class(submit(browser, "/feedback", {"message": WORDS, "quotable": "y"})
                            .get_data(as_text=True), "receipt")
    public_id = query(lambda: service.find_thread(receipt).public_id)
    staff.post(f"/staff/feedback/{public_id}/reply", data={"message": REPLY})
    staff.post(f"/staff/feedback/{public_id}/propose",
               data={"language": "en", "quote": QUOTE, "action_taken": "We changed the rota."})
    page = browser.post("/feedback/status", data={"receipt": receipt}).get_data(as_text=True)
    seen = re.search(r'name="seen" type="hidden" value="(\w*)"', page).group(1)
    browser.post("/feedback/status", data={"receipt": receipt, "seen": seen, "approve_quote": "y"})
    assert QUOTE in app.test_client().get("/feedback").get_data(as_text=True)
    return browser, receipt, public_id


def test_deleting_asks_first_and_the_question_changes_nothing(writer, query):
    browser, receipt, _ = writer
    page = browser.post("/feedback/status", data={"receipt": receipt}).get_data(as_text=True)
    assert 'name="delete_conversation"' in page and "Delete this conversation" in page
    before = query(lambda: all_rows(db))
    with WriteCounter(db.obj) as writes:
        asked = browser.post("/feedback/status", data={"receipt": receipt, "delete_conversation": "y"})
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Delete your conversation?" in html
    assert "This cannot be undone." in html and 'name="delete_confirmed"' in html
    # the code travels in the form, never in an address, and nothing was written
    assert not [s for s in writes.statements if "feedback" in s]
    assert query(lambda: all_rows(db))["feedback_message"] == before["feedback_message"]
    # "No, keep it" is the conversation again
    kept = browser.post("/feedback/status", data={"receipt": receipt}).get_data(as_text=True)
    assert WORDS in kept


def test_a_confirmed_delete_erases_the_messages_withdraws_the_quote_and_ends_the_code(app, writer, query):
    browser, receipt, public_id = writer
    done = browser.post("/feedback/status", data={"receipt": receipt, "delete_confirmed": "y"})
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and "Your conversation was deleted" in html and WORDS not in html
    # erased, not hidden: no message row, no key, no sealed text, no quote
    assert query(lambda: FeedbackMessage.select().count()) == 0
    stored = query(lambda: FeedbackThread.get(FeedbackThread.public_id == public_id))
    assert stored.deleted_on == clock.today()
    assert (stored.sealed_key, stored.receipt_key, stored.legacy_key, stored.proposal) == (None,) * 4
    assert (stored.public_quote, stored.published_on, stored.quotable) == (None, None, False)
    assert stored.topic == "" and stored.tags == "" and stored.rating is None
    assert stored.created_on == stored.last_message_on == clock.today()
    rows = query(lambda: all_rows(db))
    for canary in ("delete-canary", "reply-canary", "quote-canary"):
        assert not cells_containing(rows, canary), canary
    assert QUOTE not in app.test_client().get("/feedback").get_data(as_text=True)
    # the code opens nothing now: the same answer as a code never given
    again = browser.post("/feedback/status", data={"receipt": receipt}).get_data(as_text=True)
    assert "We could not find a conversation for that code." in again
    deleted_twice = browser.post("/feedback/status", data={"receipt": receipt, "delete_confirmed": "y"})
    assert "We could not find a conversation" in deleted_twice.get_data(as_text=True)
    follow_up = browser.post("/feedback/status", data={"receipt": receipt, "message": "Hello?"})
    assert "We could not find a conversation" in follow_up.get_data(as_text=True)
    assert query(lambda: FeedbackMessage.select().count()) == 0


def test_staff_see_only_a_tombstone(app, staff, writer, query):
    browser, receipt, public_id = writer
    browser.post("/feedback/status", data={"receipt": receipt, "delete_confirmed": "y"})
    listing = staff.get("/staff/feedback").get_data(as_text=True)
    assert "Deleted by the person who wrote it." in listing and f"#{public_id}" in listing
    assert f'href="/staff/feedback/{public_id}"' not in listing
    assert "delete-canary" not in listing
    for path in ("", "/reply", "/status", "/tags", "/propose", "/publish", "/unpublish", "/note", "/assign",
                 "/messages/123456789012345/edit", "/messages/123456789012345/withdraw",
                 "/messages/123456789012345/redact"):
        method = "get" if not path else "post"
        answer = getattr(staff, method)(f"/staff/feedback/{public_id}{path}",
                                        data={"message": "Still there?", "status": "read"})
        assert answer.status_code == 404, path
    assert query(lambda: FeedbackMessage.select().count()) == 0
    export = list(csv.reader(io.StringIO(staff.get("/staff/feedback/export.csv").get_data(as_text=True))))
    assert len(export) == 1  # the header only


def test_the_audit_row_keeps_the_day_and_names_nothing(writer, query):
    browser, receipt, _ = writer
    browser.post("/feedback/status", data={"receipt": receipt, "delete_confirmed": "y"})
    [entry] = query(lambda: list(AuditEntry.select().where(AuditEntry.action == "feedback.deleted")))
    assert entry.actor_id is None and entry.subject_id is None
    assert entry.created_at == dt.datetime.combine(clock.today(), dt.time.min)


def test_a_reply_racing_the_delete_is_refused_and_stores_nothing(app, writer, query, make_user):
    browser, receipt, public_id = writer
    thread = query(lambda: FeedbackThread.get(FeedbackThread.public_id == public_id))
    browser.post("/feedback/status", data={"receipt": receipt, "delete_confirmed": "y"})
    from support.sealing import holding_the_key

    from portal.accounts.models import User
    user = query(lambda: User.get(User.username == "rosa"))
    with holding_the_key(app, user), pytest.raises(service.FeedbackError):
        query(lambda: service.reply(user, thread, "Too late."))
    assert query(lambda: FeedbackMessage.select().count()) == 0


@pytest.mark.parametrize("data", [{"receipt": ""}, {"receipt": "AAAA-BBBB-CCCC-DDDD"},
                                  {"receipt": "x" * 5000}, {"receipt": "\x00"}])
def test_a_delete_with_a_wrong_code_deletes_nothing(app, writer, query, data):
    before = query(lambda: FeedbackMessage.select().count())
    answer = app.test_client().post("/feedback/status", data={**data, "delete_confirmed": "y"})
    assert answer.status_code == 200
    assert query(lambda: FeedbackMessage.select().count()) == before
    assert query(lambda: FeedbackThread.select().where(FeedbackThread.deleted_on.is_null(False)).count()) == 0


def test_the_retention_purge_removes_a_tombstone_in_its_time(writer, query):
    browser, receipt, _ = writer
    browser.post("/feedback/status", data={"receipt": receipt, "delete_confirmed": "y"})
    later = clock.today() + dt.timedelta(days=400)
    assert query(lambda: service.purge_old_threads(365, today=later)) == (1, 0)
