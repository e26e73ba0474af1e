"""The rules of funding transparency: records, drafting, publishing, history and the feed."""
from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass

from flask import current_app
from peewee import IntegrityError, fn

from portal import clock
from portal.accounts.audit import record
from portal.accounts.models import User
from portal.db import write_transaction
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.transparency import changes, document
from portal.transparency.models import (
    AMOUNT_BANDS,
    AMOUNT_DISPLAY,
    FUNDER_TYPES,
    NOT_REQUIRED,
    PARTNER_BASIS,
    PARTNER_KINDS,
    RESTRICTION_KINDS,
    SHARING,
    FundingSource,
    Partnership,
    Restriction,
    Service,
    ServiceFunding,
    Statement,
)

HISTORY_PAGE = 50
FEED_ENTRIES = 100
# a statement older than this is flagged to staff
STALE_AFTER = dt.timedelta(days=365)


class TransparencyError(Exception):
    """A request the rules refuse, with a message fit to show to the person."""


def _organisation() -> str:
    """The organisation's name as the statement gives it."""
    return current_app.config["SITE_NAME"]


def _check_choice(value: str, choices, message) -> None:
    """Refuse a value outside a choice list (the message is lazy: translated only when shown)."""
    if value not in choices:
        raise TransparencyError(str(message))


# --- funding sources -------------------------------------------------------------------------

def funding_sources() -> list[FundingSource]:
    """Every funding source, by funder name."""
    return list(FundingSource.select().order_by(fn.LOWER(FundingSource.funder_name), FundingSource.id))


def save_funding(actor: User, source: FundingSource | None, values: dict) -> FundingSource:
    """Add a funding source (source None) or change one."""
    _check_choice(values["funder_type"], FUNDER_TYPES, _l("Choose one of the listed types of funder."))
    _check_choice(values["client_data"], SHARING, _l("Choose one of the listed answers."))
    if values["amount_band"] and values["amount_band"] not in AMOUNT_BANDS:
        raise TransparencyError(_("Choose one of the listed amount bands."))
    if values["amount"] is None and not values["amount_band"]:
        raise TransparencyError(_("Give the amount or choose an amount band."))
    if values["amount"] is not None and values["amount_band"]:
        raise TransparencyError(_("Give either the amount or a band, not both."))
    with write_transaction():
        if source is None:
            source = FundingSource.create(**values)
            record(actor, "transparency.funding.create", source.id)
        else:
            values["updated_at"] = clock.utc_now()
            FundingSource.update(**values).where(FundingSource.id == source.id).execute()
            record(actor, "transparency.funding.update", source.id)
    return FundingSource.get_by_id(source.id)


def _services_limited_by(restriction_ids: list[int]) -> list[str]:
    """Names of the services that a restriction limits."""
    if not restriction_ids:
        return []
    return [s.name for s in Service.select(Service.name).where(Service.limited_by.in_(restriction_ids))]


def delete_funding(actor: User, source: FundingSource) -> None:
    """Remove a funding source and its restrictions; refused while one of them limits a service."""
    restriction_ids = [r.id for r in Restriction.select(Restriction.id)
                       .where(Restriction.funding_source == source)]
    limited = _services_limited_by(restriction_ids)
    if limited:
        raise TransparencyError(_("A restriction of this funder limits the service “%(service)s”. "
                                  "Change that service first.", service=limited[0]))
    with write_transaction():
        ServiceFunding.delete().where(ServiceFunding.funding_source == source).execute()
        Restriction.delete().where(Restriction.funding_source == source).execute()
        FundingSource.delete().where(FundingSource.id == source.id).execute()
        record(actor, "transparency.funding.delete", source.id)


# --- restrictions ----------------------------------------------------------------------------

def restrictions_of(source: FundingSource) -> list[Restriction]:
    """A funder's restrictions in the order they were added."""
    return list(Restriction.select().where(Restriction.funding_source == source).order_by(Restriction.id))


def save_restriction(actor: User, source: FundingSource, restriction: Restriction | None,
                     values: dict) -> Restriction:
    """Add a restriction to a funder (restriction None) or change one."""
    _check_choice(values["kind"], RESTRICTION_KINDS, _l("Choose one of the listed kinds."))
    with write_transaction():
        if restriction is None:
            restriction = Restriction.create(funding_source=source, **values)
            record(actor, "transparency.restriction.create", restriction.id)
        else:
            (Restriction
             .update(updated_at=clock.utc_now(), **values)
             .where(Restriction.id == restriction.id)
             .execute())
            record(actor, "transparency.restriction.update", restriction.id)
    return Restriction.by_public_id(restriction.public_id)


