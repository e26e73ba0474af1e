"""Retention: `flask --app app purge` deletes old feedback; plus the schema and the demo data."""
from __future__ import annotations

import datetime as dt
import secrets

import pytest
from support.config import portal_config

from portal import clock, create_app
from portal.db import db
from portal.feedback import service
from portal.feedback.models import FeedbackMessage, FeedbackThread


def _thread(last_message_days_ago: int, messages: int = 1) -> FeedbackThread:
    """A thread whose last message is that many days old (the database must be open)."""
    last = clock.today() - dt.timedelta(days=last_message_days_ago)
    thread = FeedbackThread.create(receipt_hash=secrets.token_hex(32),
                                   created_on=last - dt.timedelta(days=30), last_message_on=last)
    for _ in range(messages):
        FeedbackMessage.create(thread=thread, author="client", body="Old words.", created_on=last)
    return thread


def _ids() -> list[int]:
    return [t.id for t in FeedbackThread.select().order_by(FeedbackThread.id)]


def test_purge_deletes_threads_past_retention_and_says_how_many(runner, query, monkeypatch):
    monkeypatch.setattr(service, "PURGE_BATCH", 1)  # every thread in its own batch
    kept = query(lambda: [_thread(0), _thread(364, 2), _thread(365, 2)])
    query(lambda: [_thread(366, 3), _thread(400), _thread(2000, 2)])
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "feedback: Deleted 3 feedback threads and 6 messages older than 365 days." in \
        result.output.splitlines()
    assert query(_ids) == [t.id for t in kept]
    assert query(lambda: FeedbackMessage.select().count()) == 5
    again = runner.invoke(args=["purge"])
    assert "feedback: Deleted 0 feedback threads and 0 messages older than 365 days." in \
        again.output.splitlines()


def test_a_recent_reply_keeps_an_old_thread(runner, query):
    def old_thread_with_new_reply() -> int:
        thread = _thread(500)
        FeedbackMessage.create(thread=thread, author="staff", body="Reply.", created_on=clock.today())
        thread.last_message_on = clock.today()
        thread.save()
        return thread.id
    thread_id = query(old_thread_with_new_reply)
    runner.invoke(args=["purge"])
    assert query(_ids) == [thread_id]


def test_retention_days_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_FEEDBACK_RETENTION_DAYS", "30")
    app = create_app(portal_config(tmp_path))
    assert app.config["FEEDBACK_RETENTION_DAYS"] == 30
    with app.app_context(), db.connection_context():
        recent, _old = _thread(29), _thread(31)
    result = app.test_cli_runner().invoke(args=["purge"])
    assert "Deleted 1 feedback threads and 1 messages older than 30 days." in result.output
    with app.app_context(), db.connection_context():
        assert _ids() == [recent.id]


def test_deleting_a_thread_deletes_its_messages_in_the_database_too(query):
    def delete_with_cascade() -> int:
        thread = _thread(1, 3)
        FeedbackThread.delete().where(FeedbackThread.id == thread.id).execute()
        return FeedbackMessage.select().count()
    assert query(delete_with_cascade) == 0


def test_purge_is_audited_by_count_only(runner, query):
    from portal.accounts.audit import AuditEntry

    query(lambda: _thread(900))
    runner.invoke(args=["purge"])
    assert query(lambda: [(e.action, e.subject_id, e.actor) for e in AuditEntry.select()]) == [
        ("feedback.purge", 1, None)]


def test_a_negative_retention_is_refused(tmp_path, query):
    app = create_app(portal_config(tmp_path, FEEDBACK_RETENTION_DAYS=-1))
    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code != 0 and "cannot be negative" in result.output


# --- the schema -------------------------------------------------------------------------------

def test_feedback_tables_have_the_indexes_the_staff_list_needs(query):
    indexes = query(lambda: {tuple(index.columns): index.unique
                             for index in db.get_indexes("feedback_thread")})
    assert indexes[("receipt_hash",)] is True
    for columns in [("status",), ("last_message_on",), ("published_on",), ("last_message_on", "id"),
                    ("status", "last_message_on", "id"), ("topic", "last_message_on", "id")]:
        assert columns in indexes, columns
    message_indexes = query(lambda: [tuple(i.columns) for i in db.get_indexes("feedback_message")])
    assert ("thread_id",) in message_indexes


def test_feedback_dates_are_dates_not_times(query):
    columns = query(lambda: {c.name: c.data_type.lower() for c in db.get_columns("feedback_thread")})
    assert all("time" not in columns[name] for name in ("created_on", "last_message_on", "published_on"))


# --- demo data --------------------------------------------------------------------------------

@pytest.fixture
def demo_output(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return result.output


def test_demo_makes_realistic_threads_once(runner, query, demo_output):
    statuses = query(lambda: {t.status for t in FeedbackThread.select()})
    assert query(lambda: FeedbackThread.select().count()) == 12
    assert statuses == {"new", "read", "replied", "archived"}
    assert query(lambda: len(service.published_items())) == 3
    staff_replies = query(lambda: list(FeedbackMessage.select().where(FeedbackMessage.author == "staff")))
    assert staff_replies and all(m.staff_user is not None for m in staff_replies)
    assert "Created 12 feedback threads" in demo_output
    again = runner.invoke(args=["demo"])
    assert "Feedback already has threads" in again.output
    assert query(lambda: FeedbackThread.select().count()) == 12


def test_demo_receipt_opens_its_thread(client, demo_output):
    # other areas' demo lines may follow the feedback one
    receipt = demo_output.rsplit("receipt ", 1)[1].split()[0]
    html = client.post("/feedback/status", data={"receipt": receipt}).get_data(as_text=True)
    assert "The evening drop-in is the only time I can come." in html
    public = client.get("/feedback").get_data(as_text=True)
    assert "We kept the Tuesday and Thursday evening drop-in" in public
