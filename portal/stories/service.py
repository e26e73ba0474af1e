"""The rules of consent-scoped stories: recording consent, the one gate every use goes through,
withdrawal (with its takedown tasks), renewal, the use log and retention."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from flask import current_app
from peewee import JOIN, Tuple, fn

from portal import clock, codes
from portal.accounts import sealed
from portal.accounts.audit import AuditEntry, record
from portal.accounts.models import User
from portal.db import fresh_public_id, new_public_id, write_transaction
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.stories.models import (
    ATTRIBUTIONS,
    CHANNELS,
    LANGUAGES,
    METHODS,
    Story,
    StoryChannel,
    StoryTakedown,
    StoryUse,
)
from portal.text import render_markdown

CODE_LENGTH = 16  # 80 bits
CODE_PURPOSE = "story-withdrawal"
KEY_PURPOSE = "story-withdrawal-key"
WORDING_VERSION = "2026-1"
DEFAULT_CONSENT_DAYS = 365
LONGEST_CONSENT_DAYS = 5 * 365
RENEWAL_WINDOW_DAYS = 30
PAGE_SIZE = 50
CURSOR_PATTERN = re.compile(r"^(\d{4}-\d{2}-\d{2})\.(\d{1,18})$")
USES_SHOWN = 100
TASK_BATCH = 500
EXPIRING_SHOWN = 50
USES_CSV_HEADER = ["story", "use", "channel", "purpose", "where", "attribution", "used_on", "used_by"]
SEALED_CELL = "[sealed]"

# printed on every consent form and receipt
SERVICE_GUARANTEE = _l("Sharing your story, or not sharing it, never changes the services you "
                       "receive from us. You can say no, say yes to some uses only, or change "
                       "your mind at any time.")

# what withdrawing can and cannot undo, per channel, in the storyteller's words
RECALL = {
    "training": _l("We stop using it in training and remove it from our training materials."),
    "funders": _l("We stop using it in reports and ask funders not to use it again. Reports "
                  "already sent cannot be unsent."),
    "website": _l("We take it off our website. Copies other people saved cannot be recalled."),
    "social": _l("We delete our posts. Shares and screenshots made by others cannot be recalled."),
    "print": _l("We will not reprint it. Printed copies already handed out cannot be recalled."),
    "press": _l("We ask the outlet to take it down and not use it again; what was already "
                "published is up to them."),
    "advocacy": _l("We stop using it. Testimony already given in public stays on the record."),
}
# the takedown task staff see for a past use, per channel ("%(place)s": where it appeared)
TAKEDOWN_TASKS = {
    "training": _l("Remove it from the training materials: %(place)s"),
    "funders": _l("Ask the funder not to use it again: %(place)s"),
    "website": _l("Remove it from the website page: %(place)s"),
    "social": _l("Delete the post: %(place)s"),
    "print": _l("Do not reprint: %(place)s"),
    "press": _l("Ask the outlet to take it down and not use it again: %(place)s"),
    "advocacy": _l("Do not use this testimony again: %(place)s"),
}


class StoryError(Exception):
    """A request the rules refuse, with a message fit to show to the person."""


class ConsentRefused(StoryError):
    """The gate refused a use: the consent does not allow it."""


# --- keys and codes ----------------------------------------------------------------------------

def new_code() -> str:
    """A fresh withdrawal code: 16 random characters (80 bits)."""
    return codes.generate(CODE_LENGTH)


def code_hash(code: str) -> str:
    """The keyed hash the database keeps instead of the code (of its normalised form)."""
    return codes.keyed_hash(CODE_PURPOSE, codes.normalise(code))


def find_by_code(typed: str) -> Story | None:
    """The story a typed code opens; one hash and one indexed lookup, found or not."""
    return Story.by_code_hash(code_hash(typed))


def key_for_code(story: Story, typed: str) -> bytes | None:
    """The story's key for the person holding its withdrawal code."""
    return sealed.unwrap_for_code(story.code_key, codes.normalise(typed), KEY_PURPOSE)


def staff_key(story: Story) -> bytes | None:
    """The story's key opened with this session's organisation key, or None."""
    return sealed.open_item_key(story.sealed_key)


