"""The rules of anonymous feedback: threads, replies, publishing, export and retention."""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

from flask import current_app
from peewee import IntegrityError, Tuple, fn

from portal import clock, codes
from portal.accounts import sealed
from portal.accounts.audit import record
from portal.accounts.models import User
from portal.db import built_once, db, fresh_public_id, write_transaction
from portal.feedback import receipts
from portal.feedback.models import (
    STATUSES,
    TOPICS,
    FeedbackMessage,
    FeedbackNote,
    FeedbackThread,
    ReplyTemplate,
    SentForm,
)
from portal.i18n import LANGUAGES
from portal.i18n import gettext as _
from portal.roles import ADMIN, STAFF_ROLES
from portal.text import CONTROL_CHARACTERS, reveal_bidi_controls

PAGE_SIZE = 50
EXCERPT_LENGTH = 140
EXPORT_BATCH = 1000
PURGE_BATCH = 500
MAX_TAGS = 8
MAX_TAG_LENGTH = 30
CSV_HEADER = ["thread", "message_id", "topic", "rating", "status", "tags", "quotable", "thread_started_on",
              "message_on", "author", "message"]
CURSOR_PATTERN = re.compile(r"^(\d{4}-\d{2}-\d{2})\.(\d{1,18})$")
# what the thread key is wrapped for: the receipt code (its hash is kept under another purpose)
RECEIPT_KEY_PURPOSE = "feedback-receipt-key"
# in the export, a message no key of this session opens
SEALED_CELL = "[sealed]"


class FeedbackError(Exception):
    """A request the rules refuse, with a message fit to show to the person."""


class AlreadySent(FeedbackError):
    """The form was sent before (Back, Reload or a second press): nothing new is stored."""


# what a form's one-time token is hashed under; kept for two days, then purged
SENT_FORM_PURPOSE = "feedback-sent-form"
SENT_FORM_DAYS = 2


def _claim_form(token: str | None, today: dt.date) -> None:
    """Mark the form's one-time token used, inside the caller's transaction; a token seen
    before raises AlreadySent, so the whole submission is rolled back. A form without a token
    (an old page, a script) is simply not protected against repeats."""
    if not token:
        return
    try:
        with db.atomic():
            SentForm.insert(token_hash=codes.keyed_hash(SENT_FORM_PURPOSE, token), sent_on=today).execute()
    except IntegrityError as error:
        raise AlreadySent(_("This was already sent.")) from error


# --- threads and their sealed messages ----------------------------------------------------------

def create_thread(code: str, day: dt.date, **fields) -> tuple[FeedbackThread, bytes]:
    """A new thread with its own key, sealed to the organisation and wrapped for the receipt."""
    item_key = sealed.new_item_key()
    thread = FeedbackThread.create(
        public_id=fresh_public_id(FeedbackThread), receipt_hash=receipts.receipt_hash(code),
        created_on=day, last_message_on=day,
        sealed_key=sealed.seal_item_key(item_key),
        receipt_key=sealed.wrap_for_code(item_key, code, RECEIPT_KEY_PURPOSE), **fields)
    return thread, item_key


def store_message(thread: FeedbackThread, item_key: bytes, author: str, text: str, day: dt.date,
                   staff_user: User | None = None) -> FeedbackMessage:
    """A message encrypted with its thread's key; a staff reply also keeps when it was sent
    (staff are not anonymous), so it can be changed for a few minutes."""
    return FeedbackMessage.create(public_id=fresh_public_id(FeedbackMessage), thread=thread,
                                  author=author, body=sealed.encrypt(text, item_key),
                                  created_on=day, staff_user=staff_user,
                                  sent_at=clock.utc_now() if author == "staff" else None)


def _read(messages: list[FeedbackMessage], item_keys: list[bytes]) -> list[FeedbackMessage]:
    """Set each message's `text` (None when none of the keys opens it)."""
    for message in messages:
        message.text = None
        for item_key in item_keys:
            message.text = sealed.decrypt(message.body, item_key)
            if message.text is not None:
                break
    return messages


def _staff_keys(thread, opener: sealed.Reader | None = None) -> list[bytes]:
    """The thread's keys that staff holding the organisation key can open (current, then earlier)."""
    opener = opener or sealed.reader()
    if opener is None:
        return []
    found = (opener.item_key(thread.sealed_key), opener.item_key(thread.legacy_key))
    return [item_key for item_key in found if item_key is not None]


# --- the client's side -----------------------------------------------------------------------

def find_thread(receipt_text: str) -> FeedbackThread | None:
    """The thread for a typed receipt; always one hash and one indexed lookup, found or not."""
    digest = receipts.receipt_hash(codes.normalise(receipt_text))
    return FeedbackThread.by_receipt_hash(digest)


def submit_feedback(message: str, topic: str = "", rating: int | None = None,
                    quotable: bool = False, form_token: str | None = None,
                    restricted: bool = False, language: str = "") -> str:
    """Store new feedback, sealed, with today's date and return its receipt, formatted for reading.

    A form token sent before raises AlreadySent and stores nothing. A restricted thread is read
    only by the accounts named to handle complaints."""
    if topic and topic not in TOPICS:
        raise FeedbackError(_("Choose one of the listed topics."))
    if rating is not None and not 1 <= rating <= 5:
        raise FeedbackError(_("Choose one of the answers on the scale."))
    code = receipts.new_receipt()
    today = clock.today()
    with write_transaction():
        _claim_form(form_token, today)
        thread, item_key = create_thread(code, today, topic=topic or "", rating=rating,
                                          quotable=quotable, restricted=restricted, status="new",
                                          language=language if language in LANGUAGES else "")
        store_message(thread, item_key, "client", message, today)
    return codes.format_code(code)


