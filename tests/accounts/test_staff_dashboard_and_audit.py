"""The staff dashboard shows what waits in each area; the audit trail reads as sentences, filters
by person, action and days, and downloads as CSV (the download itself recorded)."""
from __future__ import annotations

import csv
import datetime as dt
import io

from support.world import log_in, make_account, submit

from portal.accounts.audit import AuditEntry
from portal.db import db
from portal.feedback import service
from portal.feedback.models import FeedbackThread


def test_the_dashboard_counts_what_waits_and_links_the_longest_waiting(app):
    with app.test_request_context("/"), db.connection_context():
        for words in ("One.", "Two.", "Three."):
            service.submit_feedback(words)
        oldest = FeedbackThread.select().first()
        (FeedbackThread.update(last_message_on=dt.date(2026, 1, 5))
         .where(FeedbackThread.id == oldest.id).execute())
        FeedbackThread.update(status="read").where(FeedbackThread.id != oldest.id).execute()
    client = app.test_client()
    log_in(client, make_account(app, "staff", "marta"))
    page = client.get("/staff/").get_data(as_text=True)
    assert "1 thread nobody has read" in page
    assert "3 threads waiting for a reply" in page
    assert f'href="/staff/feedback/{oldest.public_id}">Waiting since Jan 5, 2026' in page
    assert "surveys taking answers" in page


def test_the_dashboard_in_spanish(app):
    client = app.test_client()
    log_in(client, make_account(app, "staff", "marta"))
    page = client.get("/staff/?lang=es").get_data(as_text=True)
    assert "0 conversaciones esperan una respuesta" in page


def test_the_audit_trail_reads_as_sentences_and_filters(app):
    admin = make_account(app, "admin", "ana")
    staff = make_account(app, "staff", "demo-staff")
    client = app.test_client()
    log_in(client, admin)
    assert submit(client, f"/staff/users/{staff.id}/deactivate", {}, page="/staff/users").status_code == 302
    page = client.get("/staff/audit").get_data(as_text=True)
    today = dt.date.today()
    assert "ana deactivated demo-staff on " in page
    only_system = client.get("/staff/audit?person=system").get_data(as_text=True)
    assert "ana deactivated" not in only_system
    by_action = client.get("/staff/audit?action=user.deactivated").get_data(as_text=True)
    assert "ana deactivated demo-staff" in by_action
    future = (today + dt.timedelta(days=2)).isoformat()
    later = client.get(f"/staff/audit?since={future}").get_data(as_text=True)
    assert "ana deactivated" not in later and "Nothing matches these filters." in later
    # nonsense in the filters is ignored, never a 500
    odd = client.get("/staff/audit?person=99999999999999999999&action=%00&since=tomorrow")
    assert odd.status_code == 200


def test_the_audit_trail_downloads_as_csv_and_the_download_is_recorded(app, query):
    admin = make_account(app, "admin", "ana")
    client = app.test_client()
    log_in(client, admin)
    response = client.get("/staff/audit.csv?action=accounts.audit_export")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["when", "who", "action", "subject", "in_words"]
    exports = AuditEntry.select().where(AuditEntry.action == "accounts.audit_export")
    assert query(lambda: exports.count()) == 1


def test_only_admins_reach_the_audit_trail(app):
    for role in ("staff", "council"):
        client = app.test_client()
        log_in(client, make_account(app, role, f"someone-{role}"))
        assert client.get("/staff/audit").status_code == 403
        assert client.get("/staff/audit.csv").status_code == 403


def test_the_dashboard_does_not_count_complaints_kept_from_this_person(app):
    with app.test_request_context("/"), db.connection_context():
        service.submit_feedback("About a staff member.", restricted=True)
        service.submit_feedback("About the kitchen.")
    reader = make_account(app, "staff", "named")
    with app.app_context(), db.connection_context():
        from portal.accounts.models import User
        User.update(handles_complaints=True).where(User.id == reader.id).execute()
    other = app.test_client()
    log_in(other, make_account(app, "staff", "marta"))
    assert "1 thread waiting for a reply" in other.get("/staff/").get_data(as_text=True)
    named = app.test_client()
    log_in(named, reader)
    assert "2 threads waiting for a reply" in named.get("/staff/").get_data(as_text=True)


def test_the_dashboard_shows_takedowns_waiting_and_consents_ending(app):
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "stories"))
    from story_factories import make_story

    from portal import clock
    from portal.stories import service as stories

    with app.test_request_context("/"), db.connection_context():
        story, code = make_story(consent_expires_on=clock.today() + dt.timedelta(days=10))
        key = stories.key_for_code(story, code)
        stories.use_story(story, "funders", "Annual report", None, "Report, page 4", story.attribution,
                          item_key=key)
        stories.withdraw(story, ["funders"], "code")
        make_story()
    client = app.test_client()
    log_in(client, make_account(app, "staff", "marta"))
    page = client.get("/staff/").get_data(as_text=True)
    assert "1 takedown task waiting" in page
    assert "1 consent ends within 30 days" in page
    assert f'href="/staff/stories/{story.public_id}">A consent ends on' in page


def test_the_dashboard_shows_proposals_closing_and_waiting_for_a_decision(app):
    from portal import clock
    from portal.accounts.models import User
    from portal.council import service as council

    staff = make_account(app, "staff", "marta")
    with app.test_request_context("/"), db.connection_context():
        actor = User.get_by_id(staff.id)
        soon = council.save_proposal(actor, None, "Evening hours", "Open late?", "", "",
                                     clock.today() + dt.timedelta(days=3))
        council.open_proposal(actor, soon)
        past = council.save_proposal(actor, None, "Old question", "Was it good?", "", "",
                                     clock.today() + dt.timedelta(days=1))
        council.open_proposal(actor, past)
        decided = council.save_proposal(actor, None, "Answered question", "Decided?", "", "",
                                        clock.today() + dt.timedelta(days=1))
        council.open_proposal(actor, decided)
        from portal.council.models import Proposal
        (Proposal.update(closes_on=clock.today() - dt.timedelta(days=2))
         .where(Proposal.id.in_([past.id, decided.id])).execute())
        # a proposal already answered waits for nobody
        council.record_decision(actor, Proposal.get_by_id(decided.id), "We open late on Thursdays.", "")
    client = app.test_client()
    log_in(client, staff)
    page = client.get("/staff/").get_data(as_text=True)
    assert "1 proposal open to the council" in page
    assert f'href="/staff/council/proposals/{soon.public_id}">“Evening hours” closes on' in page
    assert "1 closed proposal waiting for a decision" in page
