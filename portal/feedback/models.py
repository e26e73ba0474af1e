"""Feedback threads and their messages: what a client typed or chose, and the day, nothing else."""
from __future__ import annotations

from peewee import (
    JOIN,
    BigIntegerField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    SmallIntegerField,
    TextField,
)

from portal.accounts.keys import BytesField
from portal.accounts.models import User
from portal.accounts.sealed import ItemTextField, SealedKeyField
from portal.choices import Choices
from portal.db import BaseModel, lookup_by, new_public_id
from portal.i18n import lazy_gettext as _l

TOPICS = Choices(
    ("service", _l("A service we offer")),
    ("staff", _l("Someone on our team")),
    ("space", _l("Our space or building")),
    ("other", _l("Something else")),
)
RATINGS = Choices(
    ("1", _l("1 – Very badly")),
    ("2", _l("2 – Badly")),
    ("3", _l("3 – Okay")),
    ("4", _l("4 – Well")),
    ("5", _l("5 – Very well")),
)
# who may read a thread: the person writing chooses
READERS = Choices(
    ("team", _l("Anyone on our team")),
    ("complaints", _l("Only the people we name to handle complaints")),
)
STATUSES = Choices(
    ("new", _l("New")),
    ("read", _l("Read")),
    ("replied", _l("Replied")),
    ("archived", _l("Archived")),
)


class FeedbackThread(BaseModel):
    """One piece of feedback and the conversation about it, found only through its receipt."""

    # the number staff see in URLs and exports: random, so it does not tell which came first
    public_id = BigIntegerField(unique=True, default=new_public_id)
    # HMAC-SHA256 of the receipt under the secret key; the receipt itself is never stored
    receipt_hash = CharField(max_length=64, unique=True)
    topic = CharField(max_length=16, default="")
    rating = SmallIntegerField(null=True)
    quotable = BooleanField(default=False)
    status = CharField(max_length=16, default="new", index=True)
    tags = CharField(max_length=255, default="")
    # kept from everyone but the accounts named to handle complaints (see service.may_read_restricted)
    restricted = BooleanField(default=False)
    created_on = DateField()
    last_message_on = DateField(index=True)
    # what is published is public by the person's consent, so it is kept in the clear, and only
    # while published: in the language it was written in, and translated into the other one
    public_quote = TextField(null=True)
    public_action = TextField(null=True)
    published_on = DateField(null=True, index=True)
    public_language = CharField(max_length=8, null=True)
    public_quote_translation = TextField(null=True)
    public_action_translation = TextField(null=True)
    # what staff propose to publish, sealed with the thread's key so the person reads it with their
    # receipt: "" (nothing), proposed, approved (by the person), declined or withdrawn
    quote_state = CharField(max_length=16, default="")
    proposal = ItemTextField(null=True)
    # the day the writer deleted the conversation with their code: the row stays, empty, so staff
    # see that it was deleted, and nothing else
    deleted_on = DateField(null=True)
    # the thread's own key, which encrypts its messages, sealed to the organisation key
    sealed_key = SealedKeyField(null=True)
    # the same key wrapped for the receipt, so whoever holds the receipt reads the replies
    receipt_key = BytesField(null=True)
    # a thread from before sealing, once its client came back: the key of the earlier messages,
    # until a reply from staff moves them under the new key (see service.open_for_client)
    legacy_key = SealedKeyField(null=True)
    # the member of staff following the thread up (one who may read it)
    assigned_to = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    # the language of the page the person wrote on ("" for threads from before it was kept)
    language = CharField(max_length=8, default="")

    class Meta:
        table_name = "feedback_thread"
        # the staff list filters by status and topic and pages by (last_message_on, public_id)
        indexes = (
            (("assigned_to", "last_message_on", "public_id"), False),
            (("last_message_on", "public_id"), False),
            (("status", "last_message_on", "public_id"), False),
            (("topic", "last_message_on", "public_id"), False),
            (("status", "topic", "last_message_on", "public_id"), False),
        )

    @classmethod
    def by_receipt_hash(cls, digest: str) -> FeedbackThread | None:
        """The thread with this receipt hash: one indexed lookup."""
        return _thread_by_receipt_hash(digest)

    @classmethod
    def published(cls, limit: int = 20):
        """The "you said, we did" items, newest first."""
        return (cls
                .select(cls.id, cls.public_quote, cls.public_action, cls.published_on,
                        cls.public_language, cls.public_quote_translation,
                        cls.public_action_translation)
                .where(cls.published_on.is_null(False))
                .order_by(cls.published_on.desc(), cls.public_id.desc())
                .limit(limit))

    @property
    def tag_list(self) -> list[str]:
        """The tags as a list."""
        return [tag for tag in self.tags.split(",") if tag]


