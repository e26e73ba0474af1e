"""The advisory council: members and what they say about themselves, proposals and responses,
meetings, participation and the keys that let members read one another (see keyring.py)."""
from __future__ import annotations

import datetime as dt

from peewee import (
    BigIntegerField,
    BooleanField,
    CharField,
    DateField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from portal.accounts.keys import BytesField
from portal.accounts.models import AppKeyEncryptedField, User
from portal.accounts.sealed import ItemTextField, SealedKeyField
from portal.choices import Choices
from portal.db import BaseModel, new_public_id
from portal.i18n import lazy_gettext as _l

EMAIL_PURPOSE = "council-email"

# who may see one field of a member's profile
VISIBILITY = Choices(
    ("public", _l("Everyone (shown on the public council page)")),
    ("council", _l("Staff and council members")),
    ("me", _l("Only me (counted in the anonymous totals, never shown with my name)")),
)
POSITIONS = Choices(
    ("support", _l("Support")),
    ("concerns", _l("Support, with concerns")),
    ("object", _l("Object")),
    ("abstain", _l("Abstain")),
)
PROPOSAL_STATES = Choices(("draft", _l("Draft")), ("open", _l("Open to the council")))
KINDS = Choices(
    ("meeting", _l("Meeting")),
    ("review", _l("Proposal review")),
    ("other", _l("Other council work")),
)


class CouncilSettings(BaseModel):
    """What the organisation sets for the council (one row)."""

    contact_en = TextField(default="")
    contact_es = TextField(default="")
    public_diversity = BooleanField(default=False)
    # "category:value" pairs the organisation wants represented, one per line
    wanted = TextField(default="")
    # the hourly stipend in cents, copied onto each participation entry when it is logged
    rate_cents = IntegerField(default=2500)
    currency = CharField(max_length=8, default="USD")

    class Meta:
        table_name = "council_settings"


class CouncilKey(BaseModel):
    """The council's key pair: members' words are sealed to its public key as well."""

    generation = IntegerField(unique=True)
    public_key = BytesField()
    # the private key sealed to the organisation key (staff open it to give it to members)
    sealed_private = SealedKeyField()
    created_on = DateField()

    class Meta:
        table_name = "council_key"


class MemberKey(BaseModel):
    """A council account's own key pair; the private key is wrapped with the member's password."""

    user = ForeignKeyField(User, unique=True, backref="+", on_delete="CASCADE")
    public_key = BytesField()
    wrapped_private = BytesField()

    class Meta:
        table_name = "council_member_key"


class CouncilGrant(BaseModel):
    """The council private key sealed to one member's own public key."""

    user = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    generation = IntegerField()
    sealed_key = BytesField()

    class Meta:
        table_name = "council_grant"
        indexes = ((("user", "generation"), True),)


class Member(BaseModel):
    """A council member: the account, the name they want used and their term."""

    public_id = BigIntegerField(unique=True, default=new_public_id)
    user = ForeignKeyField(User, unique=True, backref="+", on_delete="CASCADE")
    name = CharField(max_length=100)
    name_public = BooleanField(default=False)
    term_starts = DateField()
    term_ends = DateField(null=True)
    # an address for "something to read" messages, encrypted with a key from the app's secret
    email = AppKeyEncryptedField(EMAIL_PURPOSE, max_length=500, null=True)
    # the day a reset link made the member's "only me" words unreadable (they are told)
    personal_lost_on = DateField(null=True)
    created_on = DateField()

    class Meta:
        table_name = "council_member"

    def is_current(self, today: dt.date) -> bool:
        """True when the term has started and not ended."""
        return self.term_starts <= today and (self.term_ends is None or self.term_ends >= today)

    @classmethod
    def current(cls, today: dt.date):
        """Members whose term includes today, by name."""
        return (cls.select()
                .where((cls.term_starts <= today)
                       & (cls.term_ends.is_null() | (cls.term_ends >= today)))
                .order_by(cls.name, cls.id))


class ProfileEntry(BaseModel):
    """One field of a member's self-description, with who may see it.

    A text is sealed to the organisation and to the council (org_key, council_key, body) unless
    it is "only me", then sealed to the member's own key (own_seal). A "public" text is also kept
    as published (public_text). A category keeps its chosen value in the clear so that totals
    can be counted without any key.
    """

    member = ForeignKeyField(Member, backref="entries", on_delete="CASCADE")
    field = CharField(max_length=32)
    visibility = CharField(max_length=8)
    value = CharField(max_length=32, null=True)
    public_text = TextField(null=True)
    org_key = SealedKeyField(null=True)
    council_key = BytesField(null=True)
    body = ItemTextField(null=True)
    own_seal = BytesField(null=True)

    class Meta:
        table_name = "council_profile_entry"
        indexes = ((("member", "field"), True),)


class Proposal(BaseModel):
    """Something staff ask the council about, and what the organisation decided."""

    public_id = BigIntegerField(unique=True, default=new_public_id)
    title = CharField(max_length=200)
    question = TextField()
    background = TextField(default="")
    attachments = TextField(default="")
    state = CharField(max_length=8, default="draft")
    opened_on = DateField(null=True)
    closes_on = DateField()
    decision = TextField(null=True)
    action = TextField(null=True)
    decided_on = DateField(null=True)
    published_on = DateField(null=True)
    created_on = DateField()

    class Meta:
        table_name = "council_proposal"

    def is_closed(self, today: dt.date) -> bool:
        """Responses are taken up to and including the closing day."""
        return self.state == "open" and self.closes_on < today

    def is_open(self, today: dt.date) -> bool:
        """Taking responses today."""
        return self.state == "open" and self.closes_on >= today


class ProposalResponse(BaseModel):
    """One member's position on a proposal, with a comment sealed like profile texts."""

    public_id = BigIntegerField(unique=True, default=new_public_id)
    proposal = ForeignKeyField(Proposal, backref="responses", on_delete="CASCADE")
    member = ForeignKeyField(Member, backref="responses", on_delete="CASCADE")
    position = CharField(max_length=16)
    # staff see the response without the member's name (other members too)
    hide_name = BooleanField(default=False)
    org_key = SealedKeyField(null=True)
    council_key = BytesField(null=True)
    comment = ItemTextField(null=True)
    # the comment sealed to the member's own key, so they read it before the council key reaches them
    own_seal = BytesField(null=True)
    updated_on = DateField()

    class Meta:
        table_name = "council_response"
        indexes = ((("proposal", "member"), True),)


class ProposalNotice(BaseModel):
    """A "something to read" message already sent for a proposal (opened, or closing soon)."""

    proposal = ForeignKeyField(Proposal, backref="+", on_delete="CASCADE")
    kind = CharField(max_length=8)
    sent_on = DateField()

    class Meta:
        table_name = "council_notice"
        indexes = ((("proposal", "kind"), True),)


class Meeting(BaseModel):
    """A council meeting: the day, agenda and notes, and how long it lasted."""

    public_id = BigIntegerField(unique=True, default=new_public_id)
    held_on = DateField()
    title = CharField(max_length=200)
    agenda = TextField(default="")
    notes = TextField(default="")
    minutes = IntegerField(default=60)
    created_on = DateField()

    class Meta:
        table_name = "council_meeting"


class Participation(BaseModel):
    """Time a member gave (a meeting, a proposal review...) and the rate it is paid at."""

    public_id = BigIntegerField(unique=True, default=new_public_id)
    member = ForeignKeyField(Member, backref="participation", on_delete="CASCADE")
    worked_on = DateField()
    kind = CharField(max_length=8)
    minutes = IntegerField()
    rate_cents = IntegerField()
    note = CharField(max_length=200, default="")
    meeting = ForeignKeyField(Meeting, null=True, backref="attendance", on_delete="CASCADE")

    class Meta:
        table_name = "council_participation"
        indexes = ((("member", "worked_on"), False), (("meeting", "member"), False))


MODELS = (CouncilSettings, CouncilKey, MemberKey, CouncilGrant, Member, ProfileEntry, Proposal,
          ProposalResponse, ProposalNotice, Meeting, Participation)
