"""The staff's working tools on a thread: private notes, editing a reply for a short while,
redaction, assignment, moving between threads, search, reply templates and the language."""
from __future__ import annotations

import pytest
from support.sealing import holding_the_key
from support.world import sign_in, submit, text_of_class

from portal.accounts.audit import AuditEntry
from portal.accounts.models import User
from portal.feedback import service
from portal.feedback.models import FeedbackNote, FeedbackThread

NOTE = "She may be the person from Tuesday; check with Ana."


def send(app, message: str = "The kettle is broken.", readers: str = "team") -> str:
    """Feedback as a browser sends it; returns the receipt."""
    response = submit(app.test_client(), "/feedback", {"message": message, "readers": readers})
    receipt = text_of_class(response.get_data(as_text=True), "receipt")
    assert receipt
    return receipt


def thread_of(query, receipt: str) -> FeedbackThread:
    return query(lambda: service.find_thread(receipt))


def signed_in(app, user: User):
    client = app.test_client()
    sign_in(client, user)
    return client


def client_view(app, receipt: str) -> str:
    return app.test_client().post("/feedback/status", data={"receipt": receipt}).get_data(as_text=True)


@pytest.fixture
def staff(app, make_user):
    return signed_in(app, make_user("staff", display_name="Rosa"))


# --- private notes ------------------------------------------------------------------------------

def test_a_private_note_is_shown_to_staff_in_its_own_labelled_box_and_never_to_the_person(
        app, staff, query):
    receipt = send(app)
    thread = thread_of(query, receipt)
    page = f"/staff/feedback/{thread.public_id}"
    answer = staff.post(page + "/note", data={"note": NOTE})
    assert answer.status_code == 302
    html = staff.get(page).get_data(as_text=True)
    assert NOTE in html and "Private note — the person never sees this" in html
    assert 'class="private-note"' in html
    # the person's conversation, before and after a reply, never holds the note
    assert NOTE not in client_view(app, receipt)
    staff.post(page + "/reply", data={"message": "We are fixing it."})
    shown = client_view(app, receipt)
    assert "We are fixing it." in shown and NOTE not in shown and "Private note" not in shown
    # nor does the staff export, which is a download of the conversation
    assert NOTE not in staff.get("/staff/feedback/export.csv").get_data(as_text=True)


def test_a_private_note_is_sealed_with_the_threads_key_and_audited_by_day(app, staff, query):
    receipt = send(app)
    thread = thread_of(query, receipt)
    staff.post(f"/staff/feedback/{thread.public_id}/note", data={"note": NOTE})
    stored = query(lambda: FeedbackNote.get())
    assert NOTE.encode() not in bytes(stored.body)
    assert query(lambda: [(e.action, e.subject_id, e.created_at.time().isoformat())
                          for e in AuditEntry.select().where(AuditEntry.action == "feedback.note")]
                 ) == [("feedback.note", thread.public_id, "00:00:00")]


def test_a_blank_or_oversize_note_is_refused_with_a_message_and_nothing_is_saved(app, staff, query):
    thread = thread_of(query, send(app))
    for bad in ("   ", "x" * 5001):
        answer = staff.post(f"/staff/feedback/{thread.public_id}/note", data={"note": bad})
        assert answer.status_code == 200 and "error-summary" in answer.get_data(as_text=True)
    assert query(lambda: FeedbackNote.select().count()) == 0


def test_notes_on_restricted_and_deleted_threads_are_refused(app, staff, make_user, query):
    complaint = thread_of(query, send(app, "About a colleague.", readers="complaints"))
    assert staff.post(f"/staff/feedback/{complaint.public_id}/note", data={"note": NOTE}).status_code == 404
    receipt = send(app)
    thread = thread_of(query, receipt)
    app.test_client().post("/feedback/status", data={"receipt": receipt, "delete_confirmed": "y"})
    assert staff.post(f"/staff/feedback/{thread.public_id}/note", data={"note": NOTE}).status_code == 404
    assert query(lambda: FeedbackNote.select().count()) == 0


