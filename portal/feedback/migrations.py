"""Schema steps of the feedback area, each with frozen copies of the models of its time.

Never edit a released step: add a new one.
"""
from __future__ import annotations

import datetime as dt
import secrets

from peewee import (
    BigIntegerField,
    BlobField,
    BooleanField,
    Case,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    SmallIntegerField,
    Table,
    TextField,
)
from playhouse.migrate import SchemaMigrator, migrate

from portal import sealing
from portal.db import db, is_sqlite


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



def _v3_sealed_messages() -> None:
    """Seal what clients and staff wrote: each thread gets its own key, sealed to the organisation.

    Existing messages are encrypted in place with their thread's new key; only the organisation
    public key is needed. A receipt is not stored, so an existing thread's key cannot be wrapped
    for it here: the client gets a new key at their next visit (see service.open_for_client).
    """
    migrator = SchemaMigrator.from_database(db.obj)
    migrate(
        migrator.add_column("feedback_thread", "sealed_key", BlobField(null=True)),
        migrator.add_column("feedback_thread", "receipt_key", BlobField(null=True)),
        migrator.add_column("feedback_thread", "legacy_key", BlobField(null=True)),
        migrator.add_column("feedback_message", "sealed_body", BlobField(null=True)),
    )

    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Thread(Base):
        sealed_key = BlobField(null=True)

        class Meta:
            table_name = "feedback_thread"

    class Message(Base):
        thread_id = IntegerField()
        body = TextField()
        sealed_body = BlobField(null=True)

        class Meta:
            table_name = "feedback_message"

    thread_ids = [row.id for row in Thread.select(Thread.id)]
    if thread_ids:
        # the organisation key of the accounts area (made, unclaimed, when it does not exist yet)
        from portal.accounts.keys import org_public_key

        generation, public_key = org_public_key()
        thread_keys = {thread_id: sealing.new_item_key() for thread_id in thread_ids}
        for thread_id, item_key in thread_keys.items():
            sealed_key = sealing.seal_item_key(item_key, public_key, generation)
            Thread.update(sealed_key=sealed_key).where(Thread.id == thread_id).execute()
        for message in Message.select(Message.id, Message.thread_id, Message.body):
            body = sealing.encrypt_with_key(message.body, thread_keys[message.thread_id])
            Message.update(sealed_body=body).where(Message.id == message.id).execute()
    migrate(
        migrator.drop_column("feedback_message", "body"),
        migrator.rename_column("feedback_message", "sealed_body", "body"),
        migrator.add_not_null("feedback_message", "body"),
    )


def _v4_sent_forms() -> None:
    """Forms already sent, so that Back or Reload on the receipt never sends feedback twice."""

    class SentForm(Model):
        token_hash = CharField(max_length=64, primary_key=True)
        sent_on = DateField()

        class Meta:
            database = db
            table_name = "feedback_sent_form"

    db.create_tables([SentForm])


def _v5_restricted_threads() -> None:
    """Threads the writer kept for the people named to handle complaints."""
    kind = "INTEGER NOT NULL DEFAULT 0" if is_sqlite() else "BOOLEAN NOT NULL DEFAULT FALSE"
    db.execute_sql(f'ALTER TABLE "feedback_thread" ADD COLUMN "restricted" {kind}')


def _v6_approved_quotes() -> None:
    """Quotes the person approves: the proposal, sealed, its state, and the published text in two
    languages. A quote already published stays published, as the person agreed to then."""
    db.execute_sql('ALTER TABLE "feedback_thread" ADD COLUMN "quote_state" VARCHAR(16) NOT NULL DEFAULT \'\'')
    migrator = SchemaMigrator.from_database(db.obj)
    migrate(
        migrator.add_column("feedback_thread", "proposal", BlobField(null=True)),
        migrator.add_column("feedback_thread", "public_language", CharField(max_length=8, null=True)),
        migrator.add_column("feedback_thread", "public_quote_translation", TextField(null=True)),
        migrator.add_column("feedback_thread", "public_action_translation", TextField(null=True)),
    )
    thread = Table("feedback_thread", ("id", "published_on", "quote_state")).bind(db)
    thread.update(quote_state="approved").where(thread.published_on.is_null(False)).execute()


def _v7_deleted_by_writer() -> None:
    """The day a writer deleted their conversation (the row stays, emptied, as a tombstone)."""
    migrator = SchemaMigrator.from_database(db.obj)
    migrate(migrator.add_column("feedback_thread", "deleted_on", DateField(null=True)))


def _v8_private_notes() -> None:
    """Private notes staff keep on a thread, sealed with the thread's key."""

    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):
        class Meta:
            table_name = "user"

    class FeedbackThread(Base):
        class Meta:
            table_name = "feedback_thread"

    class FeedbackNote(Base):
        public_id = BigIntegerField(unique=True)
        thread = ForeignKeyField(FeedbackThread, on_delete="CASCADE")
        body = BlobField()
        created_on = DateField()
        staff_user = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")

        class Meta:
            table_name = "feedback_note"

    db.create_tables([FeedbackNote])


def _v9_reply_changes() -> None:
    """Replies staff may change for a short while: when a staff reply was sent (staff are not
    anonymous; a client's message keeps the day only), whether it was withdrawn, and whether our
    team redacted part of a message."""
    flag = "INTEGER NOT NULL DEFAULT 0" if is_sqlite() else "BOOLEAN NOT NULL DEFAULT FALSE"
    db.execute_sql(f'ALTER TABLE "feedback_message" ADD COLUMN "withdrawn" {flag}')
    db.execute_sql(f'ALTER TABLE "feedback_message" ADD COLUMN "redacted" {flag}')
    migrator = SchemaMigrator.from_database(db.obj)
    migrate(migrator.add_column("feedback_message", "sent_at", DateTimeField(null=True)))


def _v10_assignment_and_language() -> None:
    """Who on the team a thread is assigned to, and the language the person wrote in (the
    language of the page they used; "" for threads from before)."""
    migrator = SchemaMigrator.from_database(db.obj)
    db.execute_sql('ALTER TABLE "feedback_thread" ADD COLUMN "language" VARCHAR(8) NOT NULL DEFAULT \'\'')

    class User(Model):
        class Meta:
            database = db
            table_name = "user"

    migrate(
        migrator.add_column("feedback_thread", "assigned_to_id",
                            ForeignKeyField(User, null=True, field=User.id, on_delete="SET NULL")),
        migrator.add_index("feedback_thread", ("assigned_to_id", "last_message_on", "public_id"), False),
    )


def _v11_reply_templates() -> None:
    """Replies the organisation writes once for staff to start from."""

    class ReplyTemplate(Model):
        public_id = BigIntegerField(unique=True)
        title = CharField(max_length=100)
        body = TextField()
        created_on = DateField()

        class Meta:
            database = db
            table_name = "feedback_reply_template"

    db.create_tables([ReplyTemplate])


MIGRATIONS = ((1, _v1_feedback), (2, _v2_random_public_ids), (3, _v3_sealed_messages),
              (4, _v4_sent_forms), (5, _v5_restricted_threads), (6, _v6_approved_quotes),
              (7, _v7_deleted_by_writer), (8, _v8_private_notes),
              (9, _v9_reply_changes), (10, _v10_assignment_and_language),
              (11, _v11_reply_templates))