def delete_restriction(actor: User, restriction: Restriction) -> None:
    """Remove a restriction; refused while it limits a service."""
    limited = _services_limited_by([restriction.id])
    if limited:
        raise TransparencyError(_("This restriction limits the service “%(service)s”. Change that "
                                  "service first.", service=limited[0]))
    with write_transaction():
        Restriction.delete().where(Restriction.id == restriction.id).execute()
        record(actor, "transparency.restriction.delete", restriction.id)


def all_restrictions() -> list[Restriction]:
    """Every restriction with its funder, by funder name."""
    return list(Restriction
                .select(Restriction, FundingSource)
                .join(FundingSource)
                .order_by(fn.LOWER(FundingSource.funder_name), Restriction.id))


# --- partnerships ----------------------------------------------------------------------------

def partnerships() -> list[Partnership]:
    """Every partnership, by name."""
    return list(Partnership.select().order_by(fn.LOWER(Partnership.name), Partnership.id))


def save_partnership(actor: User, partnership: Partnership | None, values: dict) -> Partnership:
    """Add a partnership (partnership None) or change one."""
    _check_choice(values["kind"], PARTNER_KINDS, _l("Choose one of the listed kinds."))
    _check_choice(values["basis"], PARTNER_BASIS, _l("Choose one of the listed answers."))
    _check_choice(values["shared"], SHARING, _l("Choose one of the listed answers."))
    with write_transaction():
        if partnership is None:
            partnership = Partnership.create(**values)
            record(actor, "transparency.partnership.create", partnership.id)
        else:
            (Partnership
             .update(updated_at=clock.utc_now(), **values)
             .where(Partnership.id == partnership.id)
             .execute())
            record(actor, "transparency.partnership.update", partnership.id)
    return Partnership.get_by_id(partnership.id)


def delete_partnership(actor: User, partnership: Partnership) -> None:
    """Remove a partnership."""
    with write_transaction():
        Partnership.delete().where(Partnership.id == partnership.id).execute()
        record(actor, "transparency.partnership.delete", partnership.id)


# --- services --------------------------------------------------------------------------------

def services() -> list[Service]:
    """Every service, by name."""
    return list(Service.select().order_by(fn.LOWER(Service.name), Service.id))


def service_funders(service: Service) -> list[str]:
    """The public ids of the funding sources that pay for a service."""
    return [link.funding_source.public_id for link in (ServiceFunding
                                                       .select(ServiceFunding, FundingSource)
                                                       .join(FundingSource)
                                                       .where(ServiceFunding.service == service)
                                                       .order_by(ServiceFunding.id))]


def save_service(actor: User, service: Service | None, values: dict) -> Service:
    """Add a service (service None) or change one, with who pays for it and what limits it."""
    values = dict(values)
    funded_by = values.pop("funded_by")
    limited_by = values.pop("limited_by")
    not_required = values.pop("not_required")
    if any(code not in NOT_REQUIRED for code in not_required):
        raise TransparencyError(_("Choose from the listed answers."))
    sources = list(FundingSource.select().where(FundingSource.public_id.in_(funded_by or [""])))
    if len(sources) != len(set(funded_by)):
        raise TransparencyError(_("One of the funders you chose no longer exists. Choose again."))
    restriction = None
    if limited_by:
        restriction = Restriction.by_public_id(limited_by)
        if restriction is None:
            raise TransparencyError(_("That restriction no longer exists. Choose again."))
        if restriction.funding_source_id not in {s.id for s in sources}:
            raise TransparencyError(_("The restriction “%(restriction)s” belongs to %(funder)s. Tick "
                                      "that funder under “Who pays for it”, or choose another "
                                      "restriction.", restriction=restriction.summary,
                                      funder=restriction.funding_source.funder_name))
        if not values["referrals"].strip():
            raise TransparencyError(_("A restriction limits this service: say where we refer the "
                                      "people it cannot serve."))
    values["not_required"] = ",".join(code for code in NOT_REQUIRED.values if code in not_required)
    values["limited_by"] = restriction
    with write_transaction():
        if service is None:
            service = Service.create(**values)
            action = "transparency.service.create"
        else:
            Service.update(updated_at=clock.utc_now(), **values).where(Service.id == service.id).execute()
            ServiceFunding.delete().where(ServiceFunding.service == service).execute()
            action = "transparency.service.update"
        for source in sources:
            ServiceFunding.create(service=service, funding_source=source)
        record(actor, action, service.id)
    return Service.get_by_id(service.id)