def _key_for_writing(story: Story) -> bytes:
    """The story's key for a staff action that writes text, or a clear refusal."""
    item_key = staff_key(story)
    if item_key is None:
        raise StoryError(_("Your session cannot read sealed records, so it cannot do this. "
                           "Log in again, or ask an admin for access."))
    return item_key


def _encrypt(text: str | None, item_key: bytes) -> bytes | None:
    """A text encrypted with the story's key; nothing for an empty text."""
    return sealed.encrypt(text, item_key) if text else None


# --- recording a story ---------------------------------------------------------------------

@dataclass
class StoryDraft:
    """What the consent form gives: the story, how it is credited and the consent itself."""

    title: str
    story_text: str
    attribution: str
    channels: dict[str, str]  # consented channel -> its conditions ("" for none)
    consent_given_on: dt.date
    consent_method: str
    consent_language: str
    consent_expires_on: dt.date
    content_notes: str = ""
    real_name: str = ""
    credit_name: str = ""
    wording_version: str = WORDING_VERSION
    edits_need_approval: bool = True


def default_expiry(day: dt.date | None = None) -> dt.date:
    """When consent ends unless the storyteller chose otherwise: one year on."""
    return (day or clock.today()) + dt.timedelta(days=DEFAULT_CONSENT_DAYS)


def check_consent_dates(given_on: dt.date, expires_on: dt.date, today: dt.date | None = None) -> None:
    """Consent given on a past day (or today), ending after today and within five years."""
    today = today or clock.today()
    if given_on > today:
        raise StoryError(_("The day consent was given cannot be in the future."))
    if expires_on <= today or expires_on <= given_on:
        raise StoryError(_("The consent must end after today."))
    if expires_on > given_on + dt.timedelta(days=LONGEST_CONSENT_DAYS):
        raise StoryError(_("Consent can last five years at most; ask again after that."))


def _check_draft(draft: StoryDraft) -> None:
    """Refuse a consent record that does not hold together."""
    if draft.attribution not in ATTRIBUTIONS:
        raise StoryError(_("Choose how the storyteller wants to be credited."))
    if draft.attribution == "real_name" and not draft.real_name.strip():
        raise StoryError(_("Write the storyteller's name as they want it to appear."))
    if draft.attribution in ("pseudonym", "initials") and not draft.credit_name.strip():
        raise StoryError(_("Write the name or initials the storyteller chose."))
    if not draft.channels or any(channel not in CHANNELS for channel in draft.channels):
        raise StoryError(_("Choose at least one use the storyteller agreed to."))
    if draft.consent_method not in METHODS or draft.consent_language not in LANGUAGES:
        raise StoryError(_("Choose how and in which language consent was given."))
    check_consent_dates(draft.consent_given_on, draft.consent_expires_on)


def create_story(actor: User | None, draft: StoryDraft) -> tuple[Story, str]:
    """Record a story and its consent, sealed; returns it with its withdrawal code (shown once)."""
    _check_draft(draft)
    code = new_code()
    item_key = sealed.new_item_key()
    # what is not the chosen credit is not kept: a pseudonym's storyteller may still give a name
    credit = draft.credit_name.strip() if draft.attribution in ("pseudonym", "initials") else ""
    with write_transaction():
        story = Story.create(
            public_id=fresh_public_id(Story), code_hash=code_hash(code),
            sealed_key=sealed.seal_item_key(item_key),
            code_key=sealed.wrap_for_code(item_key, code, KEY_PURPOSE),
            title=sealed.encrypt(draft.title, item_key),
            sealed_text=sealed.encrypt(draft.story_text, item_key),
            content_notes=_encrypt(draft.content_notes, item_key),
            attribution=draft.attribution,
            real_name=_encrypt(draft.real_name.strip(), item_key),
            credit_name=_encrypt(credit, item_key),
            consent_given_on=draft.consent_given_on, consent_method=draft.consent_method,
            consent_language=draft.consent_language, wording_version=draft.wording_version,
            consent_expires_on=draft.consent_expires_on,
            edits_need_approval=draft.edits_need_approval, recorded_by=actor,
            created_on=clock.today())
        for channel in CHANNELS.values:
            if channel in draft.channels:
                StoryChannel.create(story=story, channel=channel,
                                    conditions=_encrypt(draft.channels[channel].strip(), item_key))
        record(actor, "stories.create", story.public_id)
    return story, codes.format_code(code)


