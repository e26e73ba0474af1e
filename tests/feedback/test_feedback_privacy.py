"""What feedback keeps and what it never keeps; wrong receipts; rate limits."""
from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
from support.config import portal_config
from support.database import WriteCounter, all_rows, cells_containing, time_of_day_values
from support.world import make_account, sign_in, text_of_class

from portal import clock, codes, create_app
from portal.accounts.audit import AuditEntry
from portal.db import db
from portal.feedback import receipts
from portal.feedback.models import FeedbackMessage, FeedbackThread

AGENT = "Mozilla/5.0 (Distinctive-Agent-7c41e; zebra-handset)"
FORWARDED = "203.0.113.77"
REMOTE = "198.51.100.23"
REFERRER = "https://referrer-7c41e.example/private-page"
FEEDBACK_TABLES = ("feedback_thread", "feedback_message")


def test_feedback_keeps_no_address_agent_referrer_or_time(tmp_path, caplog, capfd):
    # behind one proxy the app believes X-Forwarded-For, so the address is really in play
    app = create_app(portal_config(tmp_path, PROXY_COUNT=1))
    client = app.test_client()
    headers = {"User-Agent": AGENT, "X-Forwarded-For": FORWARDED, "Referer": REFERRER}
    environ = {"REMOTE_ADDR": REMOTE}
    with caplog.at_level(logging.DEBUG):
        sent = client.post("/feedback", data={"message": "The legal clinic was kind to me.",
                                              "topic": "service", "rating": "4"},
                           headers=headers, environ_base=environ)
        receipt = text_of_class(sent.get_data(as_text=True), "receipt")
        client.post("/feedback/status", data={"receipt": receipt, "message": "One more thing."},
                    headers=headers, environ_base=environ)
        client.post("/feedback/status", data={"receipt": "WRONG-CODE"}, headers=headers,
                    environ_base=environ)
    with app.app_context(), db.connection_context():
        rows = all_rows(db)
    output = capfd.readouterr()
    logged = caplog.text + output.out + output.err
    cookies = " ".join(sent.headers.getlist("Set-Cookie"))
    for needle in (AGENT, "Distinctive-Agent", "zebra", FORWARDED, REMOTE, REFERRER, "referrer-7c41e"):
        assert not cells_containing(rows, needle), needle
        assert needle not in logged, needle
        assert needle not in cookies, needle
    assert "POST /feedback 200" in logged  # the request log is there, without who sent it
    feedback_rows = {table: rows[table] for table in FEEDBACK_TABLES}
    assert not time_of_day_values(feedback_rows)
    assert len(rows["feedback_thread"]) == 1 and len(rows["feedback_message"]) == 2


def test_thread_holds_only_the_documented_columns(app):
    assert set(FeedbackThread._meta.fields) == {
        "id", "public_id", "receipt_hash", "topic", "rating", "quotable", "status", "tags", "created_on",
        "last_message_on", "public_quote", "public_action", "published_on",
        # the thread's key: sealed to the organisation, wrapped for the receipt, and the key of
        # the messages from before sealing until staff reply
        "sealed_key", "receipt_key", "legacy_key",
        # whether the writer kept it for the people named to handle complaints
        "restricted",
        # the published item in two languages, and the text proposed to the person, sealed
        "public_language", "public_quote_translation", "public_action_translation",
        "quote_state", "proposal",
        # the day the writer deleted it (the row stays, emptied, as a tombstone)
        "deleted_on",
        # the member of staff following it up, and the language of the page it was written on
        # (both emptied with the rest when the writer deletes it)
        "assigned_to", "language"}


# --- wrong receipts ---------------------------------------------------------------------------

def _without_echo(html: str) -> str:
    """The page with the typed receipt and the CSRF token taken out."""
    html = re.sub(r'(name="receipt"[^>]*value=")[^"]*"', r'\1"', html)
    return re.sub(r'(name="csrf_token" value=")[^"]*"', r'\1"', html)