def delete_service(actor: User, service: Service) -> None:
    """Remove a service."""
    with write_transaction():
        ServiceFunding.delete().where(ServiceFunding.service == service).execute()
        Service.delete().where(Service.id == service.id).execute()
        record(actor, "transparency.service.delete", service.id)


# --- statements: drafting and publishing -----------------------------------------------------

def draft() -> Statement | None:
    """The draft being written, if any."""
    return Statement.draft()


def draft_starting_values() -> dict:
    """What the statement form starts from: the draft, else the current statement, else nothing.

    Editing after publishing starts from the published text but saves as a new draft."""
    source = Statement.draft() or Statement.latest_published()
    if source is None:
        return {"introduction": "", "introduction_es": "", "amounts_shown": "exact"}
    return {"introduction": source.introduction, "introduction_es": source.introduction_es,
            "amounts_shown": source.amounts_shown}


def save_draft(actor: User, introduction: str, introduction_es: str, amounts_shown: str) -> Statement:
    """Write the draft: a new one when none is open (published statements never change)."""
    _check_choice(amounts_shown, AMOUNT_DISPLAY, _l("Choose one of the listed answers."))
    values = {"introduction": introduction, "introduction_es": introduction_es,
              "amounts_shown": amounts_shown}
    try:
        with write_transaction():
            current = Statement.draft()
            if current is None:
                current = Statement.create(draft_key=1, created_by=actor, **values)
            else:
                (Statement
                 .update(updated_at=clock.utc_now(), **values)
                 .where((Statement.id == current.id) & Statement.number.is_null())
                 .execute())
            record(actor, "transparency.statement.draft", current.id)
    except IntegrityError:
        # someone else opened a draft at the same moment: theirs stands, nothing was saved here
        raise TransparencyError(_("Someone else started a draft at the same time. Open it and "
                                  "try again.")) from None
    return Statement.get_by_id(current.id)


def discard_draft(actor: User, draft_id: str) -> None:
    """Throw the open draft away (only the one the person saw)."""
    with write_transaction():
        current = Statement.draft()
        if current is None or current.public_id != draft_id:
            raise TransparencyError(_("That draft is no longer open: it was published or "
                                      "discarded."))
        Statement.delete().where((Statement.id == current.id) & Statement.number.is_null()).execute()
        record(actor, "transparency.statement.discard", current.id)


def _latest_document() -> tuple[Statement | None, dict | None]:
    latest = Statement.latest_published()
    return latest, _parsed(latest.public_id, latest.snapshot) if latest else None


def preview_document(current: Statement | None = None) -> dict:
    """The draft as it would be published now (or, without a draft, today's records)."""
    current = current or Statement.draft()
    values = draft_starting_values() if current is None else {
        "introduction": current.introduction, "introduction_es": current.introduction_es,
        "amounts_shown": current.amounts_shown}
    latest = Statement.latest_published()
    return document.build(values["introduction"], values["introduction_es"],
                          values["amounts_shown"], _organisation(),
                          current.public_id if current else "draft",
                          previous=latest.number if latest else None)


def unpublished_changes() -> list[dict]:
    """What the next statement would change, against the current one (empty before the first)."""
    _, latest = _latest_document()
    if latest is None:
        return []
    return changes.compare(latest, preview_document())