def get_story(public_id: int) -> Story | None:
    """A story by its public number."""
    return Story.get_or_none(Story.public_id == public_id)


# --- what a story says, opened with a key ---------------------------------------------------

@dataclass
class ChannelState:
    """One channel of a story's consent, as staff and the storyteller see it."""

    channel: str
    consented: bool
    conditions: str | None = None
    withdrawn_on: dt.date | None = None
    withdrawn_by: str | None = None

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_on is not None


@dataclass
class StoryDetails:
    """A story's record without its text: None for what the key at hand cannot open."""

    story: Story
    readable: bool
    title: str | None
    content_notes: str | None
    real_name: str | None
    credit_name: str | None
    channels: list[ChannelState] = field(default_factory=list)

    @property
    def expired(self) -> bool:
        return self.story.consent_expires_on < clock.today()

    @property
    def active_channels(self) -> list[str]:
        """Channels a use may go to today."""
        if self.expired:
            return []
        return [c.channel for c in self.channels if c.consented and not c.withdrawn]

    @property
    def fully_withdrawn(self) -> bool:
        return all(c.withdrawn for c in self.channels if c.consented)

    @property
    def credit(self) -> str:
        """The credit line the storyteller chose."""
        return credit_for(self.story.attribution, self.real_name, self.credit_name)


def credit_for(attribution: str, real_name: str | None, credit_name: str | None) -> str:
    """How a story is credited under an attribution."""
    if attribution == "real_name":
        return real_name or ""
    if attribution in ("pseudonym", "initials"):
        return credit_name or ""
    return _("Anonymous")


def describe(story: Story, item_key: bytes | None) -> StoryDetails:
    """A story's record, opened with a key (staff's or the code holder's)."""
    rows = {row.channel: row for row in StoryChannel.select().where(StoryChannel.story == story)}
    channels = [ChannelState(channel, channel in rows,
                             sealed.decrypt(rows[channel].conditions, item_key) if channel in rows else None,
                             rows[channel].withdrawn_on if channel in rows else None,
                             rows[channel].withdrawn_by if channel in rows else None)
                for channel in CHANNELS.values]
    return StoryDetails(story, item_key is not None, sealed.decrypt(story.title, item_key),
                        sealed.decrypt(story.content_notes, item_key),
                        sealed.decrypt(story.real_name, item_key),
                        sealed.decrypt(story.credit_name, item_key), channels)


def _open_story_text(story: Story, item_key: bytes | None) -> str | None:
    """The story's words: the one place they are decrypted (see the two callers below)."""
    return sealed.decrypt(story.sealed_text, item_key)


def read_story_text(actor: User, story: Story) -> str | None:
    """The full text for a member of staff: every reading is recorded in the audit trail."""
    item_key = staff_key(story)
    if item_key is None:
        return None
    with write_transaction():
        record(actor, "stories.read", story.public_id)
    return _open_story_text(story, item_key)


def readings(story: Story, limit: int = 20) -> list[AuditEntry]:
    """Who read the story's full text, and when, most recent first."""
    return list(AuditEntry
                .select(AuditEntry, User)
                .join(User, JOIN.LEFT_OUTER, on=(AuditEntry.actor == User.id))
                .where((AuditEntry.action == "stories.read") & (AuditEntry.subject_id == story.public_id))
                .order_by(AuditEntry.created_at.desc())
                .limit(limit))


# --- the gate ----------------------------------------------------------------------------

def consent_refusal(story: Story, channel: str, attribution: str, today: dt.date,
                    conditions_respected: bool = False) -> str | None:
    """Why the consent does not allow this use today, or None when it does (reads fresh rows)."""
    if story.erased_on is not None:
        return _("This story was erased. It cannot be used.")
    if channel not in CHANNELS:
        return _("Choose one of the listed channels.")
    row = StoryChannel.get_or_none((StoryChannel.story == story) & (StoryChannel.channel == channel))
    if row is None:
        return _("The storyteller did not agree to “%(channel)s”.", channel=CHANNELS.label(channel))
    if row.withdrawn_on is not None:
        return _("The storyteller withdrew consent for “%(channel)s” on %(day)s.",
                 channel=CHANNELS.label(channel), day=row.withdrawn_on.isoformat())
    if story.consent_expires_on < today:
        return _("The consent ended on %(day)s. Ask the storyteller again and record the renewal "
                 "before using the story.", day=story.consent_expires_on.isoformat())
    if attribution != story.attribution:
        return _("The storyteller chose to be credited as: %(chosen)s. A use cannot credit them "
                 "any other way.", chosen=ATTRIBUTIONS.label(story.attribution))
    if row.conditions is not None and not conditions_respected:
        return _("This channel has conditions. Confirm that this use respects them.")
    return None


