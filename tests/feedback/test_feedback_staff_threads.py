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


# --- assignment ---------------------------------------------------------------------------------

def links(html: str) -> list[int]:
    import re

    return [int(n) for n in re.findall(r'href="/staff/feedback/(\d+)(?:\?[^"]*)?"', html)]


def test_a_thread_is_assigned_to_active_staff_who_may_read_it_shown_and_filtered(
        app, make_user, query):
    me = make_user("staff", display_name="Rosa")
    colleague = make_user("staff", display_name="Omar")
    inactive = make_user("staff", display_name="Gone", active=False)
    council = make_user("council", display_name="Cora")
    browser = signed_in(app, me)
    mine, theirs, nobodys = (thread_of(query, send(app, text)) for text in ("One.", "Two.", "Three."))
    page = f"/staff/feedback/{mine.public_id}"
    html = browser.get(page).get_data(as_text=True)
    assert ">Rosa<" in html and ">Omar<" in html and "Gone" not in html and "Cora" not in html
    for who, expected in ((inactive, "Choose someone on the list"), (council, "Choose someone on the list")):
        answer = browser.post(page + "/assign", data={"assignee": who.username}, follow_redirects=True)
        assert expected in answer.get_data(as_text=True)
    assert browser.post(page + "/assign", data={"assignee": "<b>"}).status_code == 302
    assert query(lambda: FeedbackThread.get_by_id(mine.id).assigned_to_id) is None
    assert browser.post(page + "/assign", data={"assignee": me.username}).status_code == 302
    browser.post(f"/staff/feedback/{theirs.public_id}/assign", data={"assignee": colleague.username})
    listing = browser.get("/staff/feedback").get_data(as_text=True)
    assert "<td>Rosa</td>" in listing and "<td>Omar</td>" in listing
    assert links(browser.get("/staff/feedback?mine=y").get_data(as_text=True)) == [mine.public_id]
    assert query(lambda: [e.created_at.time().isoformat() for e in AuditEntry.select()
                          .where(AuditEntry.action == "feedback.assign")]) == ["00:00:00"] * 2
    # and back to nobody
    browser.post(page + "/assign", data={"assignee": ""})
    assert links(browser.get("/staff/feedback?mine=y").get_data(as_text=True)) == []
    assert nobodys.public_id in links(listing)


def test_a_complaint_is_assigned_only_to_those_named_for_complaints(app, make_user, query):
    admin = make_user("admin", display_name="Ada")
    named = make_user("staff", display_name="Nadia", handles_complaints=True)
    other = make_user("staff", display_name="Otto")
    complaint = thread_of(query, send(app, "About a colleague.", readers="complaints"))
    browser = signed_in(app, named)
    page = f"/staff/feedback/{complaint.public_id}"
    html = browser.get(page).get_data(as_text=True)
    assert ">Nadia<" in html and ">Otto<" not in html and ">Ada<" not in html
    answer = browser.post(page + "/assign", data={"assignee": other.username}, follow_redirects=True)
    assert "Choose someone on the list" in answer.get_data(as_text=True)
    assert admin and query(lambda: FeedbackThread.get_by_id(complaint.id).assigned_to_id) is None
    # a person who may not read it never sees it in "assigned to me" either
    assert signed_in(app, other).get(page + "/assign").status_code in (404, 405)


# --- next and previous --------------------------------------------------------------------------

def test_next_and_previous_follow_the_lists_order_and_filters(app, staff, query):
    import datetime as dt

    from support.sealing import make_thread

    from portal import clock

    def create():
        today = clock.today()
        made = [make_thread(f"Message {n}.", today - dt.timedelta(days=n),
                            topic="space" if n % 2 else "staff") for n in range(6)]
        # a complaint and a deleted one in between are never reached
        make_thread("Complaint.", today - dt.timedelta(days=1), topic="space", restricted=True)
        gone = make_thread("Gone.", today - dt.timedelta(days=3), topic="space")
        FeedbackThread.update(deleted_on=today).where(FeedbackThread.id == gone.id).execute()
        return [thread.public_id for thread in made]
    numbers = query(create)
    listed = links(staff.get("/staff/feedback?topic=space").get_data(as_text=True))
    space = [numbers[1], numbers[3], numbers[5]]
    assert listed == space
    import re

    def nav(public_id, args="?topic=space"):
        html = staff.get(f"/staff/feedback/{public_id}{args}").get_data(as_text=True)
        newer = re.search(r'rel="prev" href="/staff/feedback/(\d+)\?topic=space"', html)
        older = re.search(r'rel="next" href="/staff/feedback/(\d+)\?topic=space"', html)
        return (int(newer.group(1)) if newer else None, int(older.group(1)) if older else None)
    assert nav(space[0]) == (None, space[1])
    assert nav(space[1]) == (space[0], space[2])
    assert nav(space[2]) == (space[1], None)
    # without filters, every readable thread in order
    html = staff.get(f"/staff/feedback/{numbers[2]}").get_data(as_text=True)
    assert f'rel="prev" href="/staff/feedback/{numbers[1]}"' in html
    assert f'rel="next" href="/staff/feedback/{numbers[3]}"' in html
    # nonsense filters are left out, never an error
    assert staff.get(f"/staff/feedback/{numbers[2]}?since=nope&status=%00&q=").status_code == 200