def open_for_client(thread: FeedbackThread, receipt_text: str) -> bytes | None:
    """The thread's key for the person holding its receipt.

    A thread from before sealing has no key wrapped for its receipt: it gets a new key now,
    wrapped for the receipt, and its earlier messages stay under the old key (which only staff
    open) until a reply from staff moves them under the new one.
    """
    code = codes.normalise(receipt_text)
    if thread.receipt_key is not None:
        return sealed.unwrap_for_code(thread.receipt_key, code, RECEIPT_KEY_PURPOSE)
    item_key = sealed.new_item_key()
    with write_transaction():
        changed = (FeedbackThread
                   .update(legacy_key=thread.sealed_key, sealed_key=sealed.seal_item_key(item_key),
                           receipt_key=sealed.wrap_for_code(item_key, code, RECEIPT_KEY_PURPOSE))
                   .where((FeedbackThread.id == thread.id) & FeedbackThread.receipt_key.is_null())
                   .execute())
    fresh = FeedbackThread.get_by_id(thread.id)
    thread.sealed_key, thread.receipt_key, thread.legacy_key = (
        fresh.sealed_key, fresh.receipt_key, fresh.legacy_key)
    return item_key if changed else sealed.unwrap_for_code(fresh.receipt_key, code, RECEIPT_KEY_PURPOSE)


def client_messages(thread: FeedbackThread, receipt_text: str) -> list[FeedbackMessage]:
    """The messages the receipt opens, oldest first (earlier, still sealed ones are left out)."""
    item_key = open_for_client(thread, receipt_text)
    messages = _read(list(FeedbackMessage.in_thread(thread).where(FeedbackMessage.withdrawn == False)),  # noqa: E712
                     [item_key] if item_key else [])
    return [message for message in messages if message.text is not None]


def add_follow_up(thread: FeedbackThread, receipt_text: str, body: str,
                  form_token: str | None = None) -> None:
    """The client adds to their thread; it becomes new again so staff see it. A form token sent
    before raises AlreadySent and adds nothing."""
    item_key = open_for_client(thread, receipt_text)
    if item_key is None:
        raise FeedbackError(_("We could not add your message. Please enter your code again."))
    today = clock.today()
    with write_transaction():
        _claim_form(form_token, today)
        store_message(thread, item_key, "client", body, today)
        (FeedbackThread
         .update(status="new", last_message_on=today)
         .where(FeedbackThread.id == thread.id)
         .execute())
    thread.status, thread.last_message_on = "new", today


def delete_conversation(thread: FeedbackThread, receipt_text: str) -> None:
    """The writer deletes their conversation with their code: every message is erased, any quote
    comes off the public list, the code stops working, and the row stays as an empty tombstone
    dated the day of deletion, so staff see that it was deleted and nothing else."""
    if thread.deleted_on is not None or open_for_client(thread, receipt_text) is None:
        raise FeedbackError(_("We could not delete this conversation. Please enter your code again."))
    today = clock.today()
    with write_transaction():
        FeedbackMessage.delete().where(FeedbackMessage.thread == thread.id).execute()
        FeedbackNote.delete().where(FeedbackNote.thread == thread.id).execute()
        (FeedbackThread
         # a value no receipt hashes to (a hash is hexadecimal): the code opens nothing now
         .update(receipt_hash="deleted:" + secrets.token_hex(28), topic="", rating=None,
                 quotable=False, status="archived", tags="", created_on=today,
                 last_message_on=today, sealed_key=None, receipt_key=None, legacy_key=None,
                 quote_state="", proposal=None, deleted_on=today, assigned_to=None, language="",
                 **NOTHING_PUBLISHED)
         .where(FeedbackThread.id == thread.id)
         .execute())
        # nothing that names the conversation: the day, and that one was deleted
        record(None, "feedback.deleted", None)
    thread.deleted_on = today


def published_items(limit: int = 20) -> list[FeedbackThread]:
    """The public "you said, we did" list."""
    return _published(limit)


_published = built_once(FeedbackThread.published)


# --- who reads a restricted thread -----------------------------------------------------------

def complaint_readers() -> list[User]:
    """The active staff accounts an admin named to handle complaints."""
    return list(User.select()
                .where(User.handles_complaints & User.is_active & User.role.in_(STAFF_ROLES))
                .order_by(User.username))


def anyone_named_for_complaints() -> bool:
    """True when at least one active staff account is named to handle complaints."""
    return bool(_one_complaint_reader())


_one_complaint_reader = built_once(lambda: User.select(User.id).where(
    User.handles_complaints & User.is_active & User.role.in_(STAFF_ROLES)).limit(1))


def may_read_restricted(user: User | None) -> bool:
    """Whether this account reads the threads kept for the people named to handle complaints.

    Until an admin names someone, the admins read them, as the feedback form tells the writer:
    otherwise a complaint would wait unread with nobody knowing it is there."""
    if user is None or not user.is_active or user.role not in STAFF_ROLES:
        return False
    if user.handles_complaints:
        return True
    return user.role == ADMIN and not anyone_named_for_complaints()


def _visible_to(user: User | None):
    """The condition that leaves out the threads this account may not read."""
    return _restricted_shown(may_read_restricted(user))


def _restricted_shown(restricted_too: bool):
    """Every thread, or those that are not restricted."""
    if restricted_too:
        return FeedbackThread.id.is_null(False)
    return FeedbackThread.restricted == False  # noqa: E712


# --- the staff's side ------------------------------------------------------------------------

@dataclass
class ThreadPage:
    """One page of the staff list and where the next one starts."""

    threads: list[FeedbackThread]
    # None when this session cannot read sealed records
    excerpts: dict[int, str] | None
    next_cursor: str | None


