"""Schema steps of the feedback area, each with frozen copies of the models of its time.

Never edit a released step: add a new one.
"""
from __future__ import annotations

import datetime as dt
import secrets

from peewee import (
    BigIntegerField,
    BooleanField,
    Case,
    CharField,
    DateField,
    ForeignKeyField,
    Model,
    SmallIntegerField,
    Table,
    TextField,
)
from playhouse.migrate import SchemaMigrator, migrate

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


# the staff list's filters, each paged by (last_message_on, a tie-break)
V2_PAGING = (("last_message_on",), ("status", "last_message_on"), ("topic", "last_message_on"),
             ("status", "topic", "last_message_on"))
V2_DAY_ONLY = ("feedback.reply", "feedback.status", "feedback.tags", "feedback.publish",
               "feedback.unpublish")
V2_BATCH = 500


def _v2_random_public_ids() -> None:
    """Random 15-digit public ids for threads and messages, used in URLs, exports and the audit
    trail instead of row numbers (which tell the order of arrival); audit rows about threads keep
    the day only."""
    migrator = SchemaMigrator.from_database(db.obj)
    migrate(
        migrator.add_column("feedback_thread", "public_id", BigIntegerField(null=True)),
        migrator.add_column("feedback_message", "public_id", BigIntegerField(null=True)),
        *[migrator.drop_index("feedback_thread", "_".join(("feedback_thread", *columns, "id")))
          for columns in V2_PAGING],
    )
    public = {table: _v2_fill_public_ids(table) for table in ("feedback_thread", "feedback_message")}
    migrate(
        migrator.add_not_null("feedback_thread", "public_id"),
        migrator.add_not_null("feedback_message", "public_id"),
        migrator.add_index("feedback_thread", ("public_id",), unique=True),
        migrator.add_index("feedback_message", ("public_id",), unique=True),
        *[migrator.add_index("feedback_thread", (*columns, "public_id"), False) for columns in V2_PAGING],
    )
    _v2_audit_rows_keep_the_day(public["feedback_thread"])


def _v2_fill_public_ids(name: str) -> dict[int, int]:
    """Give every row of a table a distinct random public id; returns {row id: public id}."""
    table = Table(name, ("id", "public_id")).bind(db)
    ids = [row["id"] for row in table.select(table.id).order_by(table.id)]
    chosen: dict[int, int] = {}
    seen: set[int] = set()
    for row_id in ids:
        number = 10**14 + secrets.randbelow(9 * 10**14)
        while number in seen:
            number = 10**14 + secrets.randbelow(9 * 10**14)
        seen.add(number)
        chosen[row_id] = number
    for start in range(0, len(ids), V2_BATCH):
        batch = ids[start:start + V2_BATCH]
        (table.update(public_id=Case(table.id, [(row_id, chosen[row_id]) for row_id in batch]))
         .where(table.id.in_(batch))
         .execute())
    return chosen


def _v2_audit_rows_keep_the_day(public: dict[int, int]) -> None:
    """Audit rows about threads: the thread's public id as subject, and midnight as the time."""
    audit = Table("audit_entry", ("id", "action", "subject_id", "created_at")).bind(db)
    rows = list(audit.select(audit.id, audit.subject_id, audit.created_at)
                .where(audit.action.in_(V2_DAY_ONLY)))
    for row in rows:
        when = row["created_at"]
        if not isinstance(when, dt.datetime):
            when = dt.datetime.fromisoformat(str(when))
        # a thread purged since has no public id: its audit rows keep no subject
        subject = public.get(row["subject_id"])
        (audit.update(created_at=when.strftime("%Y-%m-%d 00:00:00"), subject_id=subject)
         .where(audit.id == row["id"])
         .execute())


MIGRATIONS = ((1, _v1_feedback), (2, _v2_random_public_ids))