def test_next_and_previous_use_no_offsets(app, staff, query):
    from portal.db import db

    thread = thread_of(query, send(app))
    statements = []
    original = db.obj.execute_sql

    def spy(sql, params=None, *args, **kwargs):
        statements.append(sql)
        return original(sql, params, *args, **kwargs)
    db.obj.execute_sql = spy
    try:
        staff.get(f"/staff/feedback/{thread.public_id}?status=new").get_data()
    finally:
        del db.obj.execute_sql
    walks = [s for s in statements if "feedback_thread" in s and "ORDER BY" in s.upper()]
    assert walks and not [s for s in walks if "OFFSET" in s.upper()]


# --- search -------------------------------------------------------------------------------------

def test_search_by_tag_status_topic_and_days(app, staff, query):
    import datetime as dt

    from support.sealing import make_thread

    from portal import clock

    def create():
        today = clock.today()
        return [make_thread("A.", today - dt.timedelta(days=10), tags="kitchen,evenings").public_id,
                make_thread("B.", today - dt.timedelta(days=5), tags="kitchens", status="read").public_id,
                make_thread("C.", today, tags="evenings", topic="space").public_id]
    a, b, c = query(create)
    today = query(lambda: clock.today())
    assert links(staff.get("/staff/feedback?tag=kitchen").get_data(as_text=True)) == [a]
    assert sorted(links(staff.get("/staff/feedback?tag=Evenings").get_data(as_text=True))) == sorted([a, c])
    since = (today - dt.timedelta(days=6)).isoformat()
    until = (today - dt.timedelta(days=1)).isoformat()
    assert links(staff.get(f"/staff/feedback?since={since}&until={until}").get_data(as_text=True)) == [b]
    assert links(staff.get(f"/staff/feedback?since={since}&status=new").get_data(as_text=True)) == [c]
    bad = staff.get("/staff/feedback?since=2026-13-45&tag=" + "x" * 40)
    assert bad.status_code == 200 and sorted(links(bad.get_data(as_text=True))) == sorted([a, b, c])
    assert 'aria-invalid="true"' in bad.get_data(as_text=True)


def test_text_search_reads_only_what_the_session_opens_in_a_bounded_batch(app, staff, make_user, query):
    send(app, "The shower on the second floor is broken.")
    send(app, "Thank you for the evening group.")
    complaint = send(app, "The shower man was rude.", readers="complaints")
    html = staff.get("/staff/feedback?q=SHOWER").get_data(as_text=True)
    assert "1 conversation holds these words." in html
    assert "second floor" in html and "rude" not in html
    assert "Every conversation that matches the other filters was searched." in html
    named = signed_in(app, make_user("staff", handles_complaints=True))
    assert "2 conversations hold these words." in named.get("/staff/feedback?q=shower").get_data(as_text=True)
    # a deleted conversation is never searched
    app.test_client().post("/feedback/status", data={"receipt": complaint, "delete_confirmed": "y"})
    assert "1 conversation holds" in named.get("/staff/feedback?q=shower").get_data(as_text=True)


def test_text_search_says_when_older_conversations_were_not_searched(app, staff, query, monkeypatch):
    monkeypatch.setattr(service, "SEARCH_BATCH", 2)
    for text in ("Old words.", "Newer.", "Newest."):
        send(app, text)
    html = staff.get("/staff/feedback?q=old+words").get_data(as_text=True)
    assert "Only the newest 2 conversations" in html


def test_text_search_finds_private_notes_but_not_withdrawn_replies(app, staff, query):
    receipt = send(app)
    thread = thread_of(query, receipt)
    staff.post(f"/staff/feedback/{thread.public_id}/note", data={"note": "Call the plumber."})
    assert links(staff.get("/staff/feedback?q=plumber").get_data(as_text=True)) == [thread.public_id]


# --- the language the person wrote in -----------------------------------------------------------