def _parse_cursor(cursor: str | None) -> tuple[dt.date, int] | None:
    """Read a page cursor "YYYY-MM-DD.public_id"; anything else means the first page."""
    match = CURSOR_PATTERN.match(cursor or "")
    if not match:
        return None
    try:
        return dt.date.fromisoformat(match.group(1)), int(match.group(2))
    except ValueError:
        return None


@dataclass(frozen=True)
class ThreadFilters:
    """What the staff list is narrowed to; the thread page's next and previous follow it too."""

    status: str = ""
    topic: str = ""
    mine: bool = False
    tag: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    text: str = ""

    def as_args(self) -> dict:
        """The filters as query-string arguments (only those set)."""
        found = {"status": self.status, "topic": self.topic, "mine": "y" if self.mine else "",
                 "tag": self.tag, "since": self.since.isoformat() if self.since else "",
                 "until": self.until.isoformat() if self.until else "", "q": self.text}
        return {name: value for name, value in found.items() if value}


def _filtered(user: User | None, filters: ThreadFilters):
    """The threads this account may read that match the filters (the text apart)."""
    query = FeedbackThread.select().where(_visible_to(user))
    if filters.status in STATUSES:
        query = query.where(FeedbackThread.status == filters.status)
    if filters.topic in TOPICS:
        query = query.where(FeedbackThread.topic == filters.topic)
    elif filters.topic == "none":
        query = query.where(FeedbackThread.topic == "")
    if filters.mine:
        query = query.where(FeedbackThread.assigned_to == (user.id if user else None))
    tag = " ".join(filters.tag.split()).lower()
    if tag:
        query = query.where((FeedbackThread.tags == tag) | FeedbackThread.tags.startswith(tag + ",")
                            | FeedbackThread.tags.endswith("," + tag)
                            | FeedbackThread.tags.contains("," + tag + ","))
    if filters.since:
        query = query.where(FeedbackThread.created_on >= filters.since)
    if filters.until:
        query = query.where(FeedbackThread.created_on <= filters.until)
    return query


NEWEST_FIRST = (FeedbackThread.last_message_on.desc(), FeedbackThread.public_id.desc())
# what a row of the staff list shows or needs to open its first words: reading every column of
# fifty rows (quotes, proposals, receipt keys) cost more than the rest of the query
LIST_COLUMNS = (FeedbackThread.id, FeedbackThread.public_id, FeedbackThread.status,
                FeedbackThread.topic, FeedbackThread.rating, FeedbackThread.tags,
                FeedbackThread.created_on, FeedbackThread.last_message_on, FeedbackThread.deleted_on,
                FeedbackThread.restricted, FeedbackThread.assigned_to, FeedbackThread.language,
                FeedbackThread.sealed_key, FeedbackThread.legacy_key)
# how many threads a text search opens and reads, newest first
SEARCH_BATCH = 500


def list_threads(user: User | None, status: str = "", topic: str = "", cursor: str | None = None,
                 per_page: int = PAGE_SIZE, filters: ThreadFilters | None = None) -> ThreadPage:
    """Threads this account may read by latest message, newest day first (in random order within
    a day), filtered, one keyset page at a time."""
    filters = filters or ThreadFilters(status=status, topic=topic)
    query = _filtered(user, filters).select(*LIST_COLUMNS)
    position = _parse_cursor(cursor)
    if position:
        query = query.where(Tuple(FeedbackThread.last_message_on, FeedbackThread.public_id)
                            < Tuple(position[0].isoformat(), position[1]))
    rows = list(query.order_by(*NEWEST_FIRST).limit(per_page + 1))
    threads = rows[:per_page]
    next_cursor = None
    if len(rows) > per_page:
        last = threads[-1]
        next_cursor = f"{last.last_message_on.isoformat()}.{last.public_id}"
    return ThreadPage(_with_assignees(threads), _first_words(threads), next_cursor)


def _with_assignees(threads: list[FeedbackThread]) -> list[FeedbackThread]:
    """Each thread's assignee read in one query for the whole page, not one per row."""
    ids = {thread.assigned_to_id for thread in threads if thread.assigned_to_id}
    people = {user.id: user for user in User.select().where(User.id.in_(list(ids)))} if ids else {}
    for thread in threads:
        if thread.assigned_to_id in people:
            thread.assigned_to = people[thread.assigned_to_id]
    return threads


@dataclass
class SearchResult:
    """The threads whose words match, among the newest SEARCH_BATCH that match the rest."""

    threads: list[FeedbackThread]
    excerpts: dict[int, str] | None
    # True when more threads matched the other filters than were read
    cut_short: bool


def search_threads(user: User | None, filters: ThreadFilters) -> SearchResult:
    """Threads whose messages or notes hold the words, within what this session can open: the
    newest SEARCH_BATCH threads matching the other filters are opened and read, no more."""
    opener = sealed.reader()
    candidates = list(_filtered(user, filters).where(FeedbackThread.deleted_on.is_null())
                      .order_by(*NEWEST_FIRST).limit(SEARCH_BATCH + 1))
    cut_short = len(candidates) > SEARCH_BATCH
    candidates = candidates[:SEARCH_BATCH]
    if opener is None or not candidates:
        return SearchResult([], None if opener is None else {}, cut_short)
    wanted = " ".join(filters.text.split()).casefold()
    by_id = {thread.id: thread for thread in candidates}
    bodies: dict[int, list[bytes]] = {}
    for model in (FeedbackMessage, FeedbackNote):
        rows = model.select(model.thread, model.body).where(model.thread.in_(list(by_id)))
        if model is FeedbackMessage:
            rows = rows.where(FeedbackMessage.withdrawn == False)  # noqa: E712
        for thread_id, body in rows.tuples():
            bodies.setdefault(thread_id, []).append(body)
    found = []
    for thread in candidates:
        keys = _staff_keys(thread, opener)
        for body in bodies.get(thread.id, []):
            text = _decrypt_any(body, keys)
            if text is not None and wanted in " ".join(text.split()).casefold():
                found.append(thread)
                break
    return SearchResult(_with_assignees(found), _first_words(found), cut_short)


