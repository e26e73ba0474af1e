"""Proposals: members respond while open and see others only after responding or closing;
staff alone record decisions; published outcomes reach the public page."""
from __future__ import annotations

import datetime as dt

from council_factories import (
    add_member,
    give_access,
    make_proposal,
    member_client,
    staff_client,
)

from portal.clock import today
from portal.council.models import Proposal, ProposalResponse
from portal.db import db


def _read(client, path: str) -> str:
    return client.get(path).get_data(as_text=True)


def _respond(browser, proposal, position="support", comment="", **extra):
    return browser.post(f"/council/proposals/{proposal.public_id}",
                        data={"position": position, "comment": comment, **extra})


def test_a_members_response_is_hidden_from_others_until_they_respond(app):
    early, late = add_member(app, name="Ama"), add_member(app, name="Luz")
    early_browser, late_browser = member_client(app, early), member_client(app, late)
    give_access(app)
    proposal = make_proposal(app)
    assert _respond(early_browser, proposal, "object", "Mornings matter to the clinic").status_code == 302
    before = _read(late_browser, f"/council/proposals/{proposal.public_id}")
    assert "Mornings matter to the clinic" not in before and "Ama" not in before
    assert "once you have sent yours" in before
    _respond(late_browser, proposal, "support")
    after = _read(late_browser, f"/council/proposals/{proposal.public_id}")
    assert "Mornings matter to the clinic" in after and "Ama" in after


def test_every_response_is_visible_to_members_once_the_proposal_closes(app, query):
    writer, silent = add_member(app, name="Ama"), add_member(app, name="Luz")
    writer_browser, silent_browser = member_client(app, writer), member_client(app, silent)
    give_access(app)
    proposal = make_proposal(app)
    _respond(writer_browser, proposal, "concerns", "Only with two staff at night")
    with app.app_context(), db.connection_context():
        Proposal.update(closes_on=today() - dt.timedelta(days=1)).where(Proposal.id == proposal.id).execute()
    page = _read(silent_browser, f"/council/proposals/{proposal.public_id}")
    assert "Only with two staff at night" in page
    assert "You did not respond before it closed." in page


def test_a_member_changes_their_response_until_closing_and_edits_are_refused_after(app, query):
    member = add_member(app, name="Ama")
    browser = member_client(app, member)
    proposal = make_proposal(app)
    _respond(browser, proposal, "support", "first thought")
    _respond(browser, proposal, "object", "second thought")
    rows = query(lambda: list(ProposalResponse.select()))
    assert [r.position for r in rows] == ["object"]
    with app.app_context(), db.connection_context():
        Proposal.update(closes_on=today() - dt.timedelta(days=1)).where(Proposal.id == proposal.id).execute()
    refused = _respond(browser, proposal, "support", "too late now")
    assert refused.status_code == 200
    assert "This proposal has closed" in refused.get_data(as_text=True)
    assert [r.position for r in query(lambda: list(ProposalResponse.select()))] == ["object"]


def test_the_closing_day_itself_still_takes_responses(app):
    browser = member_client(app, add_member(app))
    proposal = make_proposal(app, closes_in=0)
    assert _respond(browser, proposal).status_code == 302


def test_a_draft_is_not_shown_to_members(app):
    browser = member_client(app, add_member(app))
    draft = make_proposal(app, state="draft")
    assert browser.get(f"/council/proposals/{draft.public_id}").status_code == 404
    assert _respond(browser, draft).status_code == 404


def test_a_response_without_a_name_still_counts_and_hides_the_name_from_staff_and_members(app):
    shy, other = add_member(app, name="Zephyrine"), add_member(app, name="Luz")
    shy_browser, other_browser = member_client(app, shy), member_client(app, other)
    give_access(app)
    proposal = make_proposal(app)
    _respond(shy_browser, proposal, "object", "I object to this", hide_name="y")
    _respond(other_browser, proposal, "support")
    staff_page = _read(staff_client(app), f"/staff/council/proposals/{proposal.public_id}")
    assert "Zephyrine" not in staff_page and "I object to this" in staff_page
    assert "A member (name withheld)" in staff_page
    tally = staff_page.split("Tally")[1]
    assert "Object</th><td class=\"num\">1<" in tally.replace("\n", "")
    assert "Zephyrine" not in _read(other_browser, f"/council/proposals/{proposal.public_id}")
    # the member still sees their own
    assert "Zephyrine" in _read(shy_browser, f"/council/proposals/{proposal.public_id}")