def test_the_language_of_the_page_the_person_wrote_on_is_shown_to_staff(app, staff, query):
    english = thread_of(query, send(app, "Hello."))
    answer = submit(app.test_client(), "/feedback?lang=es", {"message": "Hola."},
                    page="/feedback?lang=es")
    spanish = thread_of(query, text_of_class(answer.get_data(as_text=True), "receipt"))
    assert (english.language, spanish.language) == ("en", "es")
    listing = staff.get("/staff/feedback").get_data(as_text=True)
    assert "<td>English</td>" in listing and "<td>Español</td>" in listing
    html = staff.get(f"/staff/feedback/{spanish.public_id}").get_data(as_text=True)
    assert "<dt>Written in</dt><dd>Español</dd>" in html


# --- reply templates ----------------------------------------------------------------------------

def test_staff_write_templates_and_use_one_without_javascript(app, staff, query):
    from portal.feedback.models import ReplyTemplate

    assert staff.get("/staff/feedback/templates").status_code == 200
    answer = staff.post("/staff/feedback/templates",
                        data={"title": "Thanks", "body": "Thank you for telling us."})
    assert answer.status_code == 302
    template = query(lambda: ReplyTemplate.get())
    thread = thread_of(query, send(app))
    page = f"/staff/feedback/{thread.public_id}"
    html = staff.get(page).get_data(as_text=True)
    assert "Use this template" in html and 'data-text="Thank you for telling us."' in html
    filled = staff.get(f"{page}?template={template.public_id}").get_data(as_text=True)
    assert "\nThank you for telling us.</textarea>" in filled
    # an unknown or nonsense template leaves the box empty, never an error
    for bad in ("999999", "x", "%00", "9" * 40):
        assert staff.get(f"{page}?template={bad}").status_code == 200
    assert query(lambda: [e.action for e in AuditEntry.select()]) == ["feedback.template_add"]


def test_a_template_needs_a_name_and_text_and_is_deleted_by_its_number(app, staff, query):
    from portal.feedback.models import ReplyTemplate

    answer = staff.post("/staff/feedback/templates", data={"title": " ", "body": "x" * 5001})
    assert answer.status_code == 200 and "error-summary" in answer.get_data(as_text=True)
    assert query(lambda: ReplyTemplate.select().count()) == 0
    staff.post("/staff/feedback/templates", data={"title": "Thanks", "body": "Thank you."})
    template = query(lambda: ReplyTemplate.get())
    assert staff.post(f"/staff/feedback/templates/{template.public_id}/delete").status_code == 302
    assert query(lambda: ReplyTemplate.select().count()) == 0
    again = staff.post(f"/staff/feedback/templates/{template.public_id}/delete", follow_redirects=True)
    assert "This template was already deleted." in again.get_data(as_text=True)


def test_the_list_of_templates_stays_short(app, staff, query, monkeypatch):
    from portal.feedback.models import ReplyTemplate

    monkeypatch.setattr(service, "MAX_TEMPLATES", 1)
    staff.post("/staff/feedback/templates", data={"title": "One", "body": "One."})
    answer = staff.post("/staff/feedback/templates", data={"title": "Two", "body": "Two."})
    assert "Keep the list to 1 templates" in answer.get_data(as_text=True)
    assert query(lambda: ReplyTemplate.select().count()) == 1


def test_the_lists_links_carry_its_filters_to_each_thread(app, staff, query):
    """Each row opens its thread with the list's filters (text with spaces, accents and & too),
    so the thread's next and previous buttons stay within them."""
    import datetime as dt
    import re
    from urllib.parse import parse_qs, urlsplit

    from support.sealing import make_thread

    from portal import clock

    number = query(lambda: make_thread("Café & tea, please.", clock.today() - dt.timedelta(days=1),
                                       topic="space").public_id)
    args = "?topic=space&q=caf%C3%A9+%26+tea"
    html = staff.get(f"/staff/feedback{args}").get_data(as_text=True)
    found = re.search(rf'href="(/staff/feedback/{number}[^"]*)"', html)
    assert found, "the thread is listed with a link"
    address = urlsplit(found.group(1).replace("&amp;", "&"))
    assert address.path == f"/staff/feedback/{number}"
    assert parse_qs(address.query) == {"topic": ["space"], "q": ["café & tea"]}
    # the thread page reads them back: its way back to the list keeps the same filters
    page = staff.get(f"{address.path}?{address.query}").get_data(as_text=True)
    back = re.search(r'href="(/staff/feedback\?[^"]*)">All feedback<', page)
    assert back and parse_qs(urlsplit(back.group(1).replace("&amp;", "&")).query) == {
        "topic": ["space"], "q": ["café & tea"]}