def neighbours(user: User | None, thread: FeedbackThread,
               filters: ThreadFilters) -> tuple[int | None, int | None]:
    """The public numbers of the threads before and after this one in the list's order and
    filters (newer, older), by keyset; a text search moves among its own matches."""
    if filters.text:
        matches = [found.public_id for found in search_threads(user, filters).threads]
        if thread.public_id not in matches:
            return None, None
        at = matches.index(thread.public_id)
        return (matches[at - 1] if at > 0 else None,
                matches[at + 1] if at + 1 < len(matches) else None)
    query = _filtered(user, filters).where(FeedbackThread.deleted_on.is_null())
    here = Tuple(FeedbackThread.last_message_on, FeedbackThread.public_id)
    position = Tuple(thread.last_message_on.isoformat(), thread.public_id)
    newer = (query.select(FeedbackThread.public_id).where(here > position)
             .order_by(FeedbackThread.last_message_on, FeedbackThread.public_id).first())
    older = (query.select(FeedbackThread.public_id).where(here < position)
             .order_by(*NEWEST_FIRST).first())
    return (newer.public_id if newer else None, older.public_id if older else None)


# --- assignment ---------------------------------------------------------------------------------

def assignable_staff(thread: FeedbackThread) -> list[User]:
    """The active staff accounts who may read this thread, by name."""
    staff = User.select().where(User.is_active & User.role.in_(STAFF_ROLES)).order_by(User.username)
    return [user for user in staff if not thread.restricted or may_read_restricted(user)]


def assign(actor: User, thread: FeedbackThread, username: str) -> User | None:
    """Assign the thread to a member of staff who may read it (by username), or to nobody ("")."""
    assignee = None
    if username:
        assignee = next((user for user in assignable_staff(thread) if user.username == username), None)
        if assignee is None:
            raise FeedbackError(_("Choose someone on the list: only active staff who may read this "
                                  "conversation can be assigned to it."))
    with write_transaction():
        if not (FeedbackThread.update(assigned_to=assignee)
                .where((FeedbackThread.id == thread.id) & FeedbackThread.deleted_on.is_null())
                .execute()):
            raise FeedbackError(_("The person deleted this conversation, so nothing was changed."))
        record(actor, "feedback.assign", thread.public_id)
    thread.assigned_to = assignee
    return assignee


@dataclass(frozen=True)
class Waiting:
    """What the staff dashboard shows of feedback: counts and the threads waiting longest."""

    unread: int
    waiting: int
    longest: list[FeedbackThread]


def waiting_threads(user: User, longest: int = 3) -> Waiting:
    """Threads nobody has read, threads not answered yet (new or read), and the oldest of those,
    among the threads this account may read (a deleted conversation waits for nobody)."""
    waiting = (FeedbackThread.status.in_(("new", "read")) & FeedbackThread.deleted_on.is_null()
               & _visible_to(user))
    counts = dict(FeedbackThread
                  .select(FeedbackThread.status, fn.COUNT(FeedbackThread.id))
                  .where(waiting)
                  .group_by(FeedbackThread.status)
                  .tuples())
    oldest = list(FeedbackThread
                  .select(FeedbackThread.public_id, FeedbackThread.last_message_on, FeedbackThread.status)
                  .where(waiting)
                  .order_by(FeedbackThread.last_message_on, FeedbackThread.public_id)
                  .limit(longest))
    return Waiting(counts.get("new", 0), sum(counts.values()), oldest)


def _first_words(threads: list[FeedbackThread]) -> dict[int, str] | None:
    """The opening of each thread's first message, for the list (None without the key)."""
    opener = sealed.reader()
    if opener is None:
        return None
    if not threads:
        return {}
    first_ids = (FeedbackMessage
                 .select(fn.MIN(FeedbackMessage.id))
                 .where(FeedbackMessage.thread.in_([thread.id for thread in threads]))
                 .group_by(FeedbackMessage.thread))
    bodies = dict(FeedbackMessage
                  .select(FeedbackMessage.thread, FeedbackMessage.body)
                  .where(FeedbackMessage.id.in_(first_ids))
                  .tuples())
    excerpts = {}
    for thread in threads:
        text = _decrypt_any(bodies.get(thread.id), _staff_keys(thread, opener))
        if text is not None:
            excerpts[thread.id] = text[:EXCERPT_LENGTH]
    return excerpts


def _decrypt_any(blob: bytes | None, item_keys: list[bytes]) -> str | None:
    """The text of a blob under the first key that opens it."""
    for item_key in item_keys:
        text = sealed.decrypt(blob, item_key)
        if text is not None:
            return text
    return None


def get_thread(public_id: int, user: User | None) -> FeedbackThread | None:
    """A thread by its public number, for a member of staff who may read it (else None)."""
    return FeedbackThread.get_or_none((FeedbackThread.public_id == public_id)
                                      & FeedbackThread.deleted_on.is_null() & _visible_to(user))


def thread_messages(thread: FeedbackThread) -> list[FeedbackMessage]:
    """Every message of a thread, oldest first, each with its `text` (None without the key)."""
    return _read(list(FeedbackMessage.in_thread(thread)), _staff_keys(thread))


