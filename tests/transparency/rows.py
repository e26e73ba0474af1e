"""The transparency area's rows for the shared suites (see tests/support/rows.py)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from support.canary import Visitor
from support.hostile import CHOICE, SECRET, TEXT, VALUE, Field, HostileForm
from support.screens import Screen, go, submit
from support.world import World

from portal.transparency.forms import parse_amount, parse_currency, stripped
from portal.transparency.models import (
    AMOUNT_BANDS,
    FUNDER_TYPES,
    NOT_REQUIRED,
    PARTNER_BASIS,
    PARTNER_KINDS,
    RESTRICTION_KINDS,
    SHARING,
)

# --- sample records, made through the service as a member of staff would make them ------------

FUNDER = {"funder_name": "U.S. Department of Justice, Office for Victims of Crime",
          "funder_type": "federal", "programme": "Services for Victims of Human Trafficking",
          "description": "Case management for survivors.", "amount": 450_000, "amount_band": "",
          "currency": "USD", "starts_on": dt.date(2024, 10, 1), "ends_on": dt.date(2027, 9, 30),
          "client_data": "aggregate", "client_data_detail": "Quarterly counts, never names."}
RESTRICTION = {"kind": "eligibility", "summary": "Trafficking survivors only",
               "terms_say": "Pays for services to people who experienced trafficking.",
               "we_do": "Everyone else is served from unrestricted money."}
PARTNER = {"name": "County Sheriff's Office", "kind": "law-enforcement", "basis": "funder",
           "purpose": "Required by our federal grant.", "shared": "aggregate",
           "shared_detail": "Quarterly counts.", "safeguards": "Clients decide whether police are involved."}


def make_records(staff) -> dict[str, str]:
    """A funder with a restriction, a law enforcement partnership and a service it limits."""
    from portal.transparency import service

    funder = service.save_funding(staff, None, dict(FUNDER))
    restriction = service.save_restriction(staff, funder, None, dict(RESTRICTION))
    partner = service.save_partnership(staff, None, dict(PARTNER))
    limited = service.save_service(staff, None, {
        "name": "Case management", "description": "", "eligibility": "Survivors of trafficking.",
        "requirements": "", "not_required": ["therapy", "religion", "leaving"],
        "not_required_note": "", "funded_by": [funder.public_id],
        "limited_by": restriction.public_id, "referrals": "Safe Nights Collective, any evening."})
    return {"funding_id": funder.public_id, "restriction_id": restriction.public_id,
            "partnership_id": partner.public_id, "service_id": limited.public_id}


def publish(staff, introduction: str = "Where our money comes from.") -> int:
    """Save a draft and publish it; returns the statement's number."""
    from portal.transparency import service

    draft = service.save_draft(staff, introduction, "", "exact")
    return service.publish_draft(staff, draft.public_id).number


# --- what URL arguments name -------------------------------------------------------------------


def _records(world: World) -> dict[str, str]:
    """One set of records shared by the rows that need them."""
    if "transparency" not in world.objects:
        staff = world.account("staff")
        world.objects["transparency"] = world.query(lambda: make_records(staff))
    return world.objects["transparency"]


def _version(world: World) -> int:
    _records(world)
    staff = world.account("staff")
    return world.query(lambda: publish(staff))


ARGUMENTS: dict[str, Callable[[World], object]] = {
    "funding_id": lambda world: _records(world)["funding_id"],
    "restriction_id": lambda world: _records(world)["restriction_id"],
    "partnership_id": lambda world: _records(world)["partnership_id"],
    "service_id": lambda world: _records(world)["service_id"],
    "version": _version,
}

# --- hostile input -----------------------------------------------------------------------------


def _date(text: str) -> dt.date | None:
    """How the form reads a date: blank is no date; otherwise YYYY-MM-DD in a plausible year."""
    if not text.strip():
        return None
    day = dt.datetime.strptime(text, "%Y-%m-%d").date()
    if not 1900 <= day.year <= 2200:
        raise ValueError(text)
    return day


