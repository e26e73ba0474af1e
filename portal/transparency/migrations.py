"""Schema steps of the transparency area, each with frozen copies of the models of its time.

Never edit a released step: add a new one.
"""
from __future__ import annotations

from peewee import (
    BigIntegerField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    SmallIntegerField,
    TextField,
)

from portal.db import db


def _v1_transparency() -> None:
    """Funding sources, restrictions, partnerships, services and statements."""

    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):
        # only to name the foreign key's table; the accounts area creates it
        class Meta:
            table_name = "user"

    class FundingSource(Base):
        public_id = CharField(max_length=16, unique=True)
        funder_name = CharField(max_length=200)
        funder_type = CharField(max_length=16)
        programme = CharField(max_length=200, default="")
        description = TextField(default="")
        amount = BigIntegerField(null=True)
        amount_band = CharField(max_length=16, default="")
        currency = CharField(max_length=3, default="USD")
        starts_on = DateField(null=True)
        ends_on = DateField(null=True)
        client_data = CharField(max_length=16, default="nothing")
        client_data_detail = TextField(default="")
        created_at = DateTimeField()
        updated_at = DateTimeField()

        class Meta:
            table_name = "transparency_funding_source"

    class Restriction(Base):
        public_id = CharField(max_length=16, unique=True)
        funding_source = ForeignKeyField(FundingSource, on_delete="CASCADE")
        kind = CharField(max_length=24)
        summary = CharField(max_length=300)
        terms_say = TextField()
        we_do = TextField()
        created_at = DateTimeField()
        updated_at = DateTimeField()

        class Meta:
            table_name = "transparency_restriction"

    class Partnership(Base):
        public_id = CharField(max_length=16, unique=True)
        name = CharField(max_length=200)
        kind = CharField(max_length=24)
        basis = CharField(max_length=16, default="chosen")
        purpose = TextField()
        shared = CharField(max_length=16)
        shared_detail = TextField(default="")
        safeguards = TextField()
        created_at = DateTimeField()
        updated_at = DateTimeField()

        class Meta:
            table_name = "transparency_partnership"

    class Service(Base):
        public_id = CharField(max_length=16, unique=True)
        name = CharField(max_length=200)
        description = TextField(default="")
        eligibility = TextField()
        requirements = TextField(default="")
        not_required = CharField(max_length=200, default="")
        not_required_note = TextField(default="")
        limited_by = ForeignKeyField(Restriction, null=True, backref="+", on_delete="SET NULL")
        referrals = TextField(default="")
        created_at = DateTimeField()
        updated_at = DateTimeField()

        class Meta:
            table_name = "transparency_service"

    class ServiceFunding(Base):
        service = ForeignKeyField(Service, on_delete="CASCADE")
        funding_source = ForeignKeyField(FundingSource, on_delete="CASCADE")

        class Meta:
            table_name = "transparency_service_funding"
            indexes = ((("service", "funding_source"), True),)

    class Statement(Base):
        public_id = CharField(max_length=16, unique=True)
        number = IntegerField(null=True, unique=True)
        draft_key = SmallIntegerField(null=True, unique=True)
        introduction = TextField(default="")
        introduction_es = TextField(default="")
        amounts_shown = CharField(max_length=8, default="exact")
        changes = TextField(null=True)
        created_at = DateTimeField()
        created_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
        updated_at = DateTimeField()
        published_at = DateTimeField(null=True)
        published_on = DateField(null=True)
        published_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
        snapshot = TextField(null=True)

        class Meta:
            table_name = "transparency_statement"

    db.create_tables([FundingSource, Restriction, Partnership, Service, ServiceFunding, Statement])


MIGRATIONS = ((1, _v1_transparency),)