def _key_for_writing(thread: FeedbackThread) -> bytes:
    """The thread's current key, opened with this session's key; earlier messages moved under it."""
    opener = sealed.reader()
    item_key = opener.item_key(thread.sealed_key) if opener is not None else None
    if item_key is None:
        raise FeedbackError(_("Your session cannot read sealed records, so it cannot write here. "
                              "Log in again, or ask an admin for access."))
    earlier = opener.item_key(thread.legacy_key) if thread.legacy_key else None
    if earlier is not None:
        # the client's new key now opens the messages from before sealing too
        for message in FeedbackMessage.select().where(FeedbackMessage.thread == thread):
            text = sealed.decrypt(message.body, earlier)
            if text is not None:
                (FeedbackMessage.update(body=sealed.encrypt(text, item_key))
                 .where(FeedbackMessage.id == message.id).execute())
        FeedbackThread.update(legacy_key=None).where(FeedbackThread.id == thread.id).execute()
        thread.legacy_key = None
    return item_key


def reply(actor: User, thread: FeedbackThread, body: str) -> None:
    """A staff member answers; the client sees it with their receipt."""
    today = clock.today()
    with write_transaction():
        # a conversation its writer deleted a moment ago takes no reply
        if not (FeedbackThread
                .update(status="replied", last_message_on=today)
                .where((FeedbackThread.id == thread.id) & FeedbackThread.deleted_on.is_null())
                .execute()):
            raise FeedbackError(_("The person deleted this conversation, so it takes no reply."))
        store_message(thread, _key_for_writing(thread), "staff", body, today, staff_user=actor)
        record(actor, "feedback.reply", thread.public_id)


EDIT_MINUTES = 10


def may_change(actor: User | None, message: FeedbackMessage, now: dt.datetime | None = None) -> bool:
    """Whether this account may still edit or withdraw this reply: its own, not withdrawn, and
    sent less than ten minutes ago."""
    now = now or clock.utc_now()
    return bool(actor is not None and message.author == "staff" and not message.withdrawn
                and message.sent_at is not None and message.staff_user_id == actor.id
                and now - message.sent_at <= dt.timedelta(minutes=EDIT_MINUTES))


def _changeable_reply(actor: User, thread: FeedbackThread, message_id: int) -> FeedbackMessage:
    """The reply about to change, inside the caller's transaction, or a clear refusal."""
    message = FeedbackMessage.get_or_none((FeedbackMessage.public_id == message_id)
                                          & (FeedbackMessage.thread == thread.id))
    if message is None or message.author != "staff":
        raise FeedbackError(_("This reply could not be found in this conversation."))
    if message.staff_user_id != actor.id:
        raise FeedbackError(_("Only the person who wrote a reply can change it."))
    if not may_change(actor, message):
        raise FeedbackError(_("This reply is final: a reply can be changed or withdrawn only in "
                              "the %(n)d minutes after it is sent.", n=EDIT_MINUTES))
    return message


def _still_changeable():
    """The condition an edit's update names, so a reply past its minutes is never changed."""
    return ((FeedbackMessage.withdrawn == False)  # noqa: E712
            & (FeedbackMessage.sent_at >= clock.utc_now() - dt.timedelta(minutes=EDIT_MINUTES)))


def edit_reply(actor: User, thread: FeedbackThread, message_id: int, body: str) -> None:
    """Change a reply in the ten minutes after sending it; the person reads the new text."""
    with write_transaction():
        message = _changeable_reply(actor, thread, message_id)
        changed = (FeedbackMessage
                   .update(body=sealed.encrypt(body, _key_for_writing(thread)))
                   .where((FeedbackMessage.id == message.id) & _still_changeable())
                   .execute())
        if not changed:
            raise FeedbackError(_("This reply is final: a reply can be changed or withdrawn only "
                                  "in the %(n)d minutes after it is sent.", n=EDIT_MINUTES))
        record(actor, "feedback.reply_edit", thread.public_id)


def withdraw_reply(actor: User, thread: FeedbackThread, message_id: int) -> None:
    """Take a reply back in the ten minutes after sending it: its text is erased, the person no
    longer sees it, and staff see that it was withdrawn."""
    with write_transaction():
        message = _changeable_reply(actor, thread, message_id)
        changed = (FeedbackMessage
                   .update(withdrawn=True, body=sealed.encrypt("", _key_for_writing(thread)))
                   .where((FeedbackMessage.id == message.id) & _still_changeable())
                   .execute())
        if not changed:
            raise FeedbackError(_("This reply is final: a reply can be changed or withdrawn only "
                                  "in the %(n)d minutes after it is sent.", n=EDIT_MINUTES))
        replied = (FeedbackMessage.select(FeedbackMessage.id)
                   .where((FeedbackMessage.thread == thread.id) & (FeedbackMessage.author == "staff")
                          & (FeedbackMessage.withdrawn == False))  # noqa: E712
                   .exists())
        if not replied:
            # the person is not told of a reply that is no longer there
            (FeedbackThread.update(status="read")
             .where((FeedbackThread.id == thread.id) & (FeedbackThread.status == "replied"))
             .execute())
        record(actor, "feedback.reply_withdraw", thread.public_id)