class _Lookups:
    """Counts receipt hashes computed and thread lookups run."""

    def __init__(self, monkeypatch):
        self.hashes = 0
        self.selects = 0
        original_hash = receipts.receipt_hash
        original_execute = db.obj.execute_sql

        def counting_hash(code: str) -> str:
            self.hashes += 1
            return original_hash(code)

        def counting_execute(sql, params=None, *args, **kwargs):
            if sql.lstrip().upper().startswith("SELECT") and '"feedback_thread"' in sql:
                self.selects += 1
            return original_execute(sql, params, *args, **kwargs)

        monkeypatch.setattr(receipts, "receipt_hash", counting_hash)
        monkeypatch.setattr(db.obj, "execute_sql", counting_execute)

    def reset(self) -> None:
        self.hashes = self.selects = 0


def test_every_wrong_receipt_gets_the_same_answer_after_the_same_work(client, monkeypatch, query):
    real = codes.format_code(receipts.new_receipt())
    receipt = text_of_class(client.post("/feedback", data={"message": "Hello."}).get_data(as_text=True),
                            "receipt")
    near_miss = receipt[:-1] + ("2" if receipt[-1] != "2" else "3")
    wrong = {
        "unknown": real,
        "near miss": near_miss,
        "malformed": "hello!?",
        "only dashes": "----",
        "too long": "A" * 4000,
        "control characters": "\x00\x01ABC",
        "full width": "７ＫＱＭ－３ＷＸＤ",
        "right to left": "\u202eABCD-EFGH-JKMN-PQRS",
    }
    lookups = _Lookups(monkeypatch)
    pages = {}
    for name, typed in wrong.items():
        lookups.reset()
        response = client.post("/feedback/status", data={"receipt": typed})
        assert response.status_code == 200, name
        assert (lookups.hashes, lookups.selects) == (1, 1), name
        pages[name] = _without_echo(response.get_data(as_text=True))
        assert "We could not find a conversation for that code." in pages[name]
    assert len(set(pages.values())) == 1, "wrong receipts got different answers"
    # a follow-up sent with a wrong hidden receipt gets the same answer and stores nothing
    lookups.reset()
    response = client.post("/feedback/status", data={"receipt": near_miss, "message": "Not mine."})
    assert (lookups.hashes, lookups.selects) == (1, 1)
    assert _without_echo(response.get_data(as_text=True)) == pages["unknown"]
    assert query(lambda: FeedbackThread.get().status) == "new"


def test_an_empty_receipt_is_asked_for(client):
    html = client.post("/feedback/status", data={"receipt": ""}).get_data(as_text=True)
    assert "Enter the code from your receipt." in html


# --- rate limits ------------------------------------------------------------------------------

def test_the_form_is_rate_limited_with_a_friendly_page(client, query, fresh_window):
    from portal.throttle import FORM_LIMIT

    per_minute = int(FORM_LIMIT.split(" per minute")[0])
    for _ in range(per_minute):
        assert client.post("/feedback", data={"message": ""}).status_code == 200
    response = client.post("/feedback", data={"message": "One too many."})
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Please slow down" in html and "Nothing you typed was saved." in html
    assert "One too many." not in html
    assert client.get("/feedback").status_code == 200  # reading stays open
    assert query(lambda: FeedbackThread.select().count()) == 0


def test_receipt_lookups_are_rate_limited_with_a_friendly_page(client, fresh_window):
    for _ in range(10):
        assert client.post("/feedback/status", data={"receipt": "AAAA-BBBB-CCCC-DDDD"}).status_code == 200
    response = client.post("/feedback/status", data={"receipt": "AAAA-BBBB-CCCC-DDDE"})
    assert response.status_code == 429
    assert "Please slow down" in response.get_data(as_text=True)
    assert client.get("/feedback/status").status_code == 200


