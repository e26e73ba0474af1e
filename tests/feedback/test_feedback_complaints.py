"""Complaints about someone on the team: read only by the accounts an admin names for them."""
from __future__ import annotations

import csv
import io
import re

import pytest
from support.database import WriteCounter
from support.world import sign_in, submit, text_of_class

from portal.accounts.audit import AuditEntry
from portal.accounts.models import User
from portal.db import db
from portal.feedback import area, service
from portal.feedback.models import FeedbackThread

COMPLAINT = "The man at the front desk shouted at me."
PRAISE = "The evening drop-in helps me a lot."


def send(app, message: str, readers: str = "team") -> str:
    """Feedback as a browser sends it; returns the receipt."""
    response = submit(app.test_client(), "/feedback", {"message": message, "readers": readers})
    receipt = text_of_class(response.get_data(as_text=True), "receipt")
    assert receipt, "no receipt"
    return receipt


def public_id(query, receipt: str) -> int:
    return query(lambda: service.find_thread(receipt).public_id)


def signed_in(app, user: User):
    """A browser of its own, logged in as `user`."""
    client = app.test_client()
    sign_in(client, user)
    return client


def name_for_complaints(app, admin: User, user: User) -> None:
    response = signed_in(app, admin).post(f"/staff/users/{user.id}/complaints")
    assert response.status_code == 302


@pytest.fixture
def team(app, make_user):
    """An admin, the staff member named for complaints, and one who is not."""
    admin = make_user("admin", username="ada")
    named = make_user("staff", username="nadia")
    other = make_user("staff", username="omar")
    name_for_complaints(app, admin, named)
    return {"admin": admin, "named": named, "other": other}