def use_story(story: Story, channel: str, purpose: str, by: User | None, place: str, attribution: str,
              conditions_respected: bool = False, today: dt.date | None = None,
              item_key: bytes | None = None) -> StoryUse:
    """The one gate: refuse a use the consent does not allow; log an allowed one.

    Raises ConsentRefused (and writes nothing) when the channel was not consented or was
    withdrawn, the consent expired, the attribution differs from the one chosen, or the
    channel's conditions were not confirmed. `item_key` is for the console (sample data), where
    no session holds the organisation key.
    """
    today = today or clock.today()
    if not (purpose or "").strip() or not (place or "").strip():
        raise ConsentRefused(_("Say what the story is used for and where it will appear."))
    item_key = item_key or _key_for_writing(story)
    with write_transaction():
        # read again inside the write lock: a withdrawal a moment ago counts
        fresh = Story.get_or_none(Story.id == story.id)
        if fresh is None:
            raise ConsentRefused(_("This story no longer exists."))
        refusal = consent_refusal(fresh, channel, attribution, today, conditions_respected)
        if refusal is not None:
            raise ConsentRefused(refusal)
        use = StoryUse.create(public_id=fresh_public_id(StoryUse), story=fresh, channel=channel,
                              purpose=sealed.encrypt(purpose.strip(), item_key),
                              place=sealed.encrypt(place.strip(), item_key),
                              attribution=attribution, used_on=today, used_by=by)
        record(by, "stories.use", fresh.public_id)
    return use


@dataclass
class ExportedStory:
    """A story as it leaves for a channel: the chosen attribution applied."""

    title: str
    body: str
    credit: str
    content_notes: str
    conditions: str
    channel: str
    use: StoryUse
    edits_need_approval: bool

    @property
    def html(self):
        """The body through the one sanitiser."""
        return render_markdown(self.body)

    def as_text(self) -> str:
        """A plain-text copy to paste into the channel."""
        parts = [self.title]
        if self.content_notes:
            parts.append(_("Content note: %(notes)s", notes=self.content_notes))
        parts += [self.body.strip(), f"— {self.credit}"]
        return "\n\n".join(parts) + "\n"


def _withhold_name(text: str, real_name: str | None, replacement: str) -> str:
    """The text with the real name, and each part of it, replaced (whole words, any case)."""
    if not real_name:
        return text
    parts = sorted({real_name.strip(), *(p for p in re.split(r"\s+", real_name) if len(p) >= 2)},
                   key=len, reverse=True)
    for part in parts:
        if part:
            text = re.sub(rf"(?<!\w){re.escape(part)}(?!\w)", replacement, text, flags=re.IGNORECASE)
    return text


def export_for_channel(story: Story, channel: str, purpose: str, by: User, place: str,
                       attribution: str, conditions_respected: bool = False) -> ExportedStory:
    """The story for one channel, only through the gate, with the chosen attribution applied:
    when the storyteller did not choose their real name, it never leaves (nor any part of it)."""
    use = use_story(story, channel, purpose, by, place, attribution, conditions_respected)
    item_key = _key_for_writing(story)
    details = describe(story, item_key)
    text = _open_story_text(story, item_key) or ""
    title = details.title or ""
    notes = details.content_notes or ""
    if story.attribution != "real_name":
        replacement = details.credit if story.attribution != "anonymous" else _("[name withheld]")
        text, title, notes = (_withhold_name(value, details.real_name, replacement)
                              for value in (text, title, notes))
    conditions = next((c.conditions or "" for c in details.channels if c.channel == channel), "")
    return ExportedStory(title, text, details.credit, notes, conditions, channel, use,
                         story.edits_need_approval)


# --- editing -------------------------------------------------------------------------------