def _end_date(text: str) -> dt.date | None:
    day = _date(text)
    if day is not None and day < dt.date(2025, 1, 1):
        raise ValueError(text)
    return day


def _strict_currency(text: str) -> str:
    return parse_currency(text) if text else parse_currency(None)


def _funding(world: World) -> str:
    return _records(world)["funding_id"]


def _pages(*extra: Callable[[World], str]) -> Callable[[World], list[tuple[str, str]]]:
    """Where staff read what a form stored: the overview, the preview and the record's own page."""
    return lambda world: [("staff", "/staff/transparency"),
                          ("staff", "/staff/transparency/statement/preview"),
                          *(("staff", path(world)) for path in extra)]


def _open_draft(world: World) -> None:
    """A draft to publish or discard (the hostile values never name it)."""
    staff = world.account("staff")

    def work():
        from portal.transparency import service
        if service.draft() is None:
            service.save_draft(staff, "A draft.", "", "exact")
    world.query(work)


FUNDING_VALID = {"funder_name": "Riverbend Community Foundation", "funder_type": "foundation",
                 "programme": "", "description": "", "amount": "25,000", "amount_band": "",
                 "currency": "USD", "starts_on": "2025-01-01", "ends_on": "2025-12-31",
                 "client_data": "aggregate", "client_data_detail": ""}
FUNDING_FIELDS = {
    "funder_name": Field(TEXT, stored_as=stripped),
    "funder_type": Field(CHOICE, choices=FUNDER_TYPES.values),
    "programme": Field(TEXT, stored_as=stripped),
    "description": Field(TEXT),
    "amount": Field(VALUE, stored_as=parse_amount),
    "amount_band": Field(CHOICE, choices=("", *AMOUNT_BANDS.values)),
    "currency": Field(TEXT, stored_as=_strict_currency),
    "starts_on": Field(VALUE, stored_as=_date),
    "ends_on": Field(VALUE, stored_as=_end_date),
    "client_data": Field(CHOICE, choices=SHARING.values),
    "client_data_detail": Field(TEXT),
}
RESTRICTION_FIELDS = {
    "kind": Field(CHOICE, choices=RESTRICTION_KINDS.values),
    "summary": Field(TEXT, stored_as=stripped),
    "terms_say": Field(TEXT),
    "we_do": Field(TEXT),
}
PARTNERSHIP_VALID = {"name": "Eastside Community Health Clinic", "kind": "health", "basis": "chosen",
                     "purpose": "Walk-in care.", "shared": "with-release", "shared_detail": "",
                     "safeguards": "Nothing about work is recorded."}
PARTNERSHIP_FIELDS = {
    "name": Field(TEXT, stored_as=stripped),
    "kind": Field(CHOICE, choices=PARTNER_KINDS.values),
    "basis": Field(CHOICE, choices=PARTNER_BASIS.values),
    "purpose": Field(TEXT),
    "shared": Field(CHOICE, choices=SHARING.values),
    "shared_detail": Field(TEXT),
    "safeguards": Field(TEXT),
}
SERVICE_VALID = {"name": "Drop-in centre", "description": "", "eligibility": "Anyone.",
                 "requirements": "", "not_required_note": "", "limited_by": "", "referrals": ""}
SERVICE_FIELDS = {
    "name": Field(TEXT, stored_as=stripped),
    "description": Field(TEXT),
    "eligibility": Field(TEXT),
    "requirements": Field(TEXT),
    "not_required": Field(CHOICE, choices=NOT_REQUIRED.values),
    "not_required_note": Field(TEXT),
    # the funders' ids are random: no typed value can name one
    "funded_by": Field(CHOICE, choices=()),
    "limited_by": Field(CHOICE, choices=("",)),
    "referrals": Field(TEXT),
}

