"""Who reaches what: members land on their own page, never reach /staff/*, and cannot act on
another member's response; invitations let a member choose their own login name."""
from __future__ import annotations

import pytest
from council_factories import add_member, make_proposal, member_client, member_of, staff_client

from portal.accounts.models import User
from portal.council.models import ProposalResponse
from portal.db import db


def test_a_council_member_cannot_reach_any_staff_page(app):
    member = add_member(app)
    browser = member_client(app, member)
    proposal = make_proposal(app)
    values = {"proposal_id": proposal.public_id, "member_id": member_of(app, member).public_id,
              "meeting_id": 1, "entry_id": 1, "user_id": member.id, "link_id": 1, "slug": "x",
              "number": 1, "thread_id": 1, "action": "reset"}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/staff"):
            continue
        with app.test_request_context():
            path = app.url_map.bind("localhost").build(
                rule.endpoint, {name: values.get(name, 1) for name in rule.arguments})
        for method in sorted(rule.methods & {"GET", "POST"}):
            answer = browser.open(path, method=method)
            assert answer.status_code == 403, f"{method} {path}: {answer.status_code}"


def test_a_member_lands_on_their_council_page_after_login(app):
    member = add_member(app)
    answer = member_client(app, member)  # log_in asserts a redirect
    from support.world import submit

    again = app.test_client()
    response = submit(again, "/login", {"username": member.username, "password": "correct-kettle-meadow-42"})
    assert response.location.endswith("/council/home")
    home = again.get("/council/home").get_data(as_text=True)
    assert "What the portal keeps about you" in home and "My council page" in home
    assert answer is not None


def test_a_member_cannot_change_another_members_response(app, query):
    owner, other = add_member(app, name="Ama"), add_member(app, name="Luz")
    proposal = make_proposal(app)
    member_client(app, owner).post(f"/council/proposals/{proposal.public_id}",
                                   data={"position": "object", "comment": "mine"})
    before = query(lambda: [(r.member_id, r.position) for r in ProposalResponse.select()])
    owner_response = query(lambda: ProposalResponse.get())
    member_client(app, other).post(f"/council/proposals/{proposal.public_id}", data={
        "position": "support", "comment": "overwritten", "member": owner_response.member_id,
        "member_id": owner_response.member_id, "response": owner_response.public_id})
    after = query(lambda: {(r.member_id, r.position) for r in ProposalResponse.select()})
    assert set(before) <= after
    assert (owner_response.member_id, "object") in after


def test_staff_cannot_respond_in_a_members_place(app, query):
    proposal = make_proposal(app)
    answer = staff_client(app).post(f"/council/proposals/{proposal.public_id}",
                                    data={"position": "support"})
    assert answer.status_code == 403
    assert query(lambda: ProposalResponse.select().count()) == 0


def test_an_account_not_on_the_roster_reads_but_cannot_respond(app, make_user, auth, query):
    outsider = make_user("council")
    proposal = make_proposal(app)
    auth.login(outsider)
    page = auth.client.post(f"/council/proposals/{proposal.public_id}", data={"position": "support"})
    assert page.status_code == 200
    assert query(lambda: ProposalResponse.select().count()) == 0


def test_an_invited_member_chooses_their_own_login_and_display_name(app, query):
    from portal.accounts import service

    with app.test_request_context("/"), db.connection_context():
        token = service.issue_link("invite", "council", username="suggested-name")
    client = app.test_client()
    form = client.get(f"/account/setup?token={token}").get_data(as_text=True)
    assert 'value="suggested-name"' in form
    answer = client.post("/account/setup", data={
        "token": token, "username": "moonlight", "display_name": "Luna",
        "password": "a-long-enough-passphrase-9", "confirm": "a-long-enough-passphrase-9"})
    assert answer.status_code == 302 and answer.location.endswith("/council/home")
    user = query(lambda: User.by_username("moonlight"))
    assert user.display_name == "Luna" and user.role == "council"
    assert query(lambda: User.by_username("suggested-name")) is None


@pytest.mark.parametrize("path", ["/staff/council/members/1", "/staff/council/meetings/42",
                                  "/council/meetings/42"])
def test_unknown_ids_get_the_not_found_page(app, path):
    client = staff_client(app) if path.startswith("/staff") else member_client(app, add_member(app))
    assert client.get(path).status_code == 404


def test_oversize_text_is_refused_with_a_message_and_nothing_stored(app, query):
    member = add_member(app)
    browser = member_client(app, member)
    proposal = make_proposal(app)
    page = browser.post(f"/council/proposals/{proposal.public_id}",
                        data={"position": "support", "comment": "x" * 5001})
    assert page.status_code == 200 and "Please shorten this" in page.get_data(as_text=True)
    assert query(lambda: ProposalResponse.select().count()) == 0



def test_reading_council_pages_writes_nothing_and_giving_access_is_a_post(app, query):
    from portal.council.models import CouncilGrant, CouncilSettings

    member = add_member(app)
    member_client(app, member)  # the member's own key is made at login
    staff = staff_client(app)
    for path in ("/council", "/staff/council", "/staff/council/settings"):
        assert staff.get(path).status_code == 200
    assert query(lambda: CouncilSettings.select().count()) == 0
    assert query(lambda: CouncilGrant.select().count()) == 0
    assert staff.post("/staff/council/access").status_code == 302
    assert query(lambda: CouncilGrant.select().count()) == 1