class FeedbackMessage(BaseModel):
    """One message in a thread, from the client or from a member of staff."""

    public_id = BigIntegerField(unique=True, default=new_public_id)
    thread = ForeignKeyField(FeedbackThread, backref="messages", on_delete="CASCADE")
    author = CharField(max_length=8)
    # encrypted with the thread's key; read through the service, never shown as stored
    body = ItemTextField()
    created_on = DateField()
    # staff are not anonymous: a reply keeps who wrote it
    staff_user = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    # when a staff reply was sent, so it can be changed for a few minutes (staff only: a
    # client's message keeps the day and nothing more)
    sent_at = DateTimeField(null=True)
    # a staff reply taken back within those minutes: its text is erased and the person no longer
    # sees it
    withdrawn = BooleanField(default=False)
    # our team replaced the message with a version that leaves out someone else's details
    redacted = BooleanField(default=False)

    class Meta:
        table_name = "feedback_message"

    @classmethod
    def in_thread(cls, thread: FeedbackThread):
        """The thread's messages in the order they were written, with the staff author."""
        return (cls
                .select(cls, User)
                .join(User, JOIN.LEFT_OUTER, on=(cls.staff_user == User.id))
                .where(cls.thread == thread)
                .order_by(cls.id))


class FeedbackNote(BaseModel):
    """A private note staff keep on a thread: sealed with the thread's key like the messages,
    shown only on the staff's page, never to the person and never in what they read."""

    public_id = BigIntegerField(unique=True, default=new_public_id)
    thread = ForeignKeyField(FeedbackThread, backref="notes", on_delete="CASCADE")
    body = ItemTextField()
    # the day only, like the messages it sits next to
    created_on = DateField()
    staff_user = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")

    class Meta:
        table_name = "feedback_note"

    @classmethod
    def in_thread(cls, thread: FeedbackThread):
        """The thread's notes in the order they were written, with their author."""
        return (cls
                .select(cls, User)
                .join(User, JOIN.LEFT_OUTER, on=(cls.staff_user == User.id))
                .where(cls.thread == thread)
                .order_by(cls.id))


class ReplyTemplate(BaseModel):
    """A reply the organisation wrote once, for staff to start from: the team's own words, so kept
    in the clear (nothing a person wrote)."""

    public_id = BigIntegerField(unique=True, default=new_public_id)
    title = CharField(max_length=100)
    body = TextField()
    created_on = DateField()

    class Meta:
        table_name = "feedback_reply_template"


class SentForm(BaseModel):
    """A feedback form already sent: the keyed hash of the random token the form carried, and the
    day. Nothing links it to the thread; it only stops Back or Reload from sending twice, and
    the purge removes it after two days."""

    token_hash = CharField(max_length=64, primary_key=True)
    sent_on = DateField()

    class Meta:
        table_name = "feedback_sent_form"


# read through SQL built once (portal/db.py): every receipt typed in runs this lookup
_thread_by_receipt_hash = lookup_by(FeedbackThread, FeedbackThread.receipt_hash)
