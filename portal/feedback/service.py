"""The rules of anonymous feedback: threads, replies, publishing, export and retention."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

from flask import current_app
from peewee import Tuple, fn

from portal import clock, codes
from portal.accounts.audit import record
from portal.accounts.models import User
from portal.db import write_transaction
from portal.feedback import receipts
from portal.feedback.models import STATUSES, TOPICS, FeedbackMessage, FeedbackThread
from portal.i18n import gettext as _
from portal.text import CONTROL_CHARACTERS

PAGE_SIZE = 50
EXCERPT_LENGTH = 140
EXPORT_BATCH = 1000
PURGE_BATCH = 500
MAX_TAGS = 8
MAX_TAG_LENGTH = 30
CSV_HEADER = ["thread", "topic", "rating", "status", "tags", "quotable", "thread_started_on",
              "message_on", "author", "message"]
CURSOR_PATTERN = re.compile(r"^(\d{4}-\d{2}-\d{2})\.(\d{1,18})$")


class FeedbackError(Exception):
    """A request the rules refuse, with a message fit to show to the person."""


# --- the client's side -----------------------------------------------------------------------

def find_thread(receipt_text: str) -> FeedbackThread | None:
    """The thread for a typed receipt; always one hash and one indexed lookup, found or not."""
    digest = receipts.receipt_hash(codes.normalise(receipt_text))
    return FeedbackThread.by_receipt_hash(digest)


def submit_feedback(message: str, topic: str = "", rating: int | None = None,
                    quotable: bool = False) -> str:
    """Store new feedback with today's date and return its receipt, formatted for reading."""
    if topic and topic not in TOPICS:
        raise FeedbackError(_("Choose one of the listed topics."))
    if rating is not None and not 1 <= rating <= 5:
        raise FeedbackError(_("Choose one of the answers on the scale."))
    code = receipts.new_receipt()
    today = clock.today()
    with write_transaction():
        thread = FeedbackThread.create(receipt_hash=receipts.receipt_hash(code), topic=topic or "",
                                       rating=rating, quotable=quotable, status="new",
                                       created_on=today, last_message_on=today)
        FeedbackMessage.create(thread=thread, author="client", body=message, created_on=today)
    return codes.format_code(code)


def thread_messages(thread: FeedbackThread) -> list[FeedbackMessage]:
    """Every message of a thread, oldest first."""
    return list(FeedbackMessage.in_thread(thread))


def add_follow_up(thread: FeedbackThread, body: str) -> None:
    """The client adds to their thread; it becomes new again so staff see it."""
    today = clock.today()
    with write_transaction():
        FeedbackMessage.create(thread=thread, author="client", body=body, created_on=today)
        (FeedbackThread
         .update(status="new", last_message_on=today)
         .where(FeedbackThread.id == thread.id)
         .execute())
    thread.status, thread.last_message_on = "new", today


def withdraw_quote_permission(thread: FeedbackThread) -> None:
    """The client takes back permission to quote: off the public list at once."""
    with write_transaction():
        (FeedbackThread
         .update(quotable=False, public_quote=None, public_action=None, published_on=None)
         .where(FeedbackThread.id == thread.id)
         .execute())
    thread.quotable, thread.public_quote, thread.public_action, thread.published_on = (
        False, None, None, None)


def published_items(limit: int = 20) -> list[FeedbackThread]:
    """The public "you said, we did" list."""
    return list(FeedbackThread.published(limit))


# --- the staff's side ------------------------------------------------------------------------

@dataclass
class ThreadPage:
    """One page of the staff list and where the next one starts."""

    threads: list[FeedbackThread]
    excerpts: dict[int, str]
    next_cursor: str | None


def _parse_cursor(cursor: str | None) -> tuple[dt.date, int] | None:
    """Read a page cursor "YYYY-MM-DD.id"; anything else means the first page."""
    match = CURSOR_PATTERN.match(cursor or "")
    if not match:
        return None
    try:
        return dt.date.fromisoformat(match.group(1)), int(match.group(2))
    except ValueError:
        return None


def list_threads(status: str = "", topic: str = "", cursor: str | None = None,
                 per_page: int = PAGE_SIZE) -> ThreadPage:
    """Threads by latest message, newest first, filtered, one keyset page at a time.

    One query: each thread comes with the opening of its first message (a subquery per listed
    row, through the index on the message's thread), whatever the size of the page."""
    first_words = (FeedbackMessage
                   .select(fn.SUBSTR(FeedbackMessage.body, 1, EXCERPT_LENGTH))
                   .where(FeedbackMessage.thread == FeedbackThread.id)
                   .order_by(FeedbackMessage.id)
                   .limit(1))
    query = FeedbackThread.select(FeedbackThread, first_words.alias("excerpt"))
    if status in STATUSES:
        query = query.where(FeedbackThread.status == status)
    if topic in TOPICS:
        query = query.where(FeedbackThread.topic == topic)
    elif topic == "none":
        query = query.where(FeedbackThread.topic == "")
    position = _parse_cursor(cursor)
    if position:
        query = query.where(Tuple(FeedbackThread.last_message_on, FeedbackThread.id)
                            < Tuple(position[0].isoformat(), position[1]))
    rows = list(query
                .order_by(FeedbackThread.last_message_on.desc(), FeedbackThread.id.desc())
                .limit(per_page + 1))
    threads = rows[:per_page]
    next_cursor = None
    if len(rows) > per_page:
        last = threads[-1]
        next_cursor = f"{last.last_message_on.isoformat()}.{last.id}"
    return ThreadPage(threads, {t.id: t.excerpt or "" for t in threads}, next_cursor)


