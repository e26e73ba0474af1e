"""Staff edit funders, restrictions, partnerships and services; nobody else may; bad input gets a
clear message and nothing stored is lost."""
from __future__ import annotations

import re

import pytest
from support.database import WriteCounter, all_rows
from support.rows import area_rows
from support.world import sign_in

from portal.accounts.audit import AuditEntry
from portal.db import db
from portal.transparency.models import FundingSource, Partnership, Restriction, Service, ServiceFunding

FUNDER_FORM = {"funder_name": "  Riverbend Community Foundation ", "funder_type": "foundation",
               "programme": "General operating support", "description": "Keeps the drop-in open.",
               "amount": "", "amount_band": "100k-250k", "currency": "usd", "starts_on": "2025-01-01",
               "ends_on": "2026-12-31", "client_data": "aggregate", "client_data_detail": "A yearly report."}


@pytest.fixture
def staff(make_user):
    return make_user("staff")


@pytest.fixture
def staff_client(app, staff):
    client = app.test_client()
    sign_in(client, staff)
    return client


@pytest.fixture
def records(query, staff):
    return query(lambda: area_rows("transparency").make_records(staff))


def _errors(response) -> list[str]:
    return re.findall(r'<p class="error" id="[^"]+">(.*?)\s*</p>', response.get_data(as_text=True))


def _flashes(response) -> list[str]:
    return re.findall(r'<p class="flash flash-\w+">(.*?)</p>', response.get_data(as_text=True))


STAFF_POSTS = [
    ("/staff/transparency/funding/new", lambda ids: FUNDER_FORM),
    ("/staff/transparency/funding/{funding_id}", lambda ids: FUNDER_FORM),
    ("/staff/transparency/funding/{funding_id}/delete", lambda ids: {"confirm": "yes"}),
    ("/staff/transparency/funding/{funding_id}/restrictions/new",
     lambda ids: {"kind": "other", "summary": "x", "terms_say": "x", "we_do": "x"}),
    ("/staff/transparency/restrictions/{restriction_id}/delete", lambda ids: {"confirm": "yes"}),
    ("/staff/transparency/partnerships/{partnership_id}/delete", lambda ids: {"confirm": "yes"}),
    ("/staff/transparency/services/{service_id}/delete", lambda ids: {"confirm": "yes"}),
    ("/staff/transparency/statement", lambda ids: {"introduction": "Hi", "amounts_shown": "exact"}),
]


@pytest.mark.parametrize("role", ["anonymous", "council"])
def test_only_staff_and_admins_may_edit(app, make_user, records, query, role):
    client = app.test_client()
    if role == "council":
        sign_in(client, make_user("council"))
    before = query(lambda: all_rows(db.obj))
    for path, data in STAFF_POSTS:
        url = path.format(**records)
        with WriteCounter(db.obj) as writes:
            answer = client.post(url, data=data(records))
        assert answer.status_code == 403, (role, url, answer.status_code)
        assert not writes.statements, (role, url)
        page = client.get(url.removesuffix("/delete"))
        assert page.status_code in (302, 403, 405) and "Riverbend" not in page.get_data(as_text=True)
    assert query(lambda: all_rows(db.obj)) == before


def test_an_admin_may_edit_like_staff(app, make_user, query):
    admin = app.test_client()
    sign_in(admin, make_user("admin"))
    answer = admin.post("/staff/transparency/funding/new", data=FUNDER_FORM)
    assert answer.status_code == 302
    assert query(lambda: FundingSource.get().funder_name) == "Riverbend Community Foundation"