def redact_message(actor: User, thread: FeedbackThread, message_id: int, body: str) -> None:
    """Replace a person's message with a version that leaves out someone else's details: the
    original is gone, both sides read that part was removed, and the audit trail keeps the day
    and the thread, never the words."""
    with write_transaction():
        message = FeedbackMessage.get_or_none((FeedbackMessage.public_id == message_id)
                                              & (FeedbackMessage.thread == thread.id))
        if message is None or message.author != "client":
            raise FeedbackError(_("Only a message from the person can be redacted."))
        item_key = _key_for_writing(thread)
        changed = (FeedbackMessage
                   .update(body=sealed.encrypt(body, item_key), redacted=True)
                   .where((FeedbackMessage.id == message.id)
                          & (FeedbackMessage.thread.in_(FeedbackThread.select(FeedbackThread.id)
                                                        .where(FeedbackThread.deleted_on.is_null()))))
                   .execute())
        if not changed:
            raise FeedbackError(_("The person deleted this conversation, so nothing was changed."))
        record(actor, "feedback.redact", thread.public_id)


def add_note(actor: User, thread: FeedbackThread, body: str) -> FeedbackNote:
    """A private note for the team, sealed with the thread's key; the person never sees it."""
    today = clock.today()
    with write_transaction():
        if not (FeedbackThread.select(FeedbackThread.id)
                .where((FeedbackThread.id == thread.id) & FeedbackThread.deleted_on.is_null())
                .exists()):
            raise FeedbackError(_("The person deleted this conversation, so it takes no note."))
        note = FeedbackNote.create(public_id=fresh_public_id(FeedbackNote), thread=thread,
                                   body=sealed.encrypt(body, _key_for_writing(thread)),
                                   created_on=today, staff_user=actor)
        record(actor, "feedback.note", thread.public_id)
    return note


def thread_notes(thread: FeedbackThread) -> list[FeedbackNote]:
    """The thread's private notes, oldest first, each with its `text` (None without the key)."""
    return _read(list(FeedbackNote.in_thread(thread)), _staff_keys(thread))


def set_status(actor: User, thread: FeedbackThread, status: str) -> None:
    """Move a thread to new, read, replied or archived."""
    if status not in STATUSES:
        raise FeedbackError(_("Choose one of the listed statuses."))
    if status == thread.status:
        return
    with write_transaction():
        FeedbackThread.update(status=status).where(FeedbackThread.id == thread.id).execute()
        record(actor, "feedback.status", thread.public_id)


def parse_tags(text: str) -> list[str]:
    """Comma-separated tags, trimmed, lower-cased and without repeats; short and few."""
    tags: list[str] = []
    for part in (text or "").split(","):
        tag = " ".join(part.split()).lower()
        if not tag or tag in tags:
            continue
        if len(tag) > MAX_TAG_LENGTH:
            raise FeedbackError(_("Keep each tag to %(n)d characters or fewer.", n=MAX_TAG_LENGTH))
        if CONTROL_CHARACTERS.search(tag):
            raise FeedbackError(_("Remove the invisible control characters from the tags."))
        tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise FeedbackError(_("Use at most %(n)d tags.", n=MAX_TAGS))
    return tags


def set_tags(actor: User, thread: FeedbackThread, text: str) -> list[str]:
    """Replace a thread's tags."""
    tags = parse_tags(text)
    with write_transaction():
        FeedbackThread.update(tags=",".join(tags)).where(FeedbackThread.id == thread.id).execute()
        record(actor, "feedback.tags", thread.public_id)
    return tags


def suggested_quote(thread: FeedbackThread) -> str:
    """What the proposal form starts from: the person's exact first words."""
    first = (FeedbackMessage
             .select(FeedbackMessage.body)
             .where((FeedbackMessage.thread == thread) & (FeedbackMessage.author == "client"))
             .order_by(FeedbackMessage.id)
             .first())
    text = _decrypt_any(first.body, _staff_keys(thread)) if first else None
    # any direction override shown as its code, so the quote reads as it was written
    return reveal_bidi_controls(text) if text else ""


@dataclass
class Proposal:
    """What staff propose to publish: the quote and what was done, each in two languages."""

    quote: str
    action: str
    language: str
    quote_translation: str = ""
    action_translation: str = ""

    @property
    def translation_language(self) -> str:
        """The other language the item is shown in."""
        return next((code for code in LANGUAGES if code != self.language), self.language)

    def sealed_with(self, item_key: bytes) -> bytes:
        return sealed.encrypt(json.dumps(dataclasses.asdict(self)), item_key)

    @classmethod
    def opened(cls, blob: bytes | None, item_keys: list[bytes]) -> Proposal | None:
        text = _decrypt_any(blob, item_keys) if blob else None
        if text is None:
            return None
        return cls(**json.loads(text))

    def public_columns(self, day: dt.date) -> dict:
        """The thread's published columns for this text."""
        return {"public_quote": self.quote, "public_action": self.action,
                "public_language": self.language,
                "public_quote_translation": self.quote_translation or None,
                "public_action_translation": self.action_translation or None,
                "published_on": day}


NOTHING_PUBLISHED = {"public_quote": None, "public_action": None, "public_language": None,
                     "public_quote_translation": None, "public_action_translation": None,
                     "published_on": None}


def staff_proposal(thread: FeedbackThread) -> Proposal | None:
    """The proposal as staff read it (None when there is none or the session cannot open it)."""
    return Proposal.opened(thread.proposal, _staff_keys(thread))


def client_proposal(thread: FeedbackThread, receipt_text: str) -> Proposal | None:
    """The proposal as the person reads it with their receipt."""
    item_key = open_for_client(thread, receipt_text)
    return Proposal.opened(thread.proposal, [item_key] if item_key else [])


def proposal_digest(thread: FeedbackThread) -> str:
    """A short fingerprint of the sealed proposal: an approval names the exact text it saw."""
    return hashlib.sha256(thread.proposal or b"").hexdigest()[:32]


