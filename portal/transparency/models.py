"""Funding sources, their restrictions, partnerships, services and the published statements.

The first four are the organisation's records as they stand today, edited by staff. A statement
freezes them: publishing stores the whole statement as a JSON document, so a later edit to a
funder never changes what was published on a given day.
"""
from __future__ import annotations

import secrets

from peewee import (
    BigIntegerField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    SmallIntegerField,
    TextField,
)

from portal.accounts.models import User
from portal.choices import Choices
from portal.clock import utc_now
from portal.db import BaseModel, built_once
from portal.i18n import lazy_gettext as _l

FUNDER_TYPES = Choices(
    ("federal", _l("Federal government")),
    ("state", _l("State government")),
    ("local", _l("Local government")),
    ("foundation", _l("Foundation")),
    ("corporate", _l("Corporate")),
    ("individual", _l("Individual donors")),
    ("earned", _l("Earned income")),
)

# (code, label, smallest amount, largest amount or None)
BANDS = (
    ("under-10k", _l("Under 10,000"), 1, 9_999),
    ("10k-50k", _l("10,000 to 49,999"), 10_000, 49_999),
    ("50k-100k", _l("50,000 to 99,999"), 50_000, 99_999),
    ("100k-250k", _l("100,000 to 249,999"), 100_000, 249_999),
    ("250k-500k", _l("250,000 to 499,999"), 250_000, 499_999),
    ("500k-1m", _l("500,000 to 999,999"), 500_000, 999_999),
    ("1m-plus", _l("1,000,000 or more"), 1_000_000, None),
)
AMOUNT_BANDS = Choices(*((code, label) for code, label, _, _ in BANDS))
BAND_LIMITS = {code: (low, high) for code, _, low, high in BANDS}

# what client information goes to a funder or a partner
SHARING = Choices(
    ("nothing", _l("Nothing about clients")),
    ("aggregate", _l("Aggregate figures only, never about one person")),
    ("deidentified", _l("Records with names and identifying details removed")),
    ("with-release", _l("Client information only with the client's written, time-limited release")),
    ("identified", _l("Identified client information")),
)

RESTRICTION_KINDS = Choices(
    ("eligibility", _l("Who the funding may serve")),
    ("client-condition", _l("A condition on clients")),
    ("activity", _l("What the funding may not pay for")),
    ("other", _l("Another restriction")),
)

PARTNER_KINDS = Choices(
    ("law-enforcement", _l("Law enforcement")),
    ("courts", _l("Courts")),
    ("immigration", _l("Immigration")),
    ("health", _l("Health")),
    ("housing", _l("Housing")),
    ("sex-worker-safety", _l("Sex worker safety organisation")),
    ("other", _l("Other")),
)

PARTNER_BASIS = Choices(
    ("chosen", _l("We chose this partnership")),
    ("funder", _l("A funder requires it")),
    ("law", _l("The law requires it")),
)

# by the voluntary-service model, what no service may make a condition
NOT_REQUIRED = Choices(
    ("therapy", _l("Going to therapy or counselling")),
    ("religion", _l("Attending religious services")),
    ("leaving", _l("Leaving the sex trades")),
    ("police", _l("Talking to the police or pressing charges")),
    ("sobriety", _l("Being sober or in treatment")),
    ("id", _l("Showing ID or immigration papers")),
    ("story", _l("Telling your story or proving you were trafficked")),
)

AMOUNT_DISPLAY = Choices(
    ("exact", _l("Exact amounts where we have them")),
    ("bands", _l("Only amount bands")),
)

CURRENCY_DEFAULT = "USD"


def new_public_id() -> str:
    """A random id for URLs and the published document (row numbers tell nothing outside)."""
    return secrets.token_urlsafe(9)


class PublishedStatementError(Exception):
    """A published statement is never changed; editing it makes a new draft."""


class FundingSource(BaseModel):
    """One funder and what its money pays for."""

    public_id = CharField(max_length=16, unique=True, default=new_public_id)
    funder_name = CharField(max_length=200)
    funder_type = CharField(max_length=16)
    programme = CharField(max_length=200, default="")
    description = TextField(default="")
    # whole units of the currency; an organisation may give a band instead
    amount = BigIntegerField(null=True)
    amount_band = CharField(max_length=16, default="")
    currency = CharField(max_length=3, default=CURRENCY_DEFAULT)
    starts_on = DateField(null=True)
    ends_on = DateField(null=True)
    client_data = CharField(max_length=16, default="nothing")
    client_data_detail = TextField(default="")
    created_at = DateTimeField(default=utc_now)
    updated_at = DateTimeField(default=utc_now)

    class Meta:
        table_name = "transparency_funding_source"

    @classmethod
    def by_public_id(cls, public_id: str) -> FundingSource | None:
        """The funding source with this id, or None."""
        return cls.get_or_none(cls.public_id == public_id)


class Restriction(BaseModel):
    """A term of a funder's money: who it may serve, a condition on clients, what it may not pay."""

    public_id = CharField(max_length=16, unique=True, default=new_public_id)
    funding_source = ForeignKeyField(FundingSource, backref="restrictions", on_delete="CASCADE")
    kind = CharField(max_length=24)
    summary = CharField(max_length=300)
    # what the funder's terms actually say, as opposed to what people assume they say
    terms_say = TextField()
    we_do = TextField()
    created_at = DateTimeField(default=utc_now)
    updated_at = DateTimeField(default=utc_now)

    class Meta:
        table_name = "transparency_restriction"

    @classmethod
    def by_public_id(cls, public_id: str) -> Restriction | None:
        """The restriction with this id (with its funder), or None."""
        return (cls
                .select(cls, FundingSource)
                .join(FundingSource)
                .where(cls.public_id == public_id)
                .first())