def test_deleting_the_conversation_erases_its_notes(app, make_user, query):
    receipt = send(app)
    thread = thread_of(query, receipt)
    user = make_user("staff")

    def work():
        with holding_the_key(app, User.get_by_id(user.id)):
            service.add_note(User.get_by_id(user.id), thread, NOTE)
    query(work)
    assert query(lambda: FeedbackNote.select().count()) == 1
    app.test_client().post("/feedback/status", data={"receipt": receipt, "delete_confirmed": "y"})
    assert query(lambda: FeedbackNote.select().count()) == 0


# --- changing a reply for ten minutes -----------------------------------------------------------

class FakeClock:
    """portal.clock.utc_now moved by hand."""

    def __init__(self, monkeypatch):
        import datetime as dt

        self.now = dt.datetime(2026, 3, 2, 14, 0, 0)
        monkeypatch.setattr("portal.clock.utc_now", lambda: self.now)

    def advance(self, **delta) -> None:
        import datetime as dt

        self.now += dt.timedelta(**delta)


@pytest.fixture
def fake_clock(monkeypatch):
    return FakeClock(monkeypatch)


def staff_reply(app, staff, query, receipt: str, text: str) -> tuple[str, int]:
    """Reply through the page; returns (the thread's page, the reply's public number)."""
    from portal.feedback.models import FeedbackMessage

    page = f"/staff/feedback/{thread_of(query, receipt).public_id}"
    assert staff.post(page + "/reply", data={"message": text}).status_code == 302
    newest = query(lambda: FeedbackMessage.select().order_by(FeedbackMessage.id.desc()).first())
    return page, newest.public_id


def test_a_reply_can_be_edited_within_ten_minutes_and_the_person_reads_the_new_text(
        app, staff, query, fake_clock):
    receipt = send(app)
    page, reply = staff_reply(app, staff, query, receipt, "We fix it on Monday.")
    assert "Change or withdraw this reply" in staff.get(page).get_data(as_text=True)
    fake_clock.advance(minutes=9, seconds=59)
    assert staff.post(f"{page}/messages/{reply}/edit", data={"message": "We fix it on Tuesday."}
                      ).status_code == 302
    shown = client_view(app, receipt)
    assert "We fix it on Tuesday." in shown and "Monday" not in shown
    assert ("feedback.reply_edit", thread_of(query, receipt).public_id) in query(
        lambda: [(e.action, e.subject_id) for e in AuditEntry.select()])


def test_after_ten_minutes_a_reply_is_final_and_the_service_says_so(app, staff, query, fake_clock):
    receipt = send(app)
    page, reply = staff_reply(app, staff, query, receipt, "We fix it on Monday.")
    fake_clock.advance(minutes=10, seconds=1)
    assert "Change or withdraw this reply" not in staff.get(page).get_data(as_text=True)
    answer = staff.post(f"{page}/messages/{reply}/edit", data={"message": "Changed."},
                        follow_redirects=True)
    assert "This reply is final" in answer.get_data(as_text=True)
    answer = staff.post(f"{page}/messages/{reply}/withdraw", follow_redirects=True)
    assert "This reply is final" in answer.get_data(as_text=True)
    shown = client_view(app, receipt)
    assert "We fix it on Monday." in shown and "Changed." not in shown


def test_a_withdrawn_reply_disappears_for_the_person_and_staff_see_withdrawn(
        app, staff, query, fake_clock):
    receipt = send(app)
    page, reply = staff_reply(app, staff, query, receipt, "Sent to the wrong person.")
    fake_clock.advance(minutes=5)
    assert staff.post(f"{page}/messages/{reply}/withdraw").status_code == 302
    shown = client_view(app, receipt)
    assert "Sent to the wrong person." not in shown and "Our team has replied" not in shown
    html = staff.get(page).get_data(as_text=True)
    assert "Withdrawn: this reply was taken back" in html and "Sent to the wrong person." not in html
    assert "Sent to the wrong person." not in staff.get("/staff/feedback/export.csv").get_data(as_text=True)