def publish_draft(actor: User, draft_id: str) -> Statement:
    """Freeze the draft with today's records into the next numbered, dated statement."""
    now = clock.utc_now()
    try:
        with write_transaction():
            current = Statement.draft()
            if current is None or current.public_id != draft_id:
                raise TransparencyError(_("That draft is no longer open: it was published or "
                                          "discarded."))
            if not current.introduction.strip():
                raise TransparencyError(_("Write the introduction before publishing."))
            latest, previous = _latest_document()
            number = (latest.number if latest else 0) + 1
            snapshot = document.build(current.introduction, current.introduction_es,
                                      current.amounts_shown, _organisation(), current.public_id,
                                      number=number, published_on=now.date(),
                                      previous=latest.number if latest else None)
            updated = (Statement
                       .update(number=number, draft_key=None, snapshot=document.dumps(snapshot),
                               changes=json.dumps(changes.compare(previous, snapshot)),
                               published_at=now, published_on=now.date(), published_by=actor,
                               updated_at=now)
                       .where((Statement.id == current.id) & (Statement.draft_key == 1))
                       .execute())
            if updated != 1:
                raise TransparencyError(_("That draft is no longer open: it was published or "
                                          "discarded."))
            record(actor, "transparency.statement.publish", current.id)
    except IntegrityError:
        raise TransparencyError(_("Another statement was published at the same moment. Check the "
                                  "history and try again.")) from None
    return Statement.get_by_id(current.id)


# --- reading published statements ------------------------------------------------------------

@dataclass
class Published:
    """A published statement as the public pages read it."""

    number: int
    published_on: dt.date
    published_at: dt.datetime
    document: dict
    changes: list[dict]
    is_latest: bool


def _published(statement: Statement, is_latest: bool) -> Published:
    return Published(statement.number, statement.published_on, statement.published_at,
                     _parsed(statement.public_id, statement.snapshot),
                     json.loads(statement.changes or "[]"), is_latest)


@functools.lru_cache(maxsize=16)
def _parsed(public_id: str, snapshot: str) -> dict:
    """A published snapshot as a dict, parsed once per process: it never changes, and parsing a
    large one was a good part of a page's time. Callers read it and never change it."""
    return document.loads(snapshot)


def current_statement() -> Published | None:
    """The statement in force: the latest published."""
    latest = Statement.latest_published()
    return _published(latest, True) if latest else None


def statement_number(number: int) -> Published | None:
    """A published statement by its number."""
    statement = Statement.published_number(number)
    if statement is None:
        return None
    latest = Statement.latest_published()
    return _published(statement, latest is not None and latest.id == statement.id)


@dataclass
class HistoryEntry:
    """One published version in the history: its number, day and what changed."""

    number: int
    published_on: dt.date
    published_at: dt.datetime
    changes: list[dict]


@dataclass
class HistoryPage:
    """Versions newest first, and where the next page starts."""

    entries: list[HistoryEntry]
    next_before: int | None


def history(before: int | None = None, per_page: int = HISTORY_PAGE) -> HistoryPage:
    """Published versions, newest first, a page at a time, with their stored change lists."""
    rows = list(Statement.history(before, per_page + 1))
    entries = [HistoryEntry(row.number, row.published_on, row.published_at,
                            json.loads(row.changes or "[]")) for row in rows[:per_page]]
    next_before = entries[-1].number if len(rows) > per_page else None
    return HistoryPage(entries, next_before)


@dataclass
class FeedEntry:
    """A published statement as the feed gives it: its introduction and what changed."""

    number: int
    published_on: dt.date
    published_at: dt.datetime
    introduction: str
    introduction_es: str
    changes: list[dict]


def feed_entries(limit: int = FEED_ENTRIES) -> list[FeedEntry]:
    """The newest published statements, for the Atom feed (their snapshots are not needed)."""
    rows = (Statement
            .select(Statement.number, Statement.published_on, Statement.published_at,
                    Statement.introduction, Statement.introduction_es, Statement.changes)
            .where(Statement.number.is_null(False))
            .order_by(Statement.number.desc())
            .limit(limit))
    return [FeedEntry(row.number, row.published_on, row.published_at, row.introduction,
                      row.introduction_es, json.loads(row.changes or "[]")) for row in rows]


def is_stale(published_on: dt.date, today: dt.date | None = None) -> bool:
    """True when a statement is more than a year old."""
    return (today or clock.today()) - published_on > STALE_AFTER


def staff_overview() -> dict:
    """What the staff's start page shows: records, the draft, the current statement and its age."""
    latest = Statement.latest_published()
    return {
        "funding": funding_sources(),
        "restriction_counts": dict(Restriction
                                   .select(Restriction.funding_source, fn.COUNT(Restriction.id))
                                   .group_by(Restriction.funding_source)
                                   .tuples()),
        "partnerships": partnerships(),
        "services": services(),
        "draft": Statement.draft(),
        "latest": latest,
        "stale": latest is not None and is_stale(latest.published_on),
        "pending": unpublished_changes(),
    }