def edit_story(actor: User, story: Story, title: str, story_text: str, content_notes: str,
               approved: bool) -> None:
    """Change the story's words; refused without the storyteller's approval when they asked for it."""
    if story.erased_on is not None:
        raise StoryError(_("This story was erased. It cannot be edited."))
    if story.edits_need_approval and not approved:
        raise StoryError(_("The storyteller asked to approve every edit. Show them the new "
                           "version and tick the box once they agree."))
    item_key = _key_for_writing(story)
    with write_transaction():
        (Story.update(title=sealed.encrypt(title, item_key),
                      sealed_text=sealed.encrypt(story_text, item_key),
                      content_notes=_encrypt(content_notes, item_key))
         .where(Story.id == story.id)
         .execute())
        record(actor, "stories.edit", story.public_id)


# --- withdrawal and renewal --------------------------------------------------------------------

def withdraw(story: Story, channels: list[str], by: str, actor: User | None = None,
             today: dt.date | None = None) -> list[StoryTakedown]:
    """Withdraw consent for some channels (all when empty), at once for every future use; a
    takedown task for each past use in a withdrawn channel. Returns the new tasks."""
    today = today or clock.today()
    if any(channel not in CHANNELS for channel in channels):
        raise StoryError(_("Choose among the listed uses."))
    with write_transaction():
        query = StoryChannel.select().where((StoryChannel.story == story)
                                            & StoryChannel.withdrawn_on.is_null())
        if channels:
            query = query.where(StoryChannel.channel.in_(channels))
        withdrawn = [row.channel for row in query]
        if not withdrawn:
            return []
        (StoryChannel.update(withdrawn_on=today, withdrawn_by=by)
         .where((StoryChannel.story == story) & StoryChannel.channel.in_(withdrawn)
                & StoryChannel.withdrawn_on.is_null())
         .execute())
        channel_of = dict(StoryUse.select(StoryUse.id, StoryUse.channel)
                          .where((StoryUse.story == story) & StoryUse.channel.in_(withdrawn))
                          .order_by(StoryUse.id).tuples())
        use_ids = list(channel_of)
        public_ids = _fresh_task_ids(len(use_ids))
        for start in range(0, len(use_ids), TASK_BATCH):
            # one statement a batch: a much-used story may have thousands of past uses
            StoryTakedown.insert_many([
                {"public_id": public_id, "story": story.id, "use": use_id,
                 "channel": channel_of[use_id], "created_on": today}
                for use_id, public_id in zip(use_ids[start:start + TASK_BATCH],
                                             public_ids[start:start + TASK_BATCH], strict=True)]).execute()
        tasks = list(StoryTakedown.select().where(StoryTakedown.public_id.in_(public_ids))
                     .order_by(StoryTakedown.id)) if public_ids else []
        if by == "staff":
            # the storyteller's own withdrawal leaves only the day on its channels: no timed row
            record(actor, "stories.withdraw_staff", story.public_id)
    return tasks


def _fresh_task_ids(count: int) -> list[int]:
    """`count` random public ids no takedown task holds yet (call inside the write transaction)."""
    chosen: set[int] = set()
    while len(chosen) < count:
        wanted = {new_public_id() for _ in range(count - len(chosen))} - chosen
        taken = set()
        for start in range(0, len(wanted), TASK_BATCH):
            batch = list(wanted)[start:start + TASK_BATCH]
            taken |= {row[0] for row in StoryTakedown.select(StoryTakedown.public_id)
                      .where(StoryTakedown.public_id.in_(batch)).tuples()}
        chosen |= wanted - taken
    return list(chosen)


def renew(actor: User, story: Story, given_on: dt.date, method: str, language: str,
          wording_version: str, expires_on: dt.date) -> None:
    """Record that the storyteller renewed their consent (the channels and conditions stay)."""
    if story.erased_on is not None:
        raise StoryError(_("This story was erased. Record it again if the storyteller wants."))
    if method not in METHODS or language not in LANGUAGES:
        raise StoryError(_("Choose how and in which language consent was given."))
    check_consent_dates(given_on, expires_on)
    with write_transaction():
        (Story.update(consent_given_on=given_on, consent_method=method, consent_language=language,
                      wording_version=wording_version, consent_expires_on=expires_on,
                      renewed_on=clock.today(), recorded_by=actor)
         .where(Story.id == story.id)
         .execute())
        record(actor, "stories.renew", story.public_id)