def test_only_staff_record_a_decision_and_the_council_then_sees_it(app, query):
    member = add_member(app)
    browser = member_client(app, member)
    proposal = make_proposal(app)
    decision = {"decision": "Open late on Thursdays", "action": "Two staff every late shift"}
    path = f"/staff/council/proposals/{proposal.public_id}/decision"
    assert browser.post(path, data=decision).status_code == 403
    assert query(lambda: Proposal.get_by_id(proposal.id).decision) is None
    staff = staff_client(app)
    assert staff.post(path, data=decision).status_code == 302
    assert "Open late on Thursdays" in _read(browser, f"/council/proposals/{proposal.public_id}")
    # not public until staff publish it
    assert "Open late on Thursdays" not in app.test_client().get("/council").get_data(as_text=True)
    staff.post(f"/staff/council/proposals/{proposal.public_id}/publish", data={"publish": "yes"})
    public = app.test_client().get("/council").get_data(as_text=True)
    assert "Open late on Thursdays" in public and "Two staff every late shift" in public
    staff.post(f"/staff/council/proposals/{proposal.public_id}/publish", data={"publish": "no"})
    assert "Open late on Thursdays" not in app.test_client().get("/council").get_data(as_text=True)


def test_publishing_needs_a_decision_first(app, query):
    proposal = make_proposal(app)
    page = staff_client(app).post(f"/staff/council/proposals/{proposal.public_id}/publish",
                                  data={"publish": "yes"}, follow_redirects=True)
    assert "Record the decision before publishing it." in page.get_data(as_text=True)
    assert query(lambda: Proposal.get_by_id(proposal.id).published_on) is None


def test_staff_write_open_and_read_a_proposal_with_sanitised_background(app, query):
    staff = staff_client(app)
    made = staff.post("/staff/council/proposals/new", data={
        "title": "Phone line", "question": "Peer worker at weekends?",
        "background": "Costs <script>alert(1)</script> **about the same**", "attachments": "",
        "closes_on": (today() + dt.timedelta(days=7)).isoformat()})
    assert made.status_code == 302
    proposal = query(lambda: Proposal.get(Proposal.title == "Phone line"))
    assert proposal.state == "draft"
    staff.post(f"/staff/council/proposals/{proposal.public_id}/open")
    assert query(lambda: Proposal.get_by_id(proposal.id).state) == "open"
    browser = member_client(app, add_member(app))
    page = _read(browser, f"/council/proposals/{proposal.public_id}")
    assert "<strong>about the same</strong>" in page and "<script>alert" not in page


def test_a_closing_date_in_the_past_is_refused_with_the_form_kept(app, query):
    page = staff_client(app).post("/staff/council/proposals/new", data={
        "title": "Old news", "question": "Q?", "closes_on": "2001-01-01"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "cannot be in the past" in html and "Old news" in html
    assert query(lambda: Proposal.select().count()) == 0


def test_unknown_proposal_ids_are_404_pages(app):
    browser = member_client(app, add_member(app))
    assert browser.get("/council/proposals/123456789012345").status_code == 404
    assert staff_client(app).get("/staff/council/proposals/99999999999999999999").status_code == 404


def test_comments_are_sealed_for_staff_and_council(app, query):
    browser = member_client(app, add_member(app))
    proposal = make_proposal(app)
    _respond(browser, proposal, "support", "canary comment words")
    row = query(lambda: ProposalResponse.get())
    assert b"canary" not in row.comment and row.org_key and row.council_key


def test_a_member_reads_their_own_comment_before_staff_give_them_the_council_key(app):
    browser = member_client(app, add_member(app))
    proposal = make_proposal(app)
    _respond(browser, proposal, "object", "My own words come back to me")
    assert "My own words come back to me" in _read(browser, f"/council/proposals/{proposal.public_id}")
