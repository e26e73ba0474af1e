"""Schema steps of the stories area, each with frozen copies of the models of its time.

Never edit a released step: add a new one.
"""
from __future__ import annotations

import datetime as dt

from peewee import (
    BigIntegerField,
    BlobField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    Model,
)

from portal.db import db


def _v1_stories() -> None:
    """Stories with their consent, consented channels, the use log and takedown tasks."""

    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):
        # only to name the foreign key's table; the accounts area creates it
        class Meta:
            table_name = "user"

    class Story(Base):
        public_id = BigIntegerField(unique=True)
        code_hash = CharField(max_length=64, unique=True)
        sealed_key = BlobField()
        code_key = BlobField()
        title = BlobField(null=True)
        sealed_text = BlobField(null=True)
        content_notes = BlobField(null=True)
        attribution = CharField(max_length=16)
        real_name = BlobField(null=True)
        credit_name = BlobField(null=True)
        consent_given_on = DateField()
        consent_method = CharField(max_length=16)
        consent_language = CharField(max_length=8)
        wording_version = CharField(max_length=40)
        consent_expires_on = DateField(index=True)
        edits_need_approval = BooleanField(default=True)
        recorded_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
        created_on = DateField(index=True)
        renewed_on = DateField(null=True)
        erased_on = DateField(null=True)

        class Meta:
            table_name = "story"
            indexes = ((("created_on", "public_id"), False),)

    class StoryChannel(Base):
        story = ForeignKeyField(Story, on_delete="CASCADE", index=False)
        channel = CharField(max_length=16)
        conditions = BlobField(null=True)
        withdrawn_on = DateField(null=True)
        withdrawn_by = CharField(max_length=8, null=True)

        class Meta:
            table_name = "story_channel"
            indexes = ((("story", "channel"), True),)

    class StoryUse(Base):
        public_id = BigIntegerField(unique=True)
        story = ForeignKeyField(Story, on_delete="CASCADE")
        channel = CharField(max_length=16)
        purpose = BlobField()
        place = BlobField()
        attribution = CharField(max_length=16)
        used_on = DateField()
        used_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
        created_at = DateTimeField(default=dt.datetime.now)

        class Meta:
            table_name = "story_use"

    class StoryTakedown(Base):
        public_id = BigIntegerField(unique=True)
        story = ForeignKeyField(Story, on_delete="CASCADE")
        use = ForeignKeyField(StoryUse, on_delete="CASCADE")
        channel = CharField(max_length=16)
        created_on = DateField(index=True)
        done_on = DateField(null=True, index=True)
        done_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")

        class Meta:
            table_name = "story_takedown"

    db.create_tables([Story, StoryChannel, StoryUse, StoryTakedown])


MIGRATIONS = ((1, _v1_stories),)