def expiring_soon(today: dt.date | None = None, limit: int = EXPIRING_SHOWN) -> tuple[list[Story], int]:
    """Stories whose consent ends within 30 days (and has not ended), soonest first (the first
    `limit` of them), and how many there are."""
    today = today or clock.today()
    query = (Story.select()
             .where(Story.consent_expires_on.between(today, today + dt.timedelta(days=RENEWAL_WINDOW_DAYS))
                    & Story.erased_on.is_null()))
    return list(query.order_by(Story.consent_expires_on, Story.public_id).limit(limit)), query.count()


# --- uses and takedowns ----------------------------------------------------------------------

@dataclass
class UseLine:
    """A use with its purpose and place opened (None without the key)."""

    use: StoryUse
    purpose: str | None
    place: str | None


def uses_of(story: Story, item_key: bytes | None, limit: int | None = None) -> list[UseLine]:
    """The uses of a story, newest first (all of them, or the latest `limit`)."""
    uses = (StoryUse.select(StoryUse, User)
            .join(User, JOIN.LEFT_OUTER, on=(StoryUse.used_by == User.id))
            .where(StoryUse.story == story)
            .order_by(StoryUse.used_on.desc(), StoryUse.created_at.desc(), StoryUse.id.desc()))
    if limit is not None:
        uses = uses.limit(limit)
    return [UseLine(use, sealed.decrypt(use.purpose, item_key), sealed.decrypt(use.place, item_key))
            for use in uses]


@dataclass
class TakedownLine:
    """A takedown task with what it asks, opened with the staff key."""

    task: StoryTakedown
    story_title: str | None
    instruction: str | None


def _instruction(channel: str, place: str | None) -> str | None:
    """What a takedown task asks of staff."""
    if place is None:
        return None
    return str(TAKEDOWN_TASKS[channel]) % {"place": place}


def takedowns(story: Story | None = None, open_only: bool = True, limit: int = 200) -> list[TakedownLine]:
    """Takedown tasks (open ones first, oldest first), of one story or all."""
    query = (StoryTakedown.select(StoryTakedown, StoryUse, Story)
             .join(StoryUse, on=(StoryTakedown.use == StoryUse.id))
             .switch(StoryTakedown).join(Story, on=(StoryTakedown.story == Story.id)))
    if story is not None:
        query = query.where(StoryTakedown.story == story)
    if open_only:
        query = query.where(StoryTakedown.done_on.is_null())
    opener = sealed.reader()
    lines = []
    for task in query.order_by(StoryTakedown.done_on.is_null(False), StoryTakedown.created_on,
                               StoryTakedown.public_id).limit(limit):
        item_key = opener.item_key(task.story.sealed_key) if opener is not None else None
        lines.append(TakedownLine(task, sealed.decrypt(task.story.title, item_key),
                                  _instruction(task.channel, sealed.decrypt(task.use.place, item_key))))
    return lines


def use_count(story: Story) -> int:
    """How many times a story was used."""
    return StoryUse.select().where(StoryUse.story == story).count()


def open_takedown_count() -> int:
    """How many takedown tasks wait for staff."""
    return StoryTakedown.select().where(StoryTakedown.done_on.is_null()).count()


def get_takedown(public_id: int) -> StoryTakedown | None:
    """A takedown task by its public number."""
    return StoryTakedown.get_or_none(StoryTakedown.public_id == public_id)


def complete_takedown(actor: User, task: StoryTakedown) -> None:
    """Mark a takedown task done."""
    if task.done_on is not None:
        return
    with write_transaction():
        (StoryTakedown.update(done_on=clock.today(), done_by=actor)
         .where((StoryTakedown.id == task.id) & StoryTakedown.done_on.is_null())
         .execute())
        record(actor, "stories.takedown_done", task.public_id)


# --- the staff list --------------------------------------------------------------------------

@dataclass
class StoryRow:
    """A line of the staff list."""

    story: Story
    title: str | None
    active: int
    withdrawn: int


@dataclass
class StoryPage:
    """One page of the staff list and where the next one starts."""

    rows: list[StoryRow]
    readable: bool
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