def propose_quote(actor: User, thread: FeedbackThread, proposal: Proposal) -> None:
    """Ask the person to approve this exact text; until they do, nothing of it is public (what
    was published before comes off the list, since the person has not seen the new text)."""
    if proposal.language not in LANGUAGES:
        raise FeedbackError(_("Choose one of the listed languages."))
    if not proposal.quote.strip() or not proposal.action.strip():
        raise FeedbackError(_("Write both the quote and what we did about it."))
    if not thread.quotable:
        raise FeedbackError(_("This person did not agree to be quoted, so it cannot be published."))
    with write_transaction():
        blob = proposal.sealed_with(_key_for_writing(thread))
        changed = (FeedbackThread
                   .update(proposal=blob, quote_state="proposed", **NOTHING_PUBLISHED)
                   .where((FeedbackThread.id == thread.id) & (FeedbackThread.quotable == True))  # noqa: E712
                   .execute())
        if not changed:
            raise FeedbackError(_("This person did not agree to be quoted, so it cannot be published."))
        record(actor, "feedback.propose", thread.public_id)
    thread.proposal, thread.quote_state = blob, "proposed"
    thread.published_on = None


def approve_quote(thread: FeedbackThread, receipt_text: str, seen: str) -> None:
    """The person approves the exact text they were shown: it is published at once."""
    proposal = client_proposal(thread, receipt_text)
    if (proposal is None or thread.quote_state not in ("proposed", "withdrawn")
            or not hmac.compare_digest(seen or "", proposal_digest(thread))):
        raise FeedbackError(_("The text we proposed has changed. Please read it again before you "
                              "answer."))
    today = clock.today()
    with write_transaction():
        changed = (FeedbackThread
                   .update(quotable=True, quote_state="approved", **proposal.public_columns(today))
                   .where((FeedbackThread.id == thread.id)
                          & (FeedbackThread.proposal == thread.proposal)
                          & FeedbackThread.quote_state.in_(("proposed", "withdrawn")))
                   .execute())
        if not changed:
            raise FeedbackError(_("The text we proposed has changed. Please read it again before "
                                  "you answer."))
        record(None, "feedback.approve", thread.public_id)
    thread.quotable, thread.quote_state, thread.published_on = True, "approved", today


def decline_quote(thread: FeedbackThread) -> None:
    """The person says no to the proposed text: it is not published."""
    with write_transaction():
        changed = (FeedbackThread
                   .update(quote_state="declined", **NOTHING_PUBLISHED)
                   .where((FeedbackThread.id == thread.id) & (FeedbackThread.quote_state == "proposed"))
                   .execute())
        if changed:
            record(None, "feedback.decline", thread.public_id)
    if changed:
        thread.quote_state, thread.published_on = "declined", None


def withdraw_quote_permission(thread: FeedbackThread) -> None:
    """The client takes back permission to quote: off the public list at once."""
    with write_transaction():
        (FeedbackThread
         .update(quotable=False, quote_state="withdrawn", **NOTHING_PUBLISHED)
         .where(FeedbackThread.id == thread.id)
         .execute())
    thread.quotable, thread.quote_state = False, "withdrawn"
    for column in NOTHING_PUBLISHED:
        setattr(thread, column, None)


def allow_quote_again(thread: FeedbackThread) -> None:
    """The person gives permission to quote again, when there is no text to approve: staff may
    propose one (a text already proposed is approved with approve_quote instead)."""
    with write_transaction():
        changed = (FeedbackThread
                   .update(quotable=True, quote_state="")
                   .where((FeedbackThread.id == thread.id) & FeedbackThread.proposal.is_null())
                   .execute())
    if changed:
        thread.quotable, thread.quote_state = True, ""


def publish(actor: User, thread: FeedbackThread) -> None:
    """Put the text the person approved back on the public list (after staff took it off).

    Nothing the person has not approved is ever published: the update names the approval."""
    proposal = staff_proposal(thread)
    if proposal is None or thread.quote_state != "approved" or not thread.quotable:
        raise FeedbackError(_("The person has not approved a text to publish, so nothing was published."))
    with write_transaction():
        changed = (FeedbackThread
                   .update(**proposal.public_columns(thread.published_on or clock.today()))
                   .where((FeedbackThread.id == thread.id) & (FeedbackThread.quotable == True)  # noqa: E712
                          & (FeedbackThread.quote_state == "approved")
                          & (FeedbackThread.proposal == thread.proposal))
                   .execute())
        if not changed:
            raise FeedbackError(_("The person has not approved a text to publish, so nothing was "
                                  "published."))
        record(actor, "feedback.publish", thread.public_id)


def unpublish(actor: User, thread: FeedbackThread) -> None:
    """Take a thread off the public list (the person's approval stays: it may go back on)."""
    with write_transaction():
        (FeedbackThread
         .update(**NOTHING_PUBLISHED)
         .where(FeedbackThread.id == thread.id)
         .execute())
        record(actor, "feedback.unpublish", thread.public_id)


def shown_in(item: FeedbackThread, language: str) -> tuple[str, str, bool]:
    """A published item in the reader's language: (quote, action, shown as written instead)."""
    if not item.public_language or item.public_language == language:
        return item.public_quote, item.public_action, False
    quote = item.public_quote_translation or item.public_quote
    action = item.public_action_translation or item.public_action
    return quote, action, not (item.public_quote_translation and item.public_action_translation)


# --- reply templates --------------------------------------------------------------------------

MAX_TEMPLATES = 30


def reply_templates() -> list[ReplyTemplate]:
    """The organisation's reply templates, by title."""
    return list(ReplyTemplate.select().order_by(ReplyTemplate.title, ReplyTemplate.public_id))