def test_only_the_author_changes_a_reply_and_client_messages_never(app, staff, make_user, query, fake_clock):
    from portal.feedback.models import FeedbackMessage

    receipt = send(app)
    page, reply = staff_reply(app, staff, query, receipt, "Mine.")
    other = signed_in(app, make_user("staff"))
    answer = other.post(f"{page}/messages/{reply}/edit", data={"message": "Theirs."}, follow_redirects=True)
    assert "Only the person who wrote a reply can change it." in answer.get_data(as_text=True)
    first = query(lambda: FeedbackMessage.select().order_by(FeedbackMessage.id).first())
    assert first.sent_at is None, "a client's message keeps the day only"
    answer = staff.post(f"{page}/messages/{first.public_id}/edit", data={"message": "x"},
                        follow_redirects=True)
    assert "This reply could not be found" in answer.get_data(as_text=True)
    assert staff.post(f"{page}/messages/999999/withdraw").status_code == 302
    assert "Mine." in client_view(app, receipt)


def test_a_blank_edit_is_refused_on_the_page_and_the_reply_is_unchanged(app, staff, query, fake_clock):
    receipt = send(app)
    page, reply = staff_reply(app, staff, query, receipt, "Original words.")
    answer = staff.post(f"{page}/messages/{reply}/edit", data={"message": "  "})
    assert answer.status_code == 200 and "error-summary" in answer.get_data(as_text=True)
    assert "Original words." in client_view(app, receipt)


# --- redaction ----------------------------------------------------------------------------------

NAMED = "Marco at the front desk, who lives on Elm Street, was rude."
REDACTED = "[a person] at the front desk was rude."


def first_message(query):
    from portal.feedback.models import FeedbackMessage

    return query(lambda: FeedbackMessage.select().order_by(FeedbackMessage.id).first())


def test_redaction_replaces_the_original_and_both_sides_read_that_part_was_removed(app, staff, query):
    from support.sealing import message_texts

    receipt = send(app, NAMED)
    thread = thread_of(query, receipt)
    page = f"/staff/feedback/{thread.public_id}"
    message = first_message(query)
    assert staff.post(f"{page}/messages/{message.public_id}/redact", data={"message": REDACTED}
                      ).status_code == 302
    assert query(message_texts) == [REDACTED], "the original is replaced, not kept"
    for html in (client_view(app, receipt), staff.get(page).get_data(as_text=True)):
        assert "Part of this message was removed by our team" in html
        assert REDACTED in html and "Elm Street" not in html
    rows = query(lambda: [(e.action, e.subject_id, e.created_at.time().isoformat(), e.actor_id)
                          for e in AuditEntry.select().where(AuditEntry.action == "feedback.redact")])
    assert [row[:3] for row in rows] == [("feedback.redact", thread.public_id, "00:00:00")]


def test_only_a_persons_message_is_redacted_and_a_blank_version_is_refused(app, staff, query):
    from support.sealing import message_texts

    receipt = send(app, NAMED)
    page, reply = staff_reply(app, staff, query, receipt, "Thank you.")
    answer = staff.post(f"{page}/messages/{reply}/redact", data={"message": "x"}, follow_redirects=True)
    assert "Only a message from the person can be redacted." in answer.get_data(as_text=True)
    message = first_message(query)
    answer = staff.post(f"{page}/messages/{message.public_id}/redact", data={"message": " "})
    assert answer.status_code == 200 and "error-summary" in answer.get_data(as_text=True)
    assert query(message_texts) == [NAMED, "Thank you."]
    assert not query(lambda: AuditEntry.select().where(AuditEntry.action == "feedback.redact").exists())


def test_redaction_respects_restricted_threads(app, staff, query):
    receipt = send(app, NAMED, readers="complaints")
    thread = thread_of(query, receipt)
    message = first_message(query)
    assert staff.post(f"/staff/feedback/{thread.public_id}/messages/{message.public_id}/redact",
                      data={"message": REDACTED}).status_code == 404
