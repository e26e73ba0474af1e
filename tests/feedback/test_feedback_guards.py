"""Feedback rules that a quiet change could undo: each test names the rule it keeps."""
from __future__ import annotations

import csv
import hashlib
import hmac
import io
import re

import pytest
from support.config import portal_config
from support.world import text_of_class

from portal import codes, create_app
from portal.accounts.audit import AuditEntry
from portal.db import close_pool, db
from portal.feedback import models, service
from portal.feedback.models import FeedbackMessage, FeedbackThread


def _send(client, message: str = "The kettle is broken.", **fields) -> str:
    response = client.post("/feedback", data={"message": message, "topic": "", **fields})
    return text_of_class(response.get_data(as_text=True), "receipt")


def test_the_stored_receipt_hash_is_keyed_with_the_secret_key(app, client, query):
    receipt = _send(client)
    expected = hmac.new(app.config["SECRET_KEY"].encode(),
                        b"feedback-receipt:" + codes.normalise(receipt).encode(),
                        hashlib.sha256).hexdigest()
    stored = query(lambda: FeedbackThread.get().receipt_hash)
    assert stored == expected
    assert stored != hashlib.sha256(codes.normalise(receipt).encode()).hexdigest()


def test_a_receipt_stops_working_under_another_secret_key(tmp_path):
    config = portal_config(tmp_path)
    first = create_app(config)
    receipt = _send(first.test_client())
    close_pool()
    other = create_app({**config, "SECRET_KEY": config["SECRET_KEY"] + "-changed"})
    page = other.test_client().post("/feedback/status", data={"receipt": receipt})
    assert "The kettle is broken." not in page.get_data(as_text=True)
    close_pool()


def test_publishing_without_permission_is_refused_by_the_service(app, client, auth, make_user, query):
    _send(client, "Please keep the evening drop-in.")
    thread_id, public_id = query(lambda: (FeedbackThread.get().id, FeedbackThread.get().public_id))
    staff = make_user("staff")
    # the service itself refuses, whatever the view or the SQL guard do
    with app.test_request_context(), pytest.raises(service.FeedbackError):
        query(lambda: service.publish(staff, FeedbackThread.get_by_id(thread_id)))
    auth.login(staff)
    response = client.post(f"/staff/feedback/{public_id}/propose",
                           data={"language": "en", "quote": "Please keep it.", "action_taken": "Kept it."},
                           follow_redirects=True)
    assert "did not agree to be quoted" in response.get_data(as_text=True)
    response = client.post(f"/staff/feedback/{public_id}/publish", follow_redirects=True)
    html = response.get_data(as_text=True)
    # the refusal itself, as an error flash, not a notice the page always shows
    assert re.search(r'class="flash flash-error">[^<]*has not approved a text to publish', html)
    assert "Published on the" not in html
    assert query(lambda: FeedbackThread.get_by_id(thread_id).published_on) is None
    assert query(lambda: AuditEntry.select().where(AuditEntry.action.in_(
        ("feedback.publish", "feedback.propose"))).count()) == 0


@pytest.mark.parametrize("tag", ["=cmd", "+1", "-2", "@sum"])
def test_a_tag_that_looks_like_a_formula_is_exported_defused(app, client, auth, make_user, query, tag):
    _send(client)
    thread_id = query(lambda: FeedbackThread.get().id)
    query(lambda: FeedbackThread.update(tags=tag).where(FeedbackThread.id == thread_id).execute())
    auth.login(make_user("staff"))
    rows = list(csv.DictReader(io.StringIO(client.get("/staff/feedback/export.csv").get_data(as_text=True))))
    assert rows[0]["tags"] == "'" + tag


def test_a_failure_while_storing_feedback_leaves_no_half_thread(app, client, query, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(FeedbackMessage, "create", broken)
    response = client.post("/feedback", data={"message": "Hello.", "topic": ""})
    assert response.status_code == 500
    assert query(lambda: FeedbackThread.select().count()) == 0


def test_request_connections_write_with_full_synchronous_commits(app, client, tmp_path):
    if not db.obj.__class__.__name__.startswith("Pooled") or "sqlite" not in app.config["DATABASE_URL"]:
        pytest.skip("SQLite only")
    seen = {}

    @app.get("/synchronous-probe")
    def probe():
        seen["value"] = db.execute_sql("PRAGMA synchronous").fetchone()[0]
        return "ok"

    probe._access = ("public",)
    assert client.get("/synchronous-probe").status_code == 200
    assert seen["value"] == 2, "2 is FULL"


def test_topics_are_one_list_with_labels():
    assert models.TOPICS.values == ("service", "staff", "space", "other")