def add_template(actor: User, title: str, body: str) -> ReplyTemplate:
    """A new reply template; the list stays short."""
    with write_transaction():
        if ReplyTemplate.select().count() >= MAX_TEMPLATES:
            raise FeedbackError(_("Keep the list to %(n)d templates: delete one before adding "
                                  "another.", n=MAX_TEMPLATES))
        template = ReplyTemplate.create(public_id=fresh_public_id(ReplyTemplate), title=title,
                                        body=body, created_on=clock.today())
        record(actor, "feedback.template_add", template.public_id)
    return template


def delete_template(actor: User, public_id: int) -> bool:
    """Delete a template; False when there was none."""
    with write_transaction():
        gone = ReplyTemplate.delete().where(ReplyTemplate.public_id == public_id).execute()
        if gone:
            record(actor, "feedback.template_delete", public_id)
    return bool(gone)


def template_text(public_id: str) -> str | None:
    """A template's text by its number as typed in a query string (None when unknown)."""
    if not public_id.isdigit() or len(public_id) > 18:
        return None
    found = ReplyTemplate.get_or_none(ReplyTemplate.public_id == int(public_id))
    return found.body if found else None


# --- export and retention --------------------------------------------------------------------

def export_threads(actor: User, opener: sealed.Reader) -> Iterator[list]:
    """Record in the audit trail who downloaded every open thread, then hand over the rows."""
    with write_transaction():
        record(actor, "feedback.export")
    return export_rows(opener, may_read_restricted(actor))


def export_rows(opener: sealed.Reader, restricted_too: bool = False) -> Iterator[list]:
    """One row per message of every thread that is not archived, in public-id order (which says
    nothing of when a thread came), in batches; restricted threads only when asked for."""
    last_public_id = 0
    visible = _restricted_shown(restricted_too)
    while True:
        # plain tuples, not model instances: half the export's time went to building those
        threads = {row[0]: row for row in (
            FeedbackThread
            .select(FeedbackThread.id, FeedbackThread.public_id, FeedbackThread.topic,
                    FeedbackThread.rating, FeedbackThread.status, FeedbackThread.tags,
                    FeedbackThread.quotable, FeedbackThread.created_on, FeedbackThread.sealed_key,
                    FeedbackThread.legacy_key)
            .where((FeedbackThread.status != "archived")
                   & (FeedbackThread.public_id > last_public_id) & visible)
            .order_by(FeedbackThread.public_id)
            .limit(EXPORT_BATCH)
            .tuples())}
        if not threads:
            return
        order = {thread_id: row[1] for thread_id, row in threads.items()}
        messages = sorted(
            FeedbackMessage
            .select(FeedbackMessage.thread, FeedbackMessage.id, FeedbackMessage.public_id,
                    FeedbackMessage.created_on, FeedbackMessage.author, FeedbackMessage.body)
            .where(FeedbackMessage.thread.in_(list(threads))
                   & (FeedbackMessage.withdrawn == False))  # noqa: E712
            .tuples()
            .iterator(),
            key=lambda message: (order[message[0]], message[1]))
        item_keys = {}
        for thread_id, _row_id, message_id, created_on, author, body in messages:
            (_, public_id, topic, rating, status, tags, quotable, started_on, sealed_key,
             legacy_key) = threads[thread_id]
            if thread_id not in item_keys:
                # each thread's key is opened once here, so the reader need not remember it
                found = (opener.item_key(sealed_key, remember=False),
                         opener.item_key(legacy_key, remember=False) if legacy_key else None)
                item_keys[thread_id] = [item_key for item_key in found if item_key is not None]
            text = _decrypt_any(body, item_keys[thread_id])
            yield [public_id, message_id, topic, rating or "", status, tags, bool(quotable),
                   started_on.isoformat(), created_on.isoformat(), author,
                   text if text is not None else SEALED_CELL]
        last_public_id = max(order.values())


def retention_days() -> int:
    """How many days after its last message a thread is kept (PORTAL_FEEDBACK_RETENTION_DAYS)."""
    return int(current_app.config.get("FEEDBACK_RETENTION_DAYS", 365))


def purge_old_threads(days: int, today: dt.date | None = None) -> tuple[int, int]:
    """Delete threads whose last message is older than `days`; returns (threads, messages)."""
    if days < 0:
        raise ValueError("the retention period cannot be negative")
    cutoff = (today or clock.today()) - dt.timedelta(days=days)
    threads = messages = 0
    while True:
        # small batches keep each write lock short on a busy database
        with write_transaction():
            ids = [row.id for row in (FeedbackThread
                                      .select(FeedbackThread.id)
                                      .where(FeedbackThread.last_message_on < cutoff)
                                      .limit(PURGE_BATCH))]
            if not ids:
                break
            messages += FeedbackMessage.delete().where(FeedbackMessage.thread.in_(ids)).execute()
            FeedbackNote.delete().where(FeedbackNote.thread.in_(ids)).execute()
            threads += FeedbackThread.delete().where(FeedbackThread.id.in_(ids)).execute()
    if threads:
        with write_transaction():
            record(None, "feedback.purge", threads)
    purge_sent_forms(today)
    return threads, messages


def purge_sent_forms(today: dt.date | None = None) -> int:
    """Forget the tokens of forms sent more than two days ago."""
    cutoff = (today or clock.today()) - dt.timedelta(days=SENT_FORM_DAYS)
    with write_transaction():
        return SentForm.delete().where(SentForm.sent_on < cutoff).execute()


def purge_report() -> Iterator[str]:
    """The retention step of `flask --app app purge`: one line saying what was deleted."""
    days = retention_days()
    try:
        threads, messages = purge_old_threads(days)
    except ValueError as error:
        raise ValueError(f"PORTAL_FEEDBACK_RETENTION_DAYS: {error}") from error
    yield f"Deleted {threads} feedback threads and {messages} messages older than {days} days."