FORMS: list[HostileForm] = [
    HostileForm("add funder", "staff", lambda w: "/staff/transparency/funding/new",
                lambda w: dict(FUNDING_VALID), FUNDING_FIELDS, shows=_pages()),
    HostileForm("change funder", "staff", lambda w: f"/staff/transparency/funding/{_funding(w)}",
                lambda w: dict(FUNDING_VALID),
                {name: FUNDING_FIELDS[name] for name in ("funder_name", "amount", "currency",
                                                         "client_data_detail")},
                shows=_pages(lambda w: f"/staff/transparency/funding/{_funding(w)}")),
    HostileForm("add restriction", "staff",
                lambda w: f"/staff/transparency/funding/{_funding(w)}/restrictions/new",
                lambda w: {"kind": "client-condition", "summary": "Sobriety required",
                           "terms_say": "The terms ask for nothing of the sort.",
                           "we_do": "We never ask."},
                RESTRICTION_FIELDS,
                shows=_pages(lambda w: f"/staff/transparency/funding/{_funding(w)}")),
    HostileForm("change restriction", "staff",
                lambda w: f"/staff/transparency/restrictions/{_records(w)['restriction_id']}",
                lambda w: dict(RESTRICTION), {"summary": RESTRICTION_FIELDS["summary"],
                                              "we_do": RESTRICTION_FIELDS["we_do"]},
                shows=_pages()),
    HostileForm("add partnership", "staff", lambda w: "/staff/transparency/partnerships/new",
                lambda w: dict(PARTNERSHIP_VALID), PARTNERSHIP_FIELDS, shows=_pages()),
    HostileForm("change partnership", "staff",
                lambda w: f"/staff/transparency/partnerships/{_records(w)['partnership_id']}",
                lambda w: dict(PARTNER), {"name": PARTNERSHIP_FIELDS["name"],
                                          "safeguards": PARTNERSHIP_FIELDS["safeguards"]},
                shows=_pages()),
    HostileForm("add service", "staff", lambda w: "/staff/transparency/services/new",
                lambda w: dict(SERVICE_VALID), SERVICE_FIELDS, shows=_pages()),
    HostileForm("change service", "staff",
                lambda w: f"/staff/transparency/services/{_records(w)['service_id']}",
                lambda w: {**SERVICE_VALID, "name": "Case management", "funded_by": _funding(w),
                           "limited_by": _records(w)["restriction_id"], "referrals": "Elsewhere."},
                {"eligibility": SERVICE_FIELDS["eligibility"], "referrals": SERVICE_FIELDS["referrals"]},
                shows=_pages()),
    HostileForm("statement", "staff", lambda w: "/staff/transparency/statement",
                lambda w: {"introduction": "Where our money comes from.", "introduction_es": "",
                           "amounts_shown": "exact"},
                {"introduction": Field(TEXT), "introduction_es": Field(TEXT),
                 "amounts_shown": Field(CHOICE, choices=("exact", "bands"))},
                shows=_pages(lambda w: "/staff/transparency/statement")),
    HostileForm("publish", "staff", lambda w: "/staff/transparency/statement/publish",
                lambda w: {}, {"draft": Field(SECRET)}, prepare=_open_draft),
    HostileForm("discard draft", "staff", lambda w: "/staff/transparency/statement/discard",
                lambda w: {}, {"draft": Field(SECRET)}, prepare=_open_draft),
    HostileForm("remove funder", "staff",
                lambda w: f"/staff/transparency/funding/{_funding(w)}/delete",
                lambda w: {}, {"confirm": Field(CHOICE, choices=("yes",))}),
    HostileForm("remove restriction", "staff",
                lambda w: f"/staff/transparency/restrictions/{_records(w)['restriction_id']}/delete",
                lambda w: {}, {"confirm": Field(CHOICE, choices=("yes",))}),
    HostileForm("remove partnership", "staff",
                lambda w: f"/staff/transparency/partnerships/{_records(w)['partnership_id']}/delete",
                lambda w: {}, {"confirm": Field(CHOICE, choices=("yes",))}),
    HostileForm("remove service", "staff",
                lambda w: f"/staff/transparency/services/{_records(w)['service_id']}/delete",
                lambda w: {}, {"confirm": Field(CHOICE, choices=("yes",))}),
]

# --- the anonymity canary ----------------------------------------------------------------------


