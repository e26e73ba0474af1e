"""Statements: staff draft and publish them; a published statement never changes; each new one
keeps the old ones in the history with what changed; an old statement is flagged to staff."""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from support.rows import area_rows
from support.world import sign_in

from portal.accounts.audit import AuditEntry
from portal.accounts.models import User
from portal.clock import today
from portal.transparency import changes, service
from portal.transparency.models import FundingSource, PublishedStatementError, Restriction, Statement

INTRO = "We want you to know **who pays** for our work."


@pytest.fixture
def staff(make_user) -> User:
    return make_user("staff")


@pytest.fixture
def staff_client(app, staff):
    client = app.test_client()
    sign_in(client, staff)
    return client


@pytest.fixture
def records(query, staff):
    make_records = area_rows("transparency").make_records
    return query(lambda: make_records(staff))


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def _draft_and_publish(client, query, introduction: str = INTRO, amounts: str = "exact") -> int:
    """Through the staff's forms: save the draft, open the preview, publish."""
    saved = client.post("/staff/transparency/statement",
                        data={"introduction": introduction, "introduction_es": "", "amounts_shown": amounts})
    assert saved.status_code == 302 and saved.location.endswith("/staff/transparency/statement/preview")
    preview = client.get("/staff/transparency/statement/preview").get_data(as_text=True)
    draft_id = re.search(r'name="draft" type="hidden" value="([^"]+)"', preview).group(1)
    published = client.post("/staff/transparency/statement/publish", data={"draft": draft_id})
    assert published.status_code == 302
    return query(lambda: Statement.latest_published().number)


def test_staff_draft_is_not_public_until_published(staff_client, query, records, client):
    saved = staff_client.post("/staff/transparency/statement", data={
        "introduction": INTRO, "introduction_es": "", "amounts_shown": "exact"})
    assert saved.status_code == 302
    draft = query(Statement.draft)
    assert draft.number is None and draft.introduction == INTRO
    assert "not published a funding statement yet" in _text(client.get("/transparency"))
    preview = _text(staff_client.get("/staff/transparency/statement/preview"))
    assert "who pays" in preview and "Office for Victims of Crime" in preview

    published = staff_client.post("/staff/transparency/statement/publish", data={"draft": draft.public_id},
                                  follow_redirects=True)
    assert "Statement 1 is published." in _text(published)
    statement = query(lambda: Statement.get_by_id(draft.id))
    assert (statement.number, statement.published_on, statement.draft_key) == (1, today(), None)
    page = _text(client.get("/transparency"))
    assert "<strong>who pays</strong>" in page
    assert f'<time datetime="{today().isoformat()}">' in page and "Statement 1" in page
    assert query(lambda: [e.action for e in AuditEntry.select().order_by(AuditEntry.created_at)])[-2:] == [
        "transparency.statement.draft", "transparency.statement.publish"]


def test_publishing_needs_the_draft_that_is_open(staff_client, query, records):
    staff_client.post("/staff/transparency/statement", data={
        "introduction": INTRO, "introduction_es": "", "amounts_shown": "exact"})
    answer = staff_client.post("/staff/transparency/statement/publish", data={"draft": "not-the-draft"},
                               follow_redirects=True)
    assert "no longer open" in _text(answer)
    nothing = staff_client.post("/staff/transparency/statement/publish", data={}, follow_redirects=True)
    assert "no draft to publish" in _text(nothing)
    assert query(Statement.latest_published) is None