def get_thread(thread_id: int) -> FeedbackThread | None:
    """A thread by its number, for staff."""
    return FeedbackThread.get_or_none(FeedbackThread.id == thread_id)


def reply(actor: User, thread: FeedbackThread, body: str) -> None:
    """A staff member answers; the client sees it with their receipt."""
    today = clock.today()
    with write_transaction():
        FeedbackMessage.create(thread=thread, author="staff", body=body, created_on=today,
                               staff_user=actor)
        (FeedbackThread
         .update(status="replied", last_message_on=today)
         .where(FeedbackThread.id == thread.id)
         .execute())
        record(actor, "feedback.reply", thread.id)


def set_status(actor: User, thread: FeedbackThread, status: str) -> None:
    """Move a thread to new, read, replied or archived."""
    if status not in STATUSES:
        raise FeedbackError(_("Choose one of the listed statuses."))
    if status == thread.status:
        return
    with write_transaction():
        FeedbackThread.update(status=status).where(FeedbackThread.id == thread.id).execute()
        record(actor, "feedback.status", thread.id)


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
        record(actor, "feedback.tags", thread.id)
    return tags


def suggested_quote(thread: FeedbackThread) -> str:
    """What the publish form starts from: the published quote, else the first client message."""
    if thread.public_quote:
        return thread.public_quote
    first = (FeedbackMessage
             .select(FeedbackMessage.body)
             .where((FeedbackMessage.thread == thread) & (FeedbackMessage.author == "client"))
             .order_by(FeedbackMessage.id)
             .first())
    return first.body if first else ""


def publish(actor: User, thread: FeedbackThread, quote: str, action_taken: str) -> None:
    """Put a quotable thread on the public "you said, we did" list with what was done."""
    if not thread.quotable:
        raise FeedbackError(_("This person did not agree to be quoted, so it cannot be published."))
    if not quote.strip() or not action_taken.strip():
        raise FeedbackError(_("Write both the quote and what we did about it."))
    published_on = thread.published_on or clock.today()
    with write_transaction():
        (FeedbackThread
         .update(public_quote=quote, public_action=action_taken, published_on=published_on)
         .where((FeedbackThread.id == thread.id) & (FeedbackThread.quotable == True))  # noqa: E712
         .execute())
        record(actor, "feedback.publish", thread.id)


def unpublish(actor: User, thread: FeedbackThread) -> None:
    """Take a thread off the public list."""
    with write_transaction():
        (FeedbackThread
         .update(public_quote=None, public_action=None, published_on=None)
         .where(FeedbackThread.id == thread.id)
         .execute())
        record(actor, "feedback.unpublish", thread.id)


# --- export and retention --------------------------------------------------------------------

def export_rows() -> Iterator[list]:
    """One row per message of every thread that is not archived, in thread order, in batches."""
    last_id = 0
    while True:
        # plain tuples, not model instances: half the export's time went to building those
        threads = {row[0]: row for row in (
            FeedbackThread
            .select(FeedbackThread.id, FeedbackThread.topic, FeedbackThread.rating,
                    FeedbackThread.status, FeedbackThread.tags, FeedbackThread.quotable,
                    FeedbackThread.created_on)
            .where((FeedbackThread.status != "archived") & (FeedbackThread.id > last_id))
            .order_by(FeedbackThread.id)
            .limit(EXPORT_BATCH)
            .tuples())}
        if not threads:
            return
        messages = (FeedbackMessage
                    .select(FeedbackMessage.thread, FeedbackMessage.created_on,
                            FeedbackMessage.author, FeedbackMessage.body)
                    .where(FeedbackMessage.thread.in_(list(threads)))
                    .order_by(FeedbackMessage.thread, FeedbackMessage.id)
                    .tuples()
                    .iterator())
        for thread_id, created_on, author, body in messages:
            _, topic, rating, status, tags, quotable, started_on = threads[thread_id]
            yield [thread_id, topic, rating or "", status, tags, bool(quotable),
                   started_on.isoformat(), created_on.isoformat(), author, body]
        last_id = max(threads)


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
            threads += FeedbackThread.delete().where(FeedbackThread.id.in_(ids)).execute()
    if threads:
        with write_transaction():
            record(None, "feedback.purge", threads)
    return threads, messages


def purge_report() -> Iterator[str]:
    """The retention step of `flask --app app purge`: one line saying what was deleted."""
    days = retention_days()
    try:
        threads, messages = purge_old_threads(days)
    except ValueError as error:
        raise ValueError(f"PORTAL_FEEDBACK_RETENTION_DAYS: {error}") from error
    yield f"Deleted {threads} feedback threads and {messages} messages older than {days} days."