def list_stories(cursor: str | None = None, per_page: int = PAGE_SIZE) -> StoryPage:
    """Stories newest first, a keyset page at a time, with their titles opened when possible."""
    query = Story.select()
    position = _parse_cursor(cursor)
    if position:
        query = query.where(Tuple(Story.created_on, Story.public_id)
                            < Tuple(position[0].isoformat(), position[1]))
    found = list(query.order_by(Story.created_on.desc(), Story.public_id.desc()).limit(per_page + 1))
    stories = found[:per_page]
    counts: dict[int, list[int]] = {}
    if stories:
        withdrawn_flag = StoryChannel.withdrawn_on.is_null(False)
        for story_id, withdrawn, total in (
                StoryChannel
                .select(StoryChannel.story, withdrawn_flag, fn.COUNT(StoryChannel.id))
                .where(StoryChannel.story.in_([s.id for s in stories]))
                .group_by(StoryChannel.story, withdrawn_flag)
                .tuples()):
            counts.setdefault(story_id, [0, 0])[1 if withdrawn else 0] += total
    opener = sealed.reader()
    rows = []
    for story in stories:
        item_key = opener.item_key(story.sealed_key) if opener is not None else None
        active, withdrawn = counts.get(story.id, [0, 0])
        rows.append(StoryRow(story, sealed.decrypt(story.title, item_key), active, withdrawn))
    next_cursor = None
    if len(found) > per_page:
        last = stories[-1]
        next_cursor = f"{last.created_on.isoformat()}.{last.public_id}"
    return StoryPage(rows, opener is not None, next_cursor)


# --- the use log download ---------------------------------------------------------------------

def export_uses(actor: User, story: Story) -> Iterator[list]:
    """Record who downloaded a story's use log, then hand over its rows."""
    with write_transaction():
        record(actor, "stories.export_uses", story.public_id)
    item_key = staff_key(story)
    for line in uses_of(story, item_key):
        use = line.use
        yield [story.public_id, use.public_id, use.channel,
               line.purpose if line.purpose is not None else SEALED_CELL,
               line.place if line.place is not None else SEALED_CELL,
               use.attribution, use.used_on.isoformat(),
               use.used_by.username if use.used_by_id and use.used_by else ""]


# --- retention ---------------------------------------------------------------------------

def retention_days() -> int:
    """How long a story fully withdrawn, or whose consent ended, keeps its words
    (PORTAL_STORIES_RETENTION_DAYS)."""
    return int(current_app.config.get("STORIES_RETENTION_DAYS", 90))


def purge_stories(days: int, today: dt.date | None = None) -> int:
    """Erase the words (story, title, notes, names, conditions) of stories every channel of which
    was withdrawn, or whose consent ended, more than `days` ago, once no takedown task is open.

    The record of consent, uses and takedowns stays (staff must be able to show what happened),
    its purposes and places still readable; the story's words cannot be used again by anyone.
    """
    if days < 0:
        raise ValueError("the retention period cannot be negative")
    today = today or clock.today()
    cutoff = today - dt.timedelta(days=days)
    still_active = (StoryChannel.select(StoryChannel.story)
                    .where(StoryChannel.withdrawn_on.is_null() | (StoryChannel.withdrawn_on >= cutoff)))
    open_tasks = StoryTakedown.select(StoryTakedown.story).where(StoryTakedown.done_on.is_null())
    erased = 0
    with write_transaction():
        ids = [row.id for row in Story.select(Story.id).where(
            Story.erased_on.is_null()
            & ((Story.consent_expires_on < cutoff) | Story.id.not_in(still_active))
            & Story.id.not_in(open_tasks))]
        if ids:
            erased = (Story.update(title=None, sealed_text=None,
                                   content_notes=None, real_name=None, credit_name=None,
                                   erased_on=today)
                      .where(Story.id.in_(ids))
                      .execute())
            StoryChannel.update(conditions=None).where(StoryChannel.story.in_(ids)).execute()
            record(None, "stories.purge", erased)
    return erased


def purge_report() -> Iterator[str]:
    """The retention step of `flask --app app purge`."""
    days = retention_days()
    try:
        erased = purge_stories(days)
    except ValueError as error:
        raise ValueError(f"PORTAL_STORIES_RETENTION_DAYS: {error}") from error
    yield f"Erased the words of {erased} withdrawn or expired stories older than {days} days."
