"""The staff's side of feedback: the list, a thread, replies, status, tags, publishing, export."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import secrets

import pytest
from support.sealing import make_thread as make_sealed_thread
from support.sealing import message_texts
from support.world import log_in, make_account, submit

from portal import clock
from portal.accounts.audit import AuditEntry
from portal.feedback import service
from portal.feedback.models import FeedbackMessage, FeedbackThread

THREAD_LINK = re.compile(r'href="/staff/feedback/(\d+)(?:\?[^"]*)?"')


@pytest.fixture
def make_thread(query):
    """Create a thread with one client message in one call: make_thread("Hi", status="read")."""
    def _make(message: str = "The kettle is broken.", days_ago: int = 0, **fields) -> FeedbackThread:
        def create() -> FeedbackThread:
            day = clock.today() - dt.timedelta(days=days_ago)
            return make_sealed_thread(message, day, **fields)
        return query(create)
    return _make


@pytest.fixture
def staff(client, auth, make_user):
    """The `client`, logged in as a member of staff."""
    user = make_user("staff", display_name="Rosa")
    auth.login(user)
    return user


def listed(client, path: str = "/staff/feedback") -> list[int]:
    return [int(n) for n in THREAD_LINK.findall(client.get(path).get_data(as_text=True))]


def fresh(query, thread: FeedbackThread) -> FeedbackThread:
    return query(lambda: FeedbackThread.get_by_id(thread.id))


def audit_rows(query) -> list[tuple[str, int | None]]:
    """Audit rows about threads, sorted: they keep the day only, so they have no order."""
    return sorted(query(lambda: [(e.action, e.subject_id) for e in AuditEntry.select()]))


# --- the list ---------------------------------------------------------------------------------

def test_staff_list_filters_by_status_and_topic(client, staff, make_thread):
    new_space = make_thread("Quiet room?", topic="space")
    read_space = make_thread("Chairs.", topic="space", status="read")
    new_service = make_thread("Legal clinic.", topic="service")
    unsaid = make_thread("Hello.", status="archived")
    new_space, read_space, new_service, unsaid = (
        t.public_id for t in (new_space, read_space, new_service, unsaid))
    assert sorted(listed(client)) == sorted([new_space, read_space, new_service, unsaid])
    assert sorted(listed(client, "/staff/feedback?status=new")) == sorted([new_space, new_service])
    assert sorted(listed(client, "/staff/feedback?topic=space")) == sorted([new_space, read_space])
    assert listed(client, "/staff/feedback?status=new&topic=space") == [new_space]
    assert listed(client, "/staff/feedback?topic=none") == [unsaid]
    # nonsense filters are ignored, never an error
    assert len(listed(client, "/staff/feedback?status=%00&topic=<b>&cursor=x.y")) == 4
    html = client.get("/staff/feedback").get_data(as_text=True)
    assert "Quiet room?" in html and 'for="status"' in html and 'for="topic"' in html


def test_staff_list_pages_fifty_at_a_time_newest_activity_first(client, staff, query):
    today = clock.today()

    def create_many() -> None:
        FeedbackThread.insert_many([
            {"receipt_hash": secrets.token_hex(32), "status": "new" if i % 3 else "read",
             "created_on": today - dt.timedelta(days=i // 7),
             "last_message_on": today - dt.timedelta(days=i // 7)} for i in range(130)]).execute()
    query(create_many)
    seen, path, pages = [], "/staff/feedback?status=new", 0
    while path:
        html = client.get(path).get_data(as_text=True)
        ids = [int(n) for n in THREAD_LINK.findall(html)]
        assert len(ids) <= 50
        seen += ids
        pages += 1
        match = re.search(r'rel="next" href="([^"]+)"', html)
        path = match.group(1).replace("&amp;", "&") if match else None
        if path:
            assert "status=new" in path
    expected = query(lambda: [t.public_id for t in FeedbackThread.select()
                              .where(FeedbackThread.status == "new")
                              .order_by(FeedbackThread.last_message_on.desc(),
                                        FeedbackThread.public_id.desc())])
    assert seen == expected and len(seen) == 86 and pages == 2


def test_staff_list_holds_no_count_of_the_whole_table(client, staff, make_thread, app):
    from portal.db import db

    make_thread()
    statements = []
    original = db.obj.execute_sql

    def spy(sql, params=None, *args, **kwargs):
        statements.append(sql)
        return original(sql, params, *args, **kwargs)

    db.obj.execute_sql = spy
    try:
        client.get("/staff/feedback").get_data()
    finally:
        del db.obj.execute_sql
    assert not [s for s in statements if "COUNT(" in s.upper()]
    assert any("LIMIT" in s.upper() for s in statements if "feedback_thread" in s)


# --- one thread -------------------------------------------------------------------------------

def test_reading_a_thread_changes_nothing_marking_it_read_is_a_button(client, staff, make_thread, query):
    thread = make_thread("Please keep the evening drop-in.")
    html = client.get(f"/staff/feedback/{thread.public_id}").get_data(as_text=True)
    assert "Please keep the evening drop-in." in html and "Mark as read" in html
    assert fresh(query, thread).status == "new"
    response = client.post(f"/staff/feedback/{thread.public_id}/status", data={"status": "read"})
    assert response.status_code == 302
    assert fresh(query, thread).status == "read"
    assert audit_rows(query) == [("feedback.status", thread.public_id)]
    assert "Mark as read" not in client.get(f"/staff/feedback/{thread.public_id}").get_data(as_text=True)


def test_unknown_thread_is_a_404(client, staff):
    assert client.get("/staff/feedback/999999").status_code == 404
    assert client.post("/staff/feedback/999999/reply", data={"message": "x"}).status_code == 404


def test_reply_is_plain_text_marks_replied_and_is_audited_without_client_words(
        csrf_app, csrf_query):
    from portal.db import db

    with csrf_app.app_context(), db.connection_context():
        day = clock.today() - dt.timedelta(days=3)
        thread = make_sealed_thread("Secret words.", day)
    user = make_account(csrf_app, "staff", "sam")
    client = csrf_app.test_client()
    log_in(client, user)
    page = f"/staff/feedback/{thread.public_id}"
    without_token = client.post(f"{page}/reply", data={"message": "No token."})
    assert without_token.status_code == 400
    refused = submit(client, f"{page}/reply", {"message": "  "}, page=page)
    assert refused.status_code == 200 and "Please write a message." in refused.get_data(as_text=True)
    sent = submit(client, f"{page}/reply", {"message": "<b>Thank you</b>\r\nWe hear you."}, page=page)
    assert sent.status_code == 302
    with csrf_app.app_context(), db.connection_context():
        stored = FeedbackThread.get_by_id(thread.id)
        reply = FeedbackMessage.select().where(FeedbackMessage.author == "staff").get()
        audit = [(e.action, e.subject_id, e.actor_id) for e in AuditEntry.select()]
    assert stored.status == "replied" and stored.last_message_on == clock.today()
    with csrf_app.app_context(), db.connection_context():
        assert message_texts([reply]) == ["<b>Thank you</b>\nWe hear you."]
    assert reply.staff_user_id == user.id
    assert isinstance(reply.created_on, dt.date) and not isinstance(reply.created_on, dt.datetime)
    assert audit == [("feedback.reply", thread.public_id, user.id)]
    html = client.get(page).get_data(as_text=True)
    assert "&lt;b&gt;Thank you&lt;/b&gt;" in html and "<b>Thank you" not in html


def test_status_must_be_one_of_the_four(client, staff, make_thread, query):
    thread = make_thread()
    response = client.post(f"/staff/feedback/{thread.public_id}/status", data={"status": "deleted"},
                           follow_redirects=True)
    assert "Choose one of the listed statuses." in response.get_data(as_text=True)
    assert fresh(query, thread).status == "new" and audit_rows(query) == []
    for status in ("read", "replied", "archived", "new"):
        client.post(f"/staff/feedback/{thread.public_id}/status", data={"status": status})
        assert fresh(query, thread).status == status


def test_tags_are_trimmed_lower_cased_deduplicated_and_short(client, staff, make_thread, query):
    thread = make_thread()
    client.post(f"/staff/feedback/{thread.public_id}/tags",
                data={"tags": " Waiting Times, evenings,,waiting times "})
    assert fresh(query, thread).tag_list == ["waiting times", "evenings"]
    too_long = client.post(f"/staff/feedback/{thread.public_id}/tags", data={"tags": "x" * 31},
                           follow_redirects=True)
    assert "30 characters or fewer" in too_long.get_data(as_text=True)
    assert "x" * 31 in too_long.get_data(as_text=True), "the refused tags stay in the form"
    too_many = client.post(f"/staff/feedback/{thread.public_id}/tags",
                           data={"tags": ",".join(f"t{i}" for i in range(9))}, follow_redirects=True)
    assert "at most 8 tags" in too_many.get_data(as_text=True)
    control = client.post(f"/staff/feedback/{thread.public_id}/tags", data={"tags": "a\x00b"},
                          follow_redirects=True)
    assert "control characters" in control.get_data(as_text=True)
    assert fresh(query, thread).tag_list == ["waiting times", "evenings"]
    client.post(f"/staff/feedback/{thread.public_id}/tags", data={"tags": ""})
    assert fresh(query, thread).tags == ""
    assert [a for a, _ in audit_rows(query)] == ["feedback.tags", "feedback.tags"]


# --- "you said, we did" -----------------------------------------------------------------------

def test_only_quotable_feedback_can_be_proposed_or_published(client, staff, make_thread, query):
    private = make_thread("Do not share this.", quotable=False)
    html = client.get(f"/staff/feedback/{private.public_id}").get_data(as_text=True)
    assert "did not agree to be quoted" in html and 'name="action_taken"' not in html
    response = client.post(f"/staff/feedback/{private.public_id}/propose",
                           data={"language": "en", "quote": "Do not share this.", "action_taken": "Nothing."},
                           follow_redirects=True)
    assert "did not agree to be quoted" in response.get_data(as_text=True)
    assert fresh(query, private).proposal is None
    response = client.post(f"/staff/feedback/{private.public_id}/publish", follow_redirects=True)
    # the refusal itself, not the notice the page always shows for such a thread
    assert re.search(r'class="flash flash-error">[^<]*has not approved',
                     response.get_data(as_text=True))
    assert fresh(query, private).published_on is None
    assert "Do not share this." not in client.get("/feedback").get_data(as_text=True)


def test_audit_rows_name_the_thread_and_nothing_the_client_wrote(client, staff, make_thread, query):
    thread = make_thread("Words only the client wrote.", quotable=True)
    base = f"/staff/feedback/{thread.public_id}"
    client.post(f"{base}/status", data={"status": "read"})
    client.post(f"{base}/tags", data={"tags": "kitchen"})
    client.post(f"{base}/reply", data={"message": "Staff words."})
    client.post(f"{base}/propose", data={"language": "en", "quote": "Words only",
                                         "action_taken": "Fixed it."})
    client.post(f"{base}/unpublish")
    rows = audit_rows(query)
    assert [a for a, _ in rows] == ["feedback.propose", "feedback.reply", "feedback.status",
                                    "feedback.tags", "feedback.unpublish"]
    assert {subject for _, subject in rows} == {thread.public_id}
    # the thread's public id, never its row number; the day, never the time
    times = query(lambda: {e.created_at for e in AuditEntry.select()})
    assert times == {dt.datetime.combine(clock.today(), dt.time.min)}


# --- export -----------------------------------------------------------------------------------

def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_export_streams_every_thread_not_archived_with_formulas_defused(client, staff, make_thread,
                                                                        monkeypatch, query):
    monkeypatch.setattr(service, "EXPORT_BATCH", 2)  # several batches even for a few threads
    attacks = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]
    made = [make_thread(text, topic="space", rating=2) for text in attacks]
    archived = make_thread("Archived words.", status="archived")
    plain = make_thread("Plain words, with a comma and \"quotes\"\nand a line break.")
    client.post(f"/staff/feedback/{plain.public_id}/reply", data={"message": "=1+1 from staff"})
    response = client.get("/staff/feedback/export.csv")
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _csv(response)
    assert rows[0] == service.CSV_HEADER
    body = rows[1:]
    assert [int(r[0]) for r in body] == sorted(int(r[0]) for r in body)
    assert str(archived.public_id) not in {r[0] for r in body}
    messages = [r[-1] for r in body]
    by_thread = {row[0]: row for row in body}
    assert [by_thread[str(t.public_id)][-1] for t in made] == ["'" + a for a in attacks]
    assert "Plain words, with a comma and \"quotes\"\nand a line break." in messages
    assert "'=1+1 from staff" in messages
    assert not [cell for row in body for cell in row if cell and cell[0] in "=+-@\t\r"]
    first = by_thread[str(made[0].public_id)]
    assert first[0] == str(made[0].public_id) and first[2:4] == ["space", "2"]
    assert first[9] == "client"
    # each message has its own random public id, never its row number
    message_ids = query(lambda: {str(m.public_id) for m in FeedbackMessage.select()})
    assert {row[1] for row in body} <= message_ids


def test_export_is_produced_lazily(client, staff, make_thread, monkeypatch):
    monkeypatch.setattr(service, "EXPORT_BATCH", 1)
    for n in range(3):
        make_thread(f"Message {n}.")
    produced = []
    original = service.export_rows

    def watching(opener, *more):
        for row in original(opener, *more):
            produced.append(row[0])
            yield row

    monkeypatch.setattr(service, "export_rows", watching)
    response = client.get("/staff/feedback/export.csv")
    assert produced == []  # nothing is read before the body is sent
    assert len(_csv(response)) == 4 and len(produced) == 3