class Partnership(BaseModel):
    """Someone the organisation works with, why, what they get and how clients are kept safe."""

    public_id = CharField(max_length=16, unique=True, default=new_public_id)
    name = CharField(max_length=200)
    kind = CharField(max_length=24)
    basis = CharField(max_length=16, default="chosen")
    purpose = TextField()
    shared = CharField(max_length=16)
    shared_detail = TextField(default="")
    safeguards = TextField()
    created_at = DateTimeField(default=utc_now)
    updated_at = DateTimeField(default=utc_now)

    class Meta:
        table_name = "transparency_partnership"

    @classmethod
    def by_public_id(cls, public_id: str) -> Partnership | None:
        """The partnership with this id, or None."""
        return cls.get_or_none(cls.public_id == public_id)


class Service(BaseModel):
    """A service, who can get it, what it asks and does not ask, and what limits it."""

    public_id = CharField(max_length=16, unique=True, default=new_public_id)
    name = CharField(max_length=200)
    description = TextField(default="")
    eligibility = TextField()
    requirements = TextField(default="")
    # codes from NOT_REQUIRED, comma-separated
    not_required = CharField(max_length=200, default="")
    not_required_note = TextField(default="")
    limited_by = ForeignKeyField(Restriction, null=True, backref="+", on_delete="SET NULL")
    referrals = TextField(default="")
    created_at = DateTimeField(default=utc_now)
    updated_at = DateTimeField(default=utc_now)

    class Meta:
        table_name = "transparency_service"

    @classmethod
    def by_public_id(cls, public_id: str) -> Service | None:
        """The service with this id, or None."""
        return cls.get_or_none(cls.public_id == public_id)

    @property
    def not_required_list(self) -> list[str]:
        """The codes of what the service does not require."""
        return [code for code in self.not_required.split(",") if code]


class ServiceFunding(BaseModel):
    """Which funding pays for which service."""

    service = ForeignKeyField(Service, backref="funding", on_delete="CASCADE")
    funding_source = ForeignKeyField(FundingSource, backref="services", on_delete="CASCADE")

    class Meta:
        table_name = "transparency_service_funding"
        indexes = ((("service", "funding_source"), True),)


class Statement(BaseModel):
    """A transparency statement: a draft, or a published, numbered, dated and frozen snapshot."""

    public_id = CharField(max_length=16, unique=True, default=new_public_id)
    # 1, 2, 3... once published; none while a draft
    number = IntegerField(null=True, unique=True)
    # 1 on the one draft there may be, empty on published statements (unique: one draft at most)
    draft_key = SmallIntegerField(null=True, unique=True)
    introduction = TextField(default="")
    introduction_es = TextField(default="")
    amounts_shown = CharField(max_length=8, default="exact")
    # what changed since the statement before, as JSON (computed once, when published)
    changes = TextField(null=True)
    created_at = DateTimeField(default=utc_now)
    created_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    updated_at = DateTimeField(default=utc_now)
    published_at = DateTimeField(null=True)
    published_on = DateField(null=True)
    published_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    # the published statement as a JSON document (schema/statement-v1.json), never changed; the
    # last column, so reading the ones before it never walks through a large snapshot
    snapshot = TextField(null=True)

    class Meta:
        table_name = "transparency_statement"

    @property
    def is_published(self) -> bool:
        """True once the statement has a number."""
        return self.number is not None

    def save(self, *args, **kwargs):
        """Refuse to change a published statement in place; an edit makes a new draft."""
        if self.id is not None and (Statement
                                    .select(Statement.id)
                                    .where((Statement.id == self.id)
                                           & Statement.number.is_null(False))
                                    .exists()):
            raise PublishedStatementError(f"statement {self.number} is published and cannot change")
        return super().save(*args, **kwargs)

    @classmethod
    def draft(cls) -> Statement | None:
        """The draft being written, if there is one."""
        return cls.get_or_none(cls.draft_key == 1)

    @classmethod
    def latest_published(cls) -> Statement | None:
        """The current statement: the published one with the highest number."""
        found = _latest_published()
        return found[0] if found else None

    @classmethod
    def published_number(cls, number: int) -> Statement | None:
        """A published statement by its number."""
        return cls.get_or_none(cls.number == number)

    @classmethod
    def history(cls, before: int | None = None, limit: int = 50):
        """Published statements, newest first, without their snapshots (keyset paged by number)."""
        query = (cls
                 .select(cls.id, cls.public_id, cls.number, cls.published_on, cls.published_at,
                         cls.changes)
                 .where(cls.number.is_null(False)))
        if before is not None:
            query = query.where(cls.number < before)
        return query.order_by(cls.number.desc()).limit(limit)


# every transparency page starts with this read: its SQL is built once (portal/db.py)
_latest_published = built_once(lambda: Statement.select().where(Statement.number.is_null(False))
                               .order_by(Statement.number.desc()).limit(1))