def _read_transparency(visitor: Visitor, state: dict) -> None:
    """The public pages and their machine-readable forms: reading keeps nothing of the reader."""
    for path in ("/transparency", "/transparency/services", "/transparency/history",
                 "/transparency.json", "/transparency/feed.atom", "/transparency/funding.csv"):
        assert visitor.get(path).status_code == 200, path


CANARY_FLOW = [_read_transparency]

# --- pages for the accessibility check ---------------------------------------------------------


def seed(server, statements: int = 1, age_days: int = 0) -> dict[str, str]:
    """Records and published statements on the live server; the first may be backdated."""
    staff = server.make_account("staff")

    def work():
        from portal.accounts.models import User
        from portal.transparency import service
        from portal.transparency.models import FundingSource, Statement

        actor = User.get_by_id(staff.id)
        if FundingSource.select().exists():
            ids = {"funding_id": FundingSource.select().first().public_id}
        else:
            ids = make_records(actor)
        while (Statement.latest_published().number if Statement.latest_published() else 0) < statements:
            publish(actor)
            if statements > 1:
                # something to list as changed in the next statement
                service.save_partnership(actor, None, dict(PARTNERSHIP_VALID, name=f"Clinic {statements}"))
        if age_days:
            day = dt.date.today() - dt.timedelta(days=age_days)
            Statement.update(published_on=day).execute()
        return ids
    return server.run(work)


def _open_draft_on(server) -> None:
    staff = server.make_account("staff")

    def work():
        from portal.accounts.models import User
        from portal.transparency import service
        service.save_draft(User.get_by_id(staff.id), "A new introduction.", "", "bands")
    server.run(work)


def _submit_empty(path: str, field: str) -> Callable:
    """Send a form as it first appears, with nothing filled in."""
    def visit(page, server) -> None:
        page.goto(path)
        submit(page, f"main form:has([name={field}]) button[type=submit]")
    return visit


def _clear(server) -> None:
    """Remove every transparency record, for the screens of an organisation that has none yet."""
    def work():
        from portal.transparency.models import (
            FundingSource,
            Partnership,
            Restriction,
            Service,
            ServiceFunding,
            Statement,
        )
        for model in (ServiceFunding, Service, Restriction, FundingSource, Partnership, Statement):
            model.delete().execute()
    server.run(work)


def _empty(path: str) -> Callable:
    return lambda page, server: (_clear(server), page.goto(path))


def _statement_errors(page, server) -> None:
    page.goto("/staff/transparency/statement")
    page.locator("main [name=introduction]").fill("   ")
    submit(page, "main form:has([name=introduction]) button[type=submit]")


def _published(page, server) -> None:
    seed(server)
    _open_draft_on(server)
    page.goto("/staff/transparency/statement/preview")
    submit(page, "main form:has([name=draft]) button[type=submit]")


def _funding_errors(page, server) -> None:
    page.goto("/staff/transparency/funding/new")
    page.locator("main [name=amount]").fill("12.50")
    page.locator("main [name=ends_on]").fill("2020-01-01")
    page.locator("main [name=starts_on]").fill("2021-01-01")
    submit(page, "main form:has([name=funder_name]) button[type=submit]")


def _service_errors(page, server) -> None:
    ids = seed(server, statements=0)
    page.goto("/staff/transparency/services/new")
    page.locator("main [name=limited_by]").select_option(index=1)
    assert ids
    submit(page, "main form:has([name=eligibility]) button[type=submit]")


def _restriction_new(page, server) -> None:
    page.goto(f"/staff/transparency/funding/{seed(server, statements=0)['funding_id']}/restrictions/new")


def _restriction_errors(page, server) -> None:
    _restriction_new(page, server)
    submit(page, "main form:has([name=summary]) button[type=submit]")


def _records_on(server) -> dict[str, str]:
    staff = server.make_account("staff")

    def work():
        from portal.accounts.models import User
        return make_records(User.get_by_id(staff.id))
    return server.run(work)


