"""Optional email: a short "something to read" note when a proposal opens and two days before it
closes, through a local SMTP test server; never the proposal's content."""
from __future__ import annotations

import datetime as dt
import socket

import pytest
from aiosmtpd.controller import Controller
from council_factories import add_member, make_proposal, member_client, profile_data, staff_client

from portal.clock import today
from portal.council.models import Member
from portal.db import db


class Inbox:
    """An SMTP handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append((list(envelope.rcpt_tos), envelope.content.decode("utf-8", "replace")))
        return "250 OK"


@pytest.fixture
def inbox(app):
    handler = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    app.config["MAIL_FROM"] = "council@example.org"
    yield handler
    controller.stop()


def _with_address(app, address: str):
    member = add_member(app, name="Ama")
    member_client(app, member).post("/council/profile", data=profile_data("Ama", email=address))
    return member


def test_opening_a_proposal_sends_a_note_that_says_only_there_is_something_to_read(app, inbox, query):
    _with_address(app, "ama@example.org")
    add_member(app, name="No address")
    assert query(lambda: Member.get(Member.name == "Ama").email) == "ama@example.org"
    proposal = make_proposal(app, title="Secret title about the weekend line", state="draft")
    staff_client(app).post(f"/staff/council/proposals/{proposal.public_id}/open")
    assert len(inbox.messages) == 1
    recipients, content = inbox.messages[0]
    assert recipients == ["ama@example.org"]
    assert "something new" in content and "/council/proposals" in content
    assert "Secret title" not in content and "Should we stay open" not in content


def test_the_reminder_command_sends_once_two_days_before_closing(app, inbox, runner):
    _with_address(app, "ama@example.org")
    make_proposal(app, title="Closing soon", closes_in=2)
    make_proposal(app, title="Closing later", closes_in=5)
    first = runner.invoke(args=["council-reminders"])
    assert first.exit_code == 0 and "1 reminder messages sent" in first.output
    assert len(inbox.messages) == 1 and "two days" in inbox.messages[0][1]
    again = runner.invoke(args=["council-reminders"])
    assert "0 reminder messages sent" in again.output and len(inbox.messages) == 1


def test_without_an_smtp_server_nothing_is_sent_and_the_command_says_so(app, runner):
    _with_address(app, "ama@example.org")
    make_proposal(app, closes_in=2)
    result = runner.invoke(args=["council-reminders"])
    assert result.exit_code == 0 and "PORTAL_SMTP_URL is not set" in result.output


def test_the_address_is_stored_encrypted(app, query):
    _with_address(app, "hidden-address@example.org")
    raw = query(lambda: db.execute_sql("SELECT email FROM council_member").fetchone()[0])
    assert "hidden-address" not in raw


def test_an_unreachable_server_does_not_break_opening_a_proposal(app, query):
    app.config["SMTP_URL"] = "smtp://127.0.0.1:1"
    _with_address(app, "ama@example.org")
    proposal = make_proposal(app, state="draft", closes_in=3)
    answer = staff_client(app).post(f"/staff/council/proposals/{proposal.public_id}/open")
    assert answer.status_code == 302
    from portal.council.models import Proposal

    assert query(lambda: Proposal.get_by_id(proposal.id).state) == "open"
    assert query(lambda: Proposal.get_by_id(proposal.id).closes_on) == today() + dt.timedelta(days=3)