# --- reading changes nothing ------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/feedback", "/feedback/status", "/staff/feedback",
                                  "/staff/feedback/{id}", "/staff/feedback/export.csv",
                                  "/staff/feedback?status=new&topic=space&cursor=2020-01-01.5"])
def test_no_page_read_writes_to_the_database(app, path, query):
    client = app.test_client()
    client.post("/feedback", data={"message": "Hello.", "quotable": "y"})
    thread_id = query(lambda: FeedbackThread.get().public_id)
    sign_in(client, make_account(app, "staff", "reader"))
    with app.app_context(), WriteCounter(db.obj) as writes:
        response = client.get(path.format(id=thread_id))
        response.get_data()
    assert response.status_code == 200
    if path.endswith("export.csv"):
        # the download itself is audited, and that is all it writes
        assert len(writes.statements) == 1
        assert writes.statements[0].lstrip().upper().startswith('INSERT INTO "AUDIT_ENTRY"')
    else:
        assert not writes.statements
    assert query(lambda: FeedbackThread.get().status) == "new"


# --- numbers that tell no order ---------------------------------------------------------------

def test_thread_and_message_numbers_are_random_and_tell_no_order(app, query):
    client = app.test_client()
    for n in range(12):
        client.post("/feedback", data={"message": f"Message number {n}."})
    staff = app.test_client()
    sign_in(staff, make_account(app, "staff", "reader"))
    threads = query(lambda: list(FeedbackThread.select().order_by(FeedbackThread.id)))
    numbers = [t.public_id for t in threads]
    assert len(set(numbers)) == 12 and all(10**14 <= n < 10**15 for n in numbers)
    assert numbers != sorted(numbers) and numbers != sorted(numbers, reverse=True)
    # what staff see (links, titles, the export) carries the public number, never the row number
    listing = staff.get("/staff/feedback").get_data(as_text=True)
    shown = {int(n) for n in re.findall(r'href="/staff/feedback/(\d+)"', listing)}
    assert shown == set(numbers)
    assert staff.get(f"/staff/feedback/{threads[0].id}").status_code == 404
    export = staff.get("/staff/feedback/export.csv").get_data(as_text=True).splitlines()[1:]
    exported = [int(line.split(",")[0]) for line in export]
    assert exported == sorted(numbers)
    message_numbers = query(lambda: [m.public_id for m in
                                     FeedbackMessage.select().order_by(FeedbackMessage.id)])
    assert {int(line.split(",")[1]) for line in export} == set(message_numbers)
    assert message_numbers != sorted(message_numbers)


def test_audit_rows_about_threads_keep_the_day_and_rows_have_random_numbers(app, query):
    app.test_client().post("/feedback", data={"message": "Hello."})
    staff = app.test_client()
    staff_user = make_account(app, "staff", "writer")
    sign_in(staff, staff_user)
    thread = query(lambda: FeedbackThread.get())
    for text in ("First answer.", "Second answer.", "Third answer."):
        staff.post(f"/staff/feedback/{thread.public_id}/reply", data={"message": text})
    staff.post(f"/staff/feedback/{thread.public_id}/status", data={"status": "archived"})
    rows = query(lambda: list(AuditEntry.select()))
    assert len(rows) == 4
    midnight = dt.datetime.combine(clock.today(), dt.time.min)
    assert {row.created_at for row in rows} == {midnight}
    assert {row.subject_id for row in rows} == {thread.public_id}
    # row numbers are random, so a day-only row cannot be placed between two timed ones
    numbers = sorted(row.id for row in rows)
    assert numbers[-1] - numbers[0] > 1000
    # the staff's audit list shows the day for these rows, not a time
    admin = make_account(app, "admin", "boss")
    sign_in(staff, admin)
    page = staff.get("/staff/users").get_data(as_text=True)
    assert f'<time datetime="{clock.today().isoformat()}">' in page
    assert f'datetime="{midnight.isoformat()}"' not in page