def test_staff_add_a_funder_with_a_restriction_a_partnership_and_a_service(staff_client, query):
    added = staff_client.post("/staff/transparency/funding/new", data=FUNDER_FORM)
    assert added.status_code == 302
    source = query(FundingSource.get)
    assert (source.funder_name, source.currency, source.amount, source.amount_band) == (
        "Riverbend Community Foundation", "USD", None, "100k-250k")
    assert added.location.endswith(f"/staff/transparency/funding/{source.public_id}")

    restriction = staff_client.post(f"/staff/transparency/funding/{source.public_id}/restrictions/new", data={
        "kind": "client-condition", "summary": "Clients must be sober",
        "terms_say": "The grant agreement asks for nothing of the sort.",
        "we_do": "We never ask about drug use."}, follow_redirects=True)
    assert "Clients must be sober" in restriction.get_data(as_text=True)
    rid = query(lambda: Restriction.get().public_id)

    partner = staff_client.post("/staff/transparency/partnerships/new", data={
        "name": "County Sheriff's Office", "kind": "law-enforcement", "basis": "funder",
        "purpose": "Required by a grant.", "shared": "aggregate", "shared_detail": "",
        "safeguards": "Clients decide."})
    assert partner.status_code == 302

    added_service = staff_client.post("/staff/transparency/services/new", data={
        "name": "Drop-in centre", "description": "", "eligibility": "Anyone.", "requirements": "",
        "not_required": ["therapy", "leaving"], "not_required_note": "", "funded_by": [source.public_id],
        "limited_by": rid, "referrals": "Safe Nights Collective."})
    assert added_service.status_code == 302
    stored = query(lambda: (Service.get().not_required, Service.get().limited_by.summary,
                            [link.funding_source.funder_name for link in ServiceFunding.select()]))
    assert stored == ("therapy,leaving", "Clients must be sober", ["Riverbend Community Foundation"])

    # the edit page starts from what is stored
    sid = query(lambda: Service.get().public_id)
    page = staff_client.get(f"/staff/transparency/services/{sid}").get_data(as_text=True)
    assert re.search(rf'<input checked id="funded_by-0" name="funded_by" type="checkbox" '
                     rf'value="{source.public_id}">', page)
    assert f'<option selected value="{rid}">' in page
    assert query(lambda: [e.action for e in AuditEntry.select().order_by(AuditEntry.created_at)]) == [
        "transparency.funding.create", "transparency.restriction.create",
        "transparency.partnership.create", "transparency.service.create"]


@pytest.mark.parametrize(("change", "message"), [
    ({"amount": "", "amount_band": ""}, "Give the amount or choose an amount band."),
    ({"amount": "25000", "amount_band": "10k-50k"}, "Give either the amount or a band, not both."),
    ({"amount": "12.50", "amount_band": ""}, "Write the amount in whole numbers"),
    ({"amount": "-5", "amount_band": ""}, "Write the amount in whole numbers"),
    ({"currency": "dollars"}, "Write the three-letter currency code"),
    ({"starts_on": "2026-01-01", "ends_on": "2025-12-31"}, "The end date is before the start date."),
    ({"starts_on": "1066-10-14"}, "Check the year of this date."),
    ({"starts_on": "next spring"}, "Not a valid date value."),
    ({"funder_name": "   "}, "Write the funder's name."),
    ({"funder_type": "lottery"}, "Not a valid choice."),
])
def test_the_funder_form_says_what_is_wrong_and_keeps_the_answers(staff_client, query, change, message):
    answer = staff_client.post("/staff/transparency/funding/new", data={**FUNDER_FORM, **change})
    assert answer.status_code == 200
    assert any(message in error for error in _errors(answer)), _errors(answer)
    assert "General operating support" in answer.get_data(as_text=True)
    assert query(lambda: FundingSource.select().count()) == 0


