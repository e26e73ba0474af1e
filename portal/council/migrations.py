"""Schema steps of the council area, each with frozen copies of the models of its time.

Never edit a released step: add a new one.
"""
from __future__ import annotations

from peewee import (
    BigIntegerField,
    BlobField,
    BooleanField,
    CharField,
    DateField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

from portal.db import db


def _v1_council() -> None:
    """Settings, keys, members and profiles, proposals and responses, meetings, participation."""

    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):
        class Meta:
            table_name = "user"

    class CouncilSettings(Base):
        contact_en = TextField(default="")
        contact_es = TextField(default="")
        public_diversity = BooleanField(default=False)
        wanted = TextField(default="")
        rate_cents = IntegerField(default=2500)
        currency = CharField(max_length=8, default="USD")

        class Meta:
            table_name = "council_settings"

    class CouncilKey(Base):
        generation = IntegerField(unique=True)
        public_key = BlobField()
        sealed_private = BlobField()
        created_on = DateField()

        class Meta:
            table_name = "council_key"

    class MemberKey(Base):
        user = ForeignKeyField(User, unique=True, on_delete="CASCADE")
        public_key = BlobField()
        wrapped_private = BlobField()

        class Meta:
            table_name = "council_member_key"

    class CouncilGrant(Base):
        user = ForeignKeyField(User, on_delete="CASCADE")
        generation = IntegerField()
        sealed_key = BlobField()

        class Meta:
            table_name = "council_grant"
            indexes = ((("user", "generation"), True),)

    class Member(Base):
        public_id = BigIntegerField(unique=True)
        user = ForeignKeyField(User, unique=True, on_delete="CASCADE")
        name = CharField(max_length=100)
        name_public = BooleanField(default=False)
        term_starts = DateField()
        term_ends = DateField(null=True)
        email = CharField(max_length=500, null=True)
        personal_lost_on = DateField(null=True)
        created_on = DateField()

        class Meta:
            table_name = "council_member"

    class ProfileEntry(Base):
        member = ForeignKeyField(Member, on_delete="CASCADE")
        field = CharField(max_length=32)
        visibility = CharField(max_length=8)
        value = CharField(max_length=32, null=True)
        public_text = TextField(null=True)
        org_key = BlobField(null=True)
        council_key = BlobField(null=True)
        body = BlobField(null=True)
        own_seal = BlobField(null=True)

        class Meta:
            table_name = "council_profile_entry"
            indexes = ((("member", "field"), True),)

    class Proposal(Base):
        public_id = BigIntegerField(unique=True)
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

    class ProposalResponse(Base):
        public_id = BigIntegerField(unique=True)
        proposal = ForeignKeyField(Proposal, on_delete="CASCADE")
        member = ForeignKeyField(Member, on_delete="CASCADE")
        position = CharField(max_length=16)
        hide_name = BooleanField(default=False)
        org_key = BlobField(null=True)
        council_key = BlobField(null=True)
        comment = BlobField(null=True)
        own_seal = BlobField(null=True)
        updated_on = DateField()

        class Meta:
            table_name = "council_response"
            indexes = ((("proposal", "member"), True),)

    class ProposalNotice(Base):
        proposal = ForeignKeyField(Proposal, on_delete="CASCADE")
        kind = CharField(max_length=8)
        sent_on = DateField()

        class Meta:
            table_name = "council_notice"
            indexes = ((("proposal", "kind"), True),)

    class Meeting(Base):
        public_id = BigIntegerField(unique=True)
        held_on = DateField()
        title = CharField(max_length=200)
        agenda = TextField(default="")
        notes = TextField(default="")
        minutes = IntegerField(default=60)
        created_on = DateField()

        class Meta:
            table_name = "council_meeting"

    class Participation(Base):
        public_id = BigIntegerField(unique=True)
        member = ForeignKeyField(Member, on_delete="CASCADE")
        worked_on = DateField()
        kind = CharField(max_length=8)
        minutes = IntegerField()
        rate_cents = IntegerField()
        note = CharField(max_length=200, default="")
        meeting = ForeignKeyField(Meeting, null=True, on_delete="CASCADE")

        class Meta:
            table_name = "council_participation"
            indexes = ((("member", "worked_on"), False), (("meeting", "member"), False))

    db.create_tables([CouncilSettings, CouncilKey, MemberKey, CouncilGrant, Member, ProfileEntry,
                      Proposal, ProposalResponse, ProposalNotice, Meeting, Participation])


MIGRATIONS = ((1, _v1_council),)