def without_token(html: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', html)


def thread_routes() -> list[tuple[str, str]]:
    """Every feedback route that names a thread, from the area's own access table."""
    return [tuple(key.split(" ", 1)) for key in area.access if "<id:thread_id>" in key]


def test_an_admin_names_people_for_complaints_on_the_accounts_page_and_it_is_audited(app, make_user, query):
    admin = make_user("admin", username="ada")
    staff = make_user("staff", username="nadia")
    council = make_user("council", username="cora")
    browser = signed_in(app, admin)
    page = browser.get("/staff/users").get_data(as_text=True)
    assert "Reads complaints" in page and f"/staff/users/{staff.id}/complaints" in page
    assert f"/staff/users/{council.id}/complaints" not in page
    browser.post(f"/staff/users/{staff.id}/complaints")
    assert query(lambda: User.get_by_id(staff.id).handles_complaints)
    # a council member cannot be named: the refusal is a message, nothing changes
    answer = browser.post(f"/staff/users/{council.id}/complaints", follow_redirects=True)
    assert answer.status_code == 200
    assert "Only an active staff or admin account" in answer.get_data(as_text=True)
    assert not query(lambda: User.get_by_id(council.id).handles_complaints)
    browser.post(f"/staff/users/{staff.id}/complaints")
    assert not query(lambda: User.get_by_id(staff.id).handles_complaints)
    actions = query(lambda: [(e.action, e.subject_id) for e in AuditEntry.select()
                             .where(AuditEntry.action.startswith("user.complaints"))])
    assert sorted(actions) == [("user.complaints_named", staff.id), ("user.complaints_unnamed", staff.id)]
    # staff cannot name anyone, themselves included
    assert signed_in(app, staff).post(f"/staff/users/{staff.id}/complaints").status_code == 403
    assert not query(lambda: User.get_by_id(staff.id).handles_complaints)


def test_a_restricted_complaint_reaches_only_the_people_named_for_complaints(app, team, query):
    complaint = public_id(query, send(app, COMPLAINT, readers="complaints"))
    praise = public_id(query, send(app, PRAISE))
    assert query(lambda: FeedbackThread.get(FeedbackThread.public_id == complaint).restricted)
    named = signed_in(app, team["named"])
    listing = named.get("/staff/feedback").get_data(as_text=True)
    assert f"/staff/feedback/{complaint}" in listing and f"/staff/feedback/{praise}" in listing
    page = named.get(f"/staff/feedback/{complaint}").get_data(as_text=True)
    assert COMPLAINT in page and "Only the people named to handle complaints" in page
    rows = list(csv.reader(io.StringIO(named.get("/staff/feedback/export.csv").get_data(as_text=True))))
    assert COMPLAINT in {row[-1] for row in rows}
    for role in ("other", "admin"):
        browser = signed_in(app, team[role])
        listing = browser.get("/staff/feedback").get_data(as_text=True)
        assert f"/staff/feedback/{praise}" in listing, role
        assert f"/staff/feedback/{complaint}" not in listing and COMPLAINT not in listing, role
        for status in ("new", "", "read"):
            assert COMPLAINT not in browser.get(f"/staff/feedback?status={status}").get_data(as_text=True)
        export = browser.get("/staff/feedback/export.csv").get_data(as_text=True)
        assert PRAISE in export and COMPLAINT not in export and str(complaint) not in export, role


@pytest.mark.parametrize("role", ["other", "admin"])
def test_every_thread_address_of_a_restricted_complaint_is_a_404_to_those_not_named(app, team, query, role):
    complaint = public_id(query, send(app, COMPLAINT, readers="complaints"))
    missing = complaint + 1 if complaint < 10**15 - 1 else complaint - 1
    browser = signed_in(app, team[role])
    routes = thread_routes()
    assert {rule.rsplit("/", 1)[-1] for _m, rule in routes} >= {"<id:thread_id>", "reply", "status"}
    before = query(lambda: [(t.status, t.tags, t.published_on) for t in FeedbackThread.select()])
    for method, rule in routes:
        # a reply's address names a message too: any number, the thread is refused first
        rule = rule.replace("<id:message_id>", "123456789012345")
        data = {"message": "Hello", "status": "archived", "tags": "x", "quote": "q",
                "action_taken": "a", "note": "n"}
        with WriteCounter(db.obj) as writes:
            answer = browser.open(rule.replace("<id:thread_id>", str(complaint)), method=method, data=data)
        assert answer.status_code == 404, f"{method} {rule} as {role}"
        assert not writes.statements, f"{method} {rule} as {role} wrote {writes.statements}"
        # the same page as a thread that does not exist: nothing tells the two apart
        unknown = browser.open(rule.replace("<id:thread_id>", str(missing)), method=method, data=data)
        # (the form token on the page carries the second it was made)
        assert unknown.status_code == 404 and (without_token(answer.get_data(as_text=True))
                                               == without_token(unknown.get_data(as_text=True)).replace(
                                                   str(missing), str(complaint)))
    assert query(lambda: [(t.status, t.tags, t.published_on) for t in FeedbackThread.select()]) == before
    # and the person named for complaints does all of it
    named = signed_in(app, team["named"])
    assert named.get(f"/staff/feedback/{complaint}").status_code == 200
    answer = named.post(f"/staff/feedback/{complaint}/reply", data={"message": "We are sorry."})
    assert answer.status_code == 302


def test_with_nobody_named_the_form_says_the_admins_read_it_and_only_they_do(app, make_user, query):
    admin = make_user("admin", username="ada")
    staff = make_user("staff", username="omar")
    form = app.test_client().get("/feedback").get_data(as_text=True)
    assert "Nobody is named to handle complaints at the moment" in form
    assert "only our admins will read it" in form
    complaint = public_id(query, send(app, COMPLAINT, readers="complaints"))
    assert signed_in(app, admin).get(f"/staff/feedback/{complaint}").status_code == 200
    assert signed_in(app, staff).get(f"/staff/feedback/{complaint}").status_code == 404
    # once someone is named, the admins no longer read it, and the form says so
    name_for_complaints(app, admin, staff)
    assert signed_in(app, staff).get(f"/staff/feedback/{complaint}").status_code == 200
    assert signed_in(app, admin).get(f"/staff/feedback/{complaint}").status_code == 404
    form = app.test_client().get("/feedback").get_data(as_text=True)
    assert "Nobody is named" not in form and "they will not see it" in form


def test_a_deactivated_account_named_for_complaints_reads_nothing_and_does_not_count(app, make_user, query):
    admin = make_user("admin", username="ada")
    named = make_user("staff", username="nadia")
    name_for_complaints(app, admin, named)
    signed_in(app, admin).post(f"/staff/users/{named.id}/deactivate")
    assert not query(service.anyone_named_for_complaints)
    complaint = public_id(query, send(app, COMPLAINT, readers="complaints"))
    # nobody active is named: the admins read it, as the form says
    assert signed_in(app, admin).get(f"/staff/feedback/{complaint}").status_code == 200


def test_feedback_for_the_team_is_the_default_and_a_nonsense_choice_is_a_form_error(app, query):
    receipt = send(app, PRAISE)
    assert not query(lambda: service.find_thread(receipt).restricted)
    answer = submit(app.test_client(), "/feedback", {"message": PRAISE, "readers": "everyone"})
    assert answer.status_code == 200 and not text_of_class(answer.get_data(as_text=True), "receipt")
    assert query(lambda: FeedbackThread.select().count()) == 1