def test_a_restriction_must_belong_to_a_funder_that_pays_and_needs_referrals(staff_client, query, records,
                                                                            staff):
    form = {"name": "Housing", "description": "", "eligibility": "Anyone.", "requirements": "",
            "not_required_note": "", "limited_by": records["restriction_id"], "referrals": ""}
    no_referrals = staff_client.post("/staff/transparency/services/new",
                                     data={**form, "funded_by": [records["funding_id"]]})
    assert any("say where we refer the people it cannot serve" in e for e in _errors(no_referrals))
    other_funder = staff_client.post("/staff/transparency/services/new",
                                     data={**form, "referrals": "Elsewhere."})
    assert any("belongs to U.S. Department of Justice" in e for e in _errors(other_funder))
    unknown = staff_client.post("/staff/transparency/services/new",
                                data={**form, "limited_by": "no-such-one", "funded_by": ["gone"]})
    assert _errors(unknown)
    assert query(lambda: Service.select().count()) == 1


def test_a_restriction_that_limits_a_service_cannot_be_removed_under_it(staff_client, query, records):
    for path in (f"/staff/transparency/funding/{records['funding_id']}/delete",
                 f"/staff/transparency/restrictions/{records['restriction_id']}/delete"):
        answer = staff_client.post(path, data={"confirm": "yes"}, follow_redirects=True)
        assert any("limits the service “Case management”" in f for f in _flashes(answer))
    assert query(lambda: (FundingSource.select().count(), Restriction.select().count())) == (1, 1)
    # once the service no longer relies on it, the funder and its restriction go together
    assert staff_client.post(f"/staff/transparency/services/{records['service_id']}/delete",
                             data={"confirm": "yes"}).status_code == 302
    gone = staff_client.post(f"/staff/transparency/funding/{records['funding_id']}/delete",
                             data={"confirm": "yes"}, follow_redirects=True)
    assert any("Funder removed." in f for f in _flashes(gone))
    assert query(lambda: (FundingSource.select().count(), Restriction.select().count())) == (0, 0)


def test_removing_needs_the_box_ticked(staff_client, query, records):
    for confirm in (None, "", "y", "on", "no"):
        data = {} if confirm is None else {"confirm": confirm}
        answer = staff_client.post(f"/staff/transparency/partnerships/{records['partnership_id']}/delete",
                                   data=data, follow_redirects=True)
        assert "Tick the box to confirm." in _flashes(answer)
    assert query(lambda: Partnership.select().count()) == 1


@pytest.mark.parametrize("path", [
    "/staff/transparency/funding/unknown", "/staff/transparency/funding/unknown/restrictions/new",
    "/staff/transparency/restrictions/unknown", "/staff/transparency/partnerships/unknown",
    "/staff/transparency/services/unknown", "/transparency/history/0",
])
def test_unknown_records_get_a_plain_404(staff_client, path):
    answer = staff_client.get(path)
    assert answer.status_code == 404 and "Page not found" in answer.get_data(as_text=True)
    if path.startswith("/staff"):
        assert staff_client.post(path, data={"confirm": "yes"}).status_code == 404


def test_an_oversize_answer_is_refused_and_nothing_is_lost(staff_client, query, records):
    before = query(lambda: Partnership.get().safeguards)
    answer = staff_client.post(f"/staff/transparency/partnerships/{records['partnership_id']}", data={
        "name": "County Sheriff's Office", "kind": "law-enforcement", "basis": "funder",
        "purpose": "Required.", "shared": "aggregate", "shared_detail": "", "safeguards": "x" * 5001})
    assert answer.status_code == 200
    assert any("5000 characters or fewer" in e for e in _errors(answer))
    assert query(lambda: Partnership.get().safeguards) == before


def test_the_demo_fills_the_area_once(app, runner, query):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "published 2 transparency statements" in first.output
    html = app.test_client().get("/transparency").get_data(as_text=True)
    assert "Office for Victims of Crime" in html and "Prostitution Pledge" in html
    assert "County Sheriff" in html and "Law enforcement" in html
    assert "does not bar us from serving people who are still trading sex" in html
    history = app.test_client().get("/transparency/history").get_data(as_text=True)
    assert "New funder: City Office of Housing Stability" in history
    again = runner.invoke(args=["demo"])
    assert "Transparency already has records; left as they are." in again.output
