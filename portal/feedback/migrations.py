"""Schema steps of the feedback area, each with frozen copies of the models of its time.

Never edit a released step: add a new one.
"""
from __future__ import annotations

from peewee import (
    BooleanField,
    CharField,
    DateField,
    ForeignKeyField,
    Model,
    SmallIntegerField,
    TextField,
)

from portal.db import db


def _v1_feedback() -> None:
    """Anonymous feedback threads and their messages."""

    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):
        # only to name the foreign key's table; the accounts area creates it
        class Meta:
            table_name = "user"

    class FeedbackThread(Base):
        receipt_hash = CharField(max_length=64, unique=True)
        topic = CharField(max_length=16, default="")
        rating = SmallIntegerField(null=True)
        quotable = BooleanField(default=False)
        status = CharField(max_length=16, default="new", index=True)
        tags = CharField(max_length=255, default="")
        created_on = DateField()
        last_message_on = DateField(index=True)
        public_quote = TextField(null=True)
        public_action = TextField(null=True)
        published_on = DateField(null=True, index=True)

        class Meta:
            table_name = "feedback_thread"
            indexes = (
                (("last_message_on", "id"), False),
                (("status", "last_message_on", "id"), False),
                (("topic", "last_message_on", "id"), False),
                (("status", "topic", "last_message_on", "id"), False),
            )

    class FeedbackMessage(Base):
        thread = ForeignKeyField(FeedbackThread, on_delete="CASCADE")
        author = CharField(max_length=8)
        body = TextField()
        created_on = DateField()
        staff_user = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")

        class Meta:
            table_name = "feedback_message"

    db.create_tables([FeedbackThread, FeedbackMessage])


MIGRATIONS = ((1, _v1_feedback),)