def test_an_empty_introduction_is_refused_and_the_form_kept(staff_client, query):
    answer = staff_client.post("/staff/transparency/statement", data={
        "introduction": "  \n ", "introduction_es": "Hola", "amounts_shown": "bands"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "Write the introduction." in html
    assert "\nHola</textarea>" in html
    assert re.search(r'<input checked id="amounts_shown-\d" name="amounts_shown" required type="radio" '
                     r'value="bands">', html)
    assert query(Statement.draft) is None


def test_a_published_statement_never_changes_and_an_edit_makes_a_new_draft(staff_client, query, records,
                                                                            staff, client):
    _draft_and_publish(staff_client, query)
    first = query(lambda: Statement.published_number(1))
    json_before = client.get("/transparency.json").get_json()

    # the funder's amount and the restriction change after publishing
    def edit_records():
        source = FundingSource.by_public_id(records["funding_id"])
        values = {field: getattr(source, field) for field in (
            "funder_name", "funder_type", "programme", "description", "amount", "amount_band",
            "currency", "starts_on", "ends_on", "client_data", "client_data_detail")}
        service.save_funding(staff, source, {**values, "amount": 900_000})
        restriction = Restriction.by_public_id(records["restriction_id"])
        service.save_restriction(staff, source, restriction, {
            "kind": "eligibility", "summary": "Trafficking survivors only",
            "terms_say": "Changed terms.", "we_do": "Changed answer."})
    query(edit_records)
    page = _text(client.get("/transparency"))
    assert "450,000 USD" in page and "900,000" not in page and "Changed answer." not in page
    assert client.get("/transparency.json").get_json() == json_before

    # editing the statement opens a new draft; statement 1 keeps every byte
    form = staff_client.get("/staff/transparency/statement").get_data(as_text=True)
    assert "Saving this makes a new draft" in form and "who pays" in form
    staff_client.post("/staff/transparency/statement", data={
        "introduction": "A new introduction.", "introduction_es": "", "amounts_shown": "exact"})
    draft = query(Statement.draft)
    assert draft.id != first.id and draft.number is None
    again = query(lambda: Statement.published_number(1))
    assert (again.introduction, again.snapshot, again.changes, again.published_on) == (
        first.introduction, first.snapshot, first.changes, first.published_on)

    # nor can code change it in place
    def tamper():
        statement = Statement.published_number(1)
        statement.introduction = "Rewritten in place"
        statement.save()
    with pytest.raises(PublishedStatementError):
        query(tamper)
    assert query(lambda: Statement.published_number(1).introduction) == first.introduction


def test_publishing_again_keeps_the_old_version_in_the_history(staff_client, query, records, staff, client):
    _draft_and_publish(staff_client, query)
    query(lambda: service.save_partnership(staff, None, {
        "name": "Safe Nights Collective", "kind": "sex-worker-safety", "basis": "chosen",
        "purpose": "Peer support.", "shared": "nothing", "shared_detail": "",
        "safeguards": "We pay them for their time."}))
    assert _draft_and_publish(staff_client, query, "Second introduction.") == 2

    history = _text(client.get("/transparency/history"))
    assert history.index("Statement 2") < history.index("Statement 1")
    assert "New partnership: Safe Nights Collective (Sex worker safety organisation)" in history
    assert "The introduction was rewritten." in history
    assert "Our first statement." in history
    old = _text(client.get("/transparency/history/1"))
    assert "This is an earlier version, statement 1" in old and "Safe Nights Collective" not in old
    assert "Safe Nights Collective" in _text(client.get("/transparency"))
    assert client.get("/transparency/history/3").status_code == 404


def _doc(**parts) -> dict:
    base = {"introduction": {"markdown": "Hello"}, "amountsShownAs": "exact", "funding": [],
            "partnerships": [], "services": []}
    return {**base, **parts}


def _funder(fid: str, name: str, amount: int = 1000, restrictions=()) -> dict:
    return {"id": fid, "title": name, "fundingOrganization": [{"name": name}], "funderType": "federal",
            "currency": "USD", "amountAwarded": amount, "clientDataShared": "aggregate",
            "restrictions": list(restrictions)}


def _restriction(rid: str, summary: str, we_do: str = "We serve everyone.") -> dict:
    return {"id": rid, "kind": "eligibility", "summary": summary, "termsSay": "Terms.", "whatWeDo": we_do}


def test_the_change_list_names_funders_restrictions_partnerships_and_services():
    police = {"id": "p1", "name": "Sheriff", "kind": "law-enforcement", "basis": "funder",
              "purpose": "Task force.", "shared": "aggregate", "safeguards": "Client decides."}
    clinic = {"id": "p2", "name": "Clinic", "kind": "health", "basis": "chosen", "purpose": "Care.",
              "shared": "with-release", "safeguards": "Nothing about work."}
    drop_in = {"id": "s1", "name": "Drop-in", "eligibility": "Anyone.", "notRequired": ["therapy"],
               "fundedBy": ["f1"], "limitedBy": None}
    old = _doc(funding=[_funder("f1", "Justice Dept", restrictions=[_restriction("r1", "Survivors only")]),
                        _funder("f2", "Old Foundation")],
               partnerships=[police, clinic], services=[drop_in])
    new = _doc(introduction={"markdown": "Hello again"}, amountsShownAs="bands",
               funding=[_funder("f1", "Justice Department", 2000,
                                [_restriction("r1", "Survivors only", "We changed our answer."),
                                 _restriction("r2", "No sex workers")]),
                        _funder("f3", "City Housing")],
               partnerships=[{**police, "shared": "nothing"}],
               services=[{**drop_in, "fundedBy": ["f1", "f3"], "notRequired": ["therapy", "leaving"]},
                         {"id": "s2", "name": "Housing", "eligibility": "Anyone.", "notRequired": [],
                          "fundedBy": ["f3"], "limitedBy": None}])
    found = changes.compare(old, new)
    assert found == [
        {"section": "introduction", "action": "changed"},
        {"section": "amounts", "action": "changed", "name": "bands"},
        {"section": "funding", "action": "changed", "name": "Justice Department",
         "fields": ["name", "amount"], "was": "Justice Dept"},
        {"section": "funding", "action": "added", "name": "City Housing"},
        {"section": "funding", "action": "removed", "name": "Old Foundation"},
        {"section": "restriction", "action": "changed", "name": "Survivors only", "fields": ["whatWeDo"],
         "funder": "Justice Department"},
        {"section": "restriction", "action": "added", "name": "No sex workers",
         "funder": "Justice Department"},
        {"section": "partnership", "action": "changed", "name": "Sheriff", "fields": ["shared"],
         "kind": "law-enforcement"},
        {"section": "partnership", "action": "removed", "name": "Clinic", "kind": "health"},
        {"section": "service", "action": "changed", "name": "Drop-in", "fields": ["notRequired", "fundedBy"]},
        {"section": "service", "action": "added", "name": "Housing"},
    ]
    assert [changes.describe(c) for c in found][2:7] == [
        "Justice Dept, now listed as Justice Department: changed name, amount",
        "New funder: City Housing",
        "Funder no longer listed: Old Foundation",
        "Restriction from Justice Department, changed what we do about it: Survivors only",
        "New restriction from Justice Department: No sex workers",
    ]
    assert changes.compare(None, new) == []
    assert changes.compare(new, new) == []
    # the order of funders paying for a service does not matter
    reordered = _doc(**{**new, "services": [{**new["services"][0], "fundedBy": ["f3", "f1"]},
                                            new["services"][1]]})
    assert changes.compare(new, reordered) == []


def test_the_change_list_is_stored_when_published_and_read_in_spanish(staff_client, query, records, staff,
                                                                     client):
    _draft_and_publish(staff_client, query)
    query(lambda: service.delete_partnership(staff, service.partnerships()[0]))
    _draft_and_publish(staff_client, query)
    stored = query(lambda: json.loads(Statement.published_number(2).changes))
    assert stored == [{"section": "partnership", "action": "removed", "name": "County Sheriff's Office",
                       "kind": "law-enforcement"}]
    spanish = client.get("/transparency/history?lang=es").get_data(as_text=True)
    assert "Alianza que ya no aparece: County Sheriff&#39;s Office" in spanish


def test_one_draft_at_a_time_and_discarding_it(staff_client, query):
    for text in ("First try.", "Second try."):
        staff_client.post("/staff/transparency/statement", data={
            "introduction": text, "introduction_es": "", "amounts_shown": "exact"})
    assert query(lambda: Statement.select().count()) == 1
    draft = query(Statement.draft)
    assert draft.introduction == "Second try."
    stale = staff_client.post("/staff/transparency/statement/discard", data={"draft": "something-else"},
                              follow_redirects=True)
    assert "no longer open" in _text(stale) and query(Statement.draft) is not None
    done = staff_client.post("/staff/transparency/statement/discard", data={"draft": draft.public_id},
                             follow_redirects=True)
    assert "Draft discarded." in _text(done) and query(Statement.draft) is None


def test_a_statement_older_than_a_year_is_flagged_to_staff(staff_client, query, records, client):
    assert "No statement has been published yet" in _text(staff_client.get("/staff/transparency"))
    _draft_and_publish(staff_client, query)
    assert "more than a year old" not in _text(staff_client.get("/staff/transparency"))
    query(lambda: Statement.update(published_on=today() - dt.timedelta(days=366)).execute())
    flagged = _text(staff_client.get("/staff/transparency"))
    assert "The public statement is more than a year old." in flagged
    assert service.is_stale(dt.date(2024, 1, 1), dt.date(2025, 1, 2))
    assert not service.is_stale(dt.date(2024, 1, 2), dt.date(2025, 1, 1))
    # the public page still gives its date, without the staff's flag
    assert "more than a year old" not in _text(client.get("/transparency"))


def test_staff_see_what_the_next_statement_would_change(staff_client, query, records, staff):
    _draft_and_publish(staff_client, query)
    assert "Nothing has changed since the public statement." in _text(staff_client.get("/staff/transparency"))
    query(lambda: service.save_funding(staff, None, {
        "funder_name": "Riverbend Community Foundation", "funder_type": "foundation", "programme": "",
        "description": "", "amount": None, "amount_band": "100k-250k", "currency": "USD",
        "starts_on": None, "ends_on": None, "client_data": "nothing", "client_data_detail": ""}))
    assert "New funder: Riverbend Community Foundation" in _text(staff_client.get("/staff/transparency"))