def _remove_refused(page, server) -> None:
    """Removing without ticking the box comes back to the record with a message."""
    page.goto(f"/staff/transparency/partnerships/{_records_on(server)['partnership_id']}")
    submit(page, "main form[action$='/delete'] button[type=submit]")


SCREENS = [
    Screen("transparency-empty", "transparency.statement", None, _empty("/transparency")),
    Screen("transparency", "transparency.statement", None,
           lambda page, server: (seed(server), page.goto("/transparency"))),
    Screen("transparency-earlier-version", "transparency.version", None,
           lambda page, server: (seed(server, statements=2), page.goto("/transparency/history/1"))),
    Screen("transparency-services-empty", "transparency.services", None, _empty("/transparency/services")),
    Screen("transparency-services", "transparency.services", None,
           lambda page, server: (seed(server), page.goto("/transparency/services"))),
    Screen("transparency-history-empty", "transparency.history", None, _empty("/transparency/history")),
    Screen("transparency-history", "transparency.history", None,
           lambda page, server: (seed(server, statements=2), page.goto("/transparency/history"))),
    Screen("staff-transparency-empty", "transparency.staff_overview", "staff", _empty("/staff/transparency")),
    Screen("staff-transparency-stale", "transparency.staff_overview", "staff",
           lambda page, server: (seed(server, age_days=400), page.goto("/staff/transparency"))),
    Screen("staff-transparency-published", "transparency.staff_overview", "staff", _published),
    Screen("staff-transparency-statement", "transparency.staff_statement", "staff",
           go("/staff/transparency/statement")),
    Screen("staff-transparency-statement-errors", "transparency.staff_statement", "staff",
           _statement_errors),
    Screen("staff-transparency-preview-empty", "transparency.staff_preview", "staff",
           _empty("/staff/transparency/statement/preview")),
    Screen("staff-transparency-preview", "transparency.staff_preview", "staff",
           lambda page, server: (seed(server), _open_draft_on(server),
                                 page.goto("/staff/transparency/statement/preview"))),
    Screen("staff-transparency-funding-new", "transparency.staff_funding_new", "staff",
           go("/staff/transparency/funding/new")),
    Screen("staff-transparency-funding-errors", "transparency.staff_funding_new", "staff",
           _funding_errors),
    Screen("staff-transparency-funding", "transparency.staff_funding", "staff",
           lambda page, server: page.goto(
               f"/staff/transparency/funding/{seed(server, statements=0)['funding_id']}")),
    Screen("staff-transparency-restriction-new", "transparency.staff_restriction_new", "staff",
           _restriction_new),
    Screen("staff-transparency-restriction-errors", "transparency.staff_restriction_new", "staff",
           _restriction_errors),
    Screen("staff-transparency-restriction", "transparency.staff_restriction", "staff",
           lambda page, server: page.goto(
               f"/staff/transparency/restrictions/{_records_on(server)['restriction_id']}")),
    Screen("staff-transparency-partnership-new", "transparency.staff_partnership_new", "staff",
           go("/staff/transparency/partnerships/new")),
    Screen("staff-transparency-partnership-errors", "transparency.staff_partnership_new", "staff",
           _submit_empty("/staff/transparency/partnerships/new", "name")),
    Screen("staff-transparency-partnership", "transparency.staff_partnership", "staff",
           lambda page, server: page.goto(
               f"/staff/transparency/partnerships/{_records_on(server)['partnership_id']}")),
    Screen("staff-transparency-remove-refused", "transparency.staff_partnership", "staff",
           _remove_refused),
    Screen("staff-transparency-service-new", "transparency.staff_service_new", "staff",
           go("/staff/transparency/services/new")),
    Screen("staff-transparency-service-errors", "transparency.staff_service_new", "staff",
           _service_errors),
    Screen("staff-transparency-service", "transparency.staff_service", "staff",
           lambda page, server: page.goto(
               f"/staff/transparency/services/{_records_on(server)['service_id']}")),
]

NOT_PAGES = {"transparency.statement_json", "transparency.schema", "transparency.funding_csv",
             "transparency.feed"}
