"""The rules of the advisory council: the roster and self-descriptions, who sees which field,
the diversity overview, proposals and responses, meetings, participation and stipends."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from peewee import IntegrityError, fn

from portal import clock
from portal.accounts.audit import record
from portal.accounts.models import User
from portal.council import keyring
from portal.council.categories import (
    BY_KEY,
    CATEGORIES,
    TEXT_FIELDS,
    TEXT_LIMITS,
    category_field,
    parse_wanted,
)
from portal.council.models import (
    KINDS,
    POSITIONS,
    VISIBILITY,
    CouncilSettings,
    Meeting,
    Member,
    Participation,
    ProfileEntry,
    Proposal,
    ProposalResponse,
)
from portal.db import built_once, db, read_once, write_transaction
from portal.i18n import gettext as _
from portal.privacy import suppress_small_counts
from portal.roles import COUNCIL
from portal.text import is_blank

# who is looking at a profile
PUBLIC, STAFF, OTHER_MEMBER, SELF = "public", "staff", "council", "self"
UNANSWERED = "unanswered"
MAX_MONEY = Decimal("100000.00")


class CouncilError(Exception):
    """A request the rules refuse, with a message fit to show, and the field it concerns."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# --- settings ---------------------------------------------------------------------------------

# reads every council page makes, with their SQL built once (portal/db.py)
_first_settings = built_once(lambda: CouncilSettings.select().order_by(CouncilSettings.id).limit(1))
_current_members = built_once(Member.current)
_published_outcomes = built_once(lambda: Proposal.select().where(
    Proposal.published_on.is_null(False) & Proposal.decision.is_null(False))
    .order_by(Proposal.published_on.desc(), Proposal.id.desc()))


def settings() -> CouncilSettings:
    """The council's settings (the defaults until staff save them)."""
    # the defaults until staff first save them: reading never writes
    return read_once("council.settings", lambda: next(iter(_first_settings()), None) or CouncilSettings())


def parse_money(text: str) -> int:
    """Cents from a typed amount such as 25, 25.5 or 25.50 (never through a float)."""
    cleaned = (text or "").strip().replace(",", ".")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise CouncilError(_("Give an amount such as 25.00."), "rate") from None
    if (not amount.is_finite() or amount < 0 or amount > MAX_MONEY
            or amount != amount.quantize(Decimal("0.01"))):
        raise CouncilError(_("Give an amount from 0 to 100000, with at most two decimals."), "rate")
    return int((amount * 100).to_integral_value())


def format_money(cents: int) -> str:
    """Cents as an amount with two decimals: 1250 -> "12.50"."""
    return f"{Decimal(cents) / 100:.2f}"


def save_settings(actor: User, contact_en: str, contact_es: str, public_diversity: bool,
                  wanted: list[str], rate: str, currency: str) -> None:
    """Change the council settings."""
    rate_cents = parse_money(rate)
    row = settings()
    with write_transaction():
        row.contact_en = contact_en or ""
        row.contact_es = contact_es or ""
        row.public_diversity = public_diversity
        row.wanted = "\n".join(line for line in wanted if parse_wanted(line))
        row.rate_cents = rate_cents
        row.currency = currency.strip()
        row.save()
        record(actor, "council.settings", row.id)


# --- the roster -------------------------------------------------------------------------------

def get_member(public_id: int) -> Member | None:
    """A member by public id."""
    return Member.get_or_none(Member.public_id == public_id)


def member_for(user: User | None) -> Member | None:
    """The member record of a council account, or None."""
    if user is None or user.role != COUNCIL:
        return None
    return Member.get_or_none(Member.user == user)


def all_members() -> list[Member]:
    """Every member, current and past, by name, with their account."""
    return list(Member.select(Member, User).join(User).order_by(Member.name, Member.id))


def current_members() -> list[Member]:
    """Members whose term includes today."""
    return read_once("council.current_members", lambda: _current_members(clock.today()))


def accounts_to_add() -> list[User]:
    """Active council accounts that have no member record yet."""
    taken = Member.select(Member.user)
    return list(User.select()
                .where((User.role == COUNCIL) & User.is_active & User.id.not_in(taken))
                .order_by(User.username))


def add_member(actor: User, user_id: int, name: str, term_starts: dt.date,
               term_ends: dt.date | None) -> Member:
    """Put a council account on the roster."""
    user = User.get_or_none(User.id == user_id)
    if user is None or user.role != COUNCIL or not user.is_active:
        raise CouncilError(_("Choose an active council account."), "account")
    _check_term(term_starts, term_ends)
    try:
        with write_transaction():
            member = Member.create(user=user, name=name.strip(), term_starts=term_starts,
                                   term_ends=term_ends, created_on=clock.today())
            record(actor, "council.member_add", member.public_id)
    except IntegrityError:
        raise CouncilError(_("This account is on the roster already."), "account") from None
    return member


def _check_term(starts: dt.date, ends: dt.date | None) -> None:
    if ends is not None and ends < starts:
        raise CouncilError(_("The term cannot end before it starts."), "term_ends")


def update_member(actor: User, member: Member, name: str, term_starts: dt.date,
                  term_ends: dt.date | None) -> None:
    """Staff change a member's name or term."""
    _check_term(term_starts, term_ends)
    with write_transaction():
        member.name = name.strip()
        member.term_starts = term_starts
        member.term_ends = term_ends
        member.save()
        record(actor, "council.member_edit", member.public_id)


# --- profiles: who sees which field ------------------------------------------------------------

@dataclass
class Shown:
    """One field as a viewer sees it: its label, what it says, and who may see it."""

    key: str
    label: str
    text: str | None
    visibility: str
    # the viewer may see the field but this session cannot open its words
    unreadable: bool = False


def viewer_of(member: Member, user: User | None) -> str:
    """Who the viewer is to this member: public, staff, another member, or the member."""
    if user is None:
        return PUBLIC
    if user.is_staff:
        return STAFF
    if user.role == COUNCIL:
        return SELF if member.user_id == user.id else OTHER_MEMBER
    return PUBLIC


def may_see(visibility: str, viewer: str) -> bool:
    """The one rule: public for everyone, council for staff and members, me for the member."""
    if viewer == SELF:
        return True
    if visibility == "public":
        return True
    if visibility == "council":
        return viewer in (STAFF, OTHER_MEMBER)
    return False


def shows_name(member: Member, viewer: str) -> bool:
    """The name is for staff and members; on the public page only when the member chose so."""
    return viewer != PUBLIC or member.name_public


def profile(member: Member, viewer: str, entries: list[ProfileEntry] | None = None) -> list[Shown]:
    """The fields of a member's profile this viewer may see, in the form's order."""
    if entries is None:
        entries = list(member.entries)
    by_field = {entry.field: entry for entry in entries}
    shown = []
    for key, label in TEXT_FIELDS:
        entry = by_field.get(key)
        if entry is None or not may_see(entry.visibility, viewer):
            continue
        text = _text_for(entry, viewer)
        shown.append(Shown(key, str(label), text, entry.visibility, unreadable=text is None))
    for category in CATEGORIES:
        entry = by_field.get(category_field(category.key))
        if entry is None or not may_see(entry.visibility, viewer):
            continue
        shown.append(Shown(category.key, str(category.label), category.choices.label(entry.value),
                           entry.visibility))
    return shown


def _text_for(entry: ProfileEntry, viewer: str) -> str | None:
    """The words of a text field for a viewer allowed to see it (None: this session cannot)."""
    if viewer == PUBLIC:
        return entry.public_text if entry.visibility == "public" else None
    if viewer == SELF:
        own = keyring.open_own(entry.own_seal)
        if own is not None:
            return own
        if entry.visibility == "public":
            return entry.public_text
        return keyring.open_for_reader(entry.org_key, entry.council_key, entry.body)
    if entry.visibility == "public" and entry.public_text is not None:
        return entry.public_text
    return keyring.open_for_reader(entry.org_key, entry.council_key, entry.body)


def own_values(member: Member) -> dict[str, tuple[str, str]]:
    """What the member's own form starts from: {field: (text or value, visibility)}."""
    values = {}
    for entry in member.entries:
        if entry.field.startswith("cat:"):
            values[entry.field[4:]] = (entry.value or "", entry.visibility)
        else:
            values[entry.field] = (_text_for(entry, SELF) or "", entry.visibility)
    return values


def unreadable_fields(member: Member, entries=None) -> set[str]:
    """The member's texts this session cannot open (its form shows them empty)."""
    entries = member.entries if entries is None else entries
    return {entry.field for entry in entries
            if entry.value is None and _text_for(entry, SELF) is None}


def save_profile(user: User, member: Member, name: str, name_public: bool, email: str | None,
                 texts: dict[str, tuple[str, str]], categories: dict[str, tuple[str, str]]) -> None:
    """A member saves their own profile: each text and category with who may see it.

    A text left as it was (the form showed it) and unreadable to this session is kept as stored.
    """
    if member.user_id != user.id:
        raise CouncilError(_("You can change only your own page."))
    for key, (text, visibility) in texts.items():
        if key not in TEXT_LIMITS or visibility not in VISIBILITY:
            raise CouncilError(_("Choose who may see each answer."), f"vis_{key}")
        if len(text or "") > TEXT_LIMITS[key]:
            raise CouncilError(_("This text is too long."), f"text_{key}")
        if visibility == "me" and text and not is_blank(text) and keyring.seal_for_member("", user) is None:
            raise CouncilError(_("Log out and in again to keep words for only you."), f"vis_{key}")
    for key, (value, visibility) in categories.items():
        if key not in BY_KEY or (value and value not in BY_KEY[key].choices) or visibility not in VISIBILITY:
            raise CouncilError(_("Choose one of the answers offered."), f"cat_{key}")
    existing = {entry.field: entry for entry in member.entries}
    unreadable = unreadable_fields(member, existing.values())
    with write_transaction():
        member.name = name.strip()
        member.name_public = bool(name_public)
        if email is not None:
            member.email = email.strip() or None
        member.save()
        for key, (text, visibility) in texts.items():
            if key in unreadable and is_blank(text):
                continue  # the form could not show it: an empty field here is not a deletion
            _store_text(user, member, existing.get(key), key, text or "", visibility)
        for key, (value, visibility) in categories.items():
            _store_category(member, existing.get(category_field(key)), key, value, visibility)
        # the member has seen the page that told them their "only me" words were lost
        member.personal_lost_on = None
        member.save()


def _store_text(user: User, member: Member, entry: ProfileEntry | None, key: str, text: str,
                visibility: str) -> None:
    """Seal one text as its visibility asks (or delete it when emptied)."""
    if is_blank(text):
        if entry is not None:
            entry.delete_instance()
        return
    columns = {"visibility": visibility, "value": None, "public_text": None, "org_key": None,
               "council_key": None, "body": None, "own_seal": keyring.seal_for_member(text, user)}
    if visibility in ("public", "council"):
        sealed = keyring.seal_for_council(text)
        columns.update(org_key=sealed["org_key"], council_key=sealed["council_key"], body=sealed["text"])
        if visibility == "public":
            columns["public_text"] = text
    if entry is None:
        ProfileEntry.create(member=member, field=key, **columns)
    else:
        ProfileEntry.update(columns).where(ProfileEntry.id == entry.id).execute()


def _store_category(member: Member, entry: ProfileEntry | None, key: str, value: str,
                    visibility: str) -> None:
    """Keep one category's answer (or delete it when the answer is taken back)."""
    if not value:
        if entry is not None:
            entry.delete_instance()
        return
    if entry is None:
        ProfileEntry.create(member=member, field=category_field(key), visibility=visibility, value=value)
    else:
        ProfileEntry.update(visibility=visibility, value=value).where(ProfileEntry.id == entry.id).execute()


def public_roster() -> list[tuple[Member, list[Shown]]]:
    """Current members as the public sees them: only what each made public."""
    members = current_members()
    entries = _entries_of(members)
    return [(member, profile(member, PUBLIC, entries.get(member.id, []))) for member in members]


def roster_for(user: User) -> list[tuple[Member, list[Shown]]]:
    """Current members as a logged-in viewer sees them."""
    members = current_members()
    entries = _entries_of(members)
    return [(member, profile(member, viewer_of(member, user), entries.get(member.id, [])))
            for member in members]


def _entries_of(members: list[Member]) -> dict[int, list[ProfileEntry]]:
    found: dict[int, list[ProfileEntry]] = {}
    if not members:
        return found
    for entry in ProfileEntry.select().where(ProfileEntry.member.in_([m.id for m in members])):
        found.setdefault(entry.member_id, []).append(entry)
    return found


# --- the diversity overview ---------------------------------------------------------------------

@dataclass
class CategoryCounts:
    """One category's counts across current members, small ones hidden (None)."""

    key: str
    label: str
    rows: list[tuple[str, int | None]]


@dataclass
class Diversity:
    """Counts per category and the gaps the organisation wants filled."""

    members: int
    categories: list[CategoryCounts]
    gaps: list[tuple[str, str]] = field(default_factory=list)


def diversity() -> Diversity:
    """Counts per category across current members (every visibility counts; no name is shown),
    through the shared small-cell suppression, and the wanted answers nobody current gave."""
    members = current_members()
    ids = [member.id for member in members]
    raw: dict[str, dict[str, int]] = {c.key: dict.fromkeys(c.choices.values, 0) for c in CATEGORIES}
    if ids:
        rows = (ProfileEntry
                .select(ProfileEntry.field, ProfileEntry.value, fn.COUNT(ProfileEntry.id))
                .where(ProfileEntry.member.in_(ids) & ProfileEntry.value.is_null(False))
                .group_by(ProfileEntry.field, ProfileEntry.value)
                .tuples())
        for name, value, count in rows:
            key = name[4:]
            if key in raw and value in raw[key]:
                raw[key][value] = count
    result = []
    for category in CATEGORIES:
        counts = dict(raw[category.key])
        counts[UNANSWERED] = len(ids) - sum(counts.values())
        shown = suppress_small_counts(counts)
        labels = [(category.choices.label(value), shown[value]) for value in category.choices.values]
        labels.append((_("Not answered"), shown[UNANSWERED]))
        result.append(CategoryCounts(category.key, str(category.label), labels))
    gaps = [(str(BY_KEY[key].label), BY_KEY[key].choices.label(value))
            for key, value in parse_wanted(settings().wanted) if raw[key][value] == 0]
    return Diversity(len(ids), result, gaps)


# --- proposals --------------------------------------------------------------------------------

def get_proposal(public_id: int) -> Proposal | None:
    """A proposal by public id."""
    return Proposal.get_or_none(Proposal.public_id == public_id)


def all_proposals() -> list[Proposal]:
    """Every proposal for staff, newest closing date first."""
    return list(Proposal.select().order_by(Proposal.closes_on.desc(), Proposal.id.desc()))


def open_proposals() -> list[Proposal]:
    """Proposals taking responses today, soonest closing first."""
    return list(Proposal.select()
                .where((Proposal.state == "open") & (Proposal.closes_on >= clock.today()))
                .order_by(Proposal.closes_on, Proposal.id))


def closed_proposals() -> list[Proposal]:
    """Proposals past their closing day, newest first."""
    return list(Proposal.select()
                .where((Proposal.state == "open") & (Proposal.closes_on < clock.today()))
                .order_by(Proposal.closes_on.desc(), Proposal.id.desc()))


def undecided_count() -> int:
    """How many proposals past their closing day wait for the organisation's decision (counted
    by the database: the closed ones pile up over the years)."""
    return (Proposal.select()
            .where((Proposal.state == "open") & (Proposal.closes_on < clock.today())
                   & (Proposal.decision.is_null() | (Proposal.decision == "")))
            .count())


def published_outcomes() -> list[Proposal]:
    """Decisions published as "you said, we did", newest first."""
    return _published_outcomes()


def save_proposal(actor: User, proposal: Proposal | None, title: str, question: str,
                  background: str, attachments: str, closes_on: dt.date) -> Proposal:
    """Write a new proposal (a draft) or change one that is not closed yet."""
    today = clock.today()
    if proposal is not None and proposal.is_closed(today):
        raise CouncilError(_("This proposal has closed. It can no longer be changed."))
    unchanged = proposal is not None and proposal.state == "open" and closes_on == proposal.closes_on
    if closes_on < today and not unchanged:
        raise CouncilError(_("The closing date cannot be in the past."), "closes_on")
    with write_transaction():
        if proposal is None:
            proposal = Proposal.create(title=title.strip(), question=question, background=background or "",
                                       attachments=attachments or "", closes_on=closes_on,
                                       created_on=today)
            record(actor, "council.proposal_create", proposal.public_id)
        else:
            proposal.title, proposal.question = title.strip(), question
            proposal.background, proposal.attachments = background or "", attachments or ""
            proposal.closes_on = closes_on
            proposal.save()
            record(actor, "council.proposal_edit", proposal.public_id)
    return proposal


def open_proposal(actor: User, proposal: Proposal) -> None:
    """Open a draft to the council."""
    today = clock.today()
    if proposal.state != "draft":
        raise CouncilError(_("This proposal is open already."))
    if proposal.closes_on < today:
        raise CouncilError(_("The closing date is in the past. Change it first."))
    with write_transaction():
        proposal.state = "open"
        proposal.opened_on = today
        proposal.save()
        record(actor, "council.proposal_open", proposal.public_id)


def delete_draft(actor: User, proposal: Proposal) -> None:
    """Delete a proposal that was never opened."""
    if proposal.state != "draft":
        raise CouncilError(_("Only a draft can be deleted."))
    with write_transaction():
        record(actor, "council.proposal_delete", proposal.public_id)
        proposal.delete_instance()


def visible_to_council(proposal: Proposal) -> bool:
    """Members see a proposal once it is open (and after it closes)."""
    return proposal.state == "open"


def own_response(member: Member | None, proposal: Proposal) -> ProposalResponse | None:
    """The member's response to a proposal, or None."""
    if member is None:
        return None
    return ProposalResponse.get_or_none(ProposalResponse.proposal == proposal,
                                        ProposalResponse.member == member)


def respond(user: User, member: Member | None, proposal: Proposal, position: str, comment: str,
            hide_name: bool) -> ProposalResponse:
    """A member gives (or changes) their response while the proposal is open."""
    today = clock.today()
    if member is None or member.user_id != user.id or not member.is_current(today):
        raise CouncilError(_("Only current council members can respond."))
    if not proposal.is_open(today):
        raise CouncilError(_("This proposal has closed. Responses can no longer be changed."))
    if position not in POSITIONS:
        raise CouncilError(_("Choose a position."), "position")
    columns = {"position": position, "hide_name": bool(hide_name), "updated_on": today,
               "org_key": None, "council_key": None, "comment": None, "own_seal": None}
    if comment and not is_blank(comment):
        sealed = keyring.seal_for_council(comment)
        columns.update(org_key=sealed["org_key"], council_key=sealed["council_key"], comment=sealed["text"],
                       own_seal=keyring.seal_for_member(comment, user))
    with write_transaction():
        existing = own_response(member, proposal)
        if existing is None:
            try:
                with db.atomic():
                    return ProposalResponse.create(proposal=proposal, member=member, **columns)
            except IntegrityError:
                existing = own_response(member, proposal)  # a second tab answered first
        ProposalResponse.update(columns).where(ProposalResponse.id == existing.id).execute()
        return ProposalResponse.get_by_id(existing.id)


@dataclass
class ShownResponse:
    """A response as a reader sees it."""

    name: str | None
    position: str
    comment: str | None
    has_comment: bool
    own: bool
    updated_on: dt.date


def responses_for(proposal: Proposal, viewer: User) -> list[ShownResponse]:
    """Every response, with names unless the member asked for none (the member sees their own)."""
    shown = []
    query = (ProposalResponse.select(ProposalResponse, Member)
             .join(Member).where(ProposalResponse.proposal == proposal)
             .order_by(ProposalResponse.updated_on, ProposalResponse.public_id))
    for response in query:
        own = response.member.user_id == viewer.id
        name = response.member.name if (own or not response.hide_name) else None
        text = keyring.open_own(response.own_seal) if own else None
        if text is None:
            text = keyring.open_for_reader(response.org_key, response.council_key, response.comment)
        shown.append(ShownResponse(name, response.position, text, response.comment is not None, own,
                                   response.updated_on))
    return shown


def others_visible(member: Member | None, proposal: Proposal) -> bool:
    """A member sees others' responses once they have responded, or once the proposal closed."""
    return proposal.is_closed(clock.today()) or own_response(member, proposal) is not None


def tally(proposal: Proposal) -> dict[str, int]:
    """How many responses took each position (a response without a name counts too)."""
    counts = dict.fromkeys(POSITIONS.values, 0)
    rows = (ProposalResponse.select(ProposalResponse.position, fn.COUNT(ProposalResponse.id))
            .where(ProposalResponse.proposal == proposal)
            .group_by(ProposalResponse.position).tuples())
    for position, count in rows:
        counts[position] = count
    return counts


def response_counts() -> dict[int, int]:
    """How many responses each proposal has (one grouped query)."""
    return dict(ProposalResponse.select(ProposalResponse.proposal, fn.COUNT(ProposalResponse.id))
                .group_by(ProposalResponse.proposal).tuples())


def own_responses(member: Member | None) -> dict[int, ProposalResponse]:
    """The member's responses by proposal id (one query)."""
    if member is None:
        return {}
    return {r.proposal_id: r for r in ProposalResponse.select().where(ProposalResponse.member == member)}


def record_decision(actor: User, proposal: Proposal, decision: str, action: str) -> None:
    """Staff record what the organisation decided and will do (the council then sees it)."""
    if not actor.is_staff:
        raise CouncilError(_("Only staff record decisions."))
    if proposal.state != "open":
        raise CouncilError(_("Open the proposal to the council before recording a decision."))
    with write_transaction():
        proposal.decision = decision
        proposal.action = action
        proposal.decided_on = clock.today()
        proposal.save()
        record(actor, "council.decision", proposal.public_id)


def set_published(actor: User, proposal: Proposal, publish: bool) -> None:
    """Publish a decision on the public council page, or take it down."""
    if publish and not proposal.decision:
        raise CouncilError(_("Record the decision before publishing it."))
    with write_transaction():
        proposal.published_on = clock.today() if publish else None
        proposal.save()
        record(actor, "council.publish" if publish else "council.unpublish", proposal.public_id)


# --- meetings and participation ------------------------------------------------------------------

def get_meeting(public_id: int) -> Meeting | None:
    """A meeting by public id."""
    return Meeting.get_or_none(Meeting.public_id == public_id)


def all_meetings(limit: int | None = None) -> list[Meeting]:
    """Every meeting (or the latest few), latest first."""
    query = Meeting.select().order_by(Meeting.held_on.desc(), Meeting.id.desc())
    return list(query.limit(limit) if limit else query)


def upcoming_meetings() -> list[Meeting]:
    """Meetings from today on, soonest first."""
    return list(Meeting.select().where(Meeting.held_on >= clock.today())
                .order_by(Meeting.held_on, Meeting.id))


def save_meeting(actor: User, meeting: Meeting | None, held_on: dt.date, title: str, minutes: int,
                 agenda: str, notes: str) -> Meeting:
    """Plan a meeting or change one (notes come after it)."""
    with write_transaction():
        if meeting is None:
            meeting = Meeting.create(held_on=held_on, title=title.strip(), minutes=minutes,
                                     agenda=agenda or "", notes=notes or "", created_on=clock.today())
            record(actor, "council.meeting_create", meeting.public_id)
        else:
            meeting.held_on, meeting.title, meeting.minutes = held_on, title.strip(), minutes
            meeting.agenda, meeting.notes = agenda or "", notes or ""
            meeting.save()
            # attendance counts the meeting's length: keep it in step
            (Participation.update(minutes=minutes, worked_on=held_on)
             .where(Participation.meeting == meeting).execute())
            record(actor, "council.meeting_edit", meeting.public_id)
    return meeting


def attendance(meeting: Meeting) -> set[int]:
    """The public ids of the members who came."""
    return {row.member.public_id for row in
            Participation.select(Participation, Member).join(Member).where(Participation.meeting == meeting)}


def set_attendance(actor: User, meeting: Meeting, present: list[int]) -> None:
    """Record who came: each gets the meeting's length as participation at the usual rate."""
    members = {m.public_id: m for m in Member.select().where(Member.public_id.in_(present or [0]))}
    rate = settings().rate_cents
    with write_transaction():
        (Participation.delete()
         .where((Participation.meeting == meeting)
                & Participation.member.not_in([m.id for m in members.values()] or [0]))
         .execute())
        already = {row.member_id for row in Participation.select(Participation.member)
                   .where(Participation.meeting == meeting)}
        for member in members.values():
            if member.id not in already:
                Participation.create(member=member, worked_on=meeting.held_on, kind="meeting",
                                     minutes=meeting.minutes, rate_cents=rate, meeting=meeting,
                                     note=meeting.title[:200])
        record(actor, "council.attendance", meeting.public_id)


def amount_cents(minutes: int, rate_cents: int) -> int:
    """What time at an hourly rate comes to, in cents, rounded half up to the cent."""
    exact = Decimal(minutes) * Decimal(rate_cents) / Decimal(60)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def log_participation(actor: User, member_public_id: int, worked_on: dt.date, kind: str,
                      minutes: int, rate: str, note: str) -> Participation:
    """Log time one member gave (at the usual rate unless another is given)."""
    member = get_member(member_public_id)
    if member is None:
        raise CouncilError(_("Choose a member."), "member")
    if kind not in KINDS:
        raise CouncilError(_("Choose the kind of work."), "kind")
    rate_cents = parse_money(rate) if rate and rate.strip() else settings().rate_cents
    with write_transaction():
        entry = Participation.create(member=member, worked_on=worked_on, kind=kind, minutes=minutes,
                                     rate_cents=rate_cents, note=(note or "").strip())
        record(actor, "council.participation", entry.public_id)
    return entry


def delete_participation(actor: User, public_id: int) -> bool:
    """Remove one logged entry (a mistake); False when there is none."""
    entry = Participation.get_or_none(Participation.public_id == public_id)
    if entry is None:
        return False
    with write_transaction():
        record(actor, "council.participation_delete", entry.public_id)
        entry.delete_instance()
    return True


@dataclass
class Owed:
    """What one member is owed for a period."""

    member: Member
    minutes: int
    cents: int


def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """This month so far: its first day to its last."""
    today = today or clock.today()
    start = today.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return start, end


def owed(start: dt.date, end: dt.date) -> list[Owed]:
    """Each member's time and stipend in a period (each entry at its own rate, to the cent)."""
    # entries that share a length and a rate come to the same amount: rounded once, counted
    groups = (Participation
              .select(Participation.member, Participation.minutes, Participation.rate_cents,
                      fn.COUNT(Participation.id))
              .where((Participation.worked_on >= start) & (Participation.worked_on <= end))
              .group_by(Participation.member, Participation.minutes, Participation.rate_cents)
              .tuples())
    totals: dict[int, list[int]] = {}
    for member_id, minutes, rate_cents, count in groups:
        row = totals.setdefault(member_id, [0, 0])
        row[0] += minutes * count
        row[1] += amount_cents(minutes, rate_cents) * count
    members = {m.id: m for m in Member.select().where(Member.id.in_(list(totals) or [0]))}
    return sorted((Owed(members[i], minutes, cents) for i, (minutes, cents) in totals.items()),
                  key=lambda row: (row.member.name.lower(), row.member.id))


ENTRIES_SHOWN = 200


def entries_in(start: dt.date, end: dt.date, limit: int = ENTRIES_SHOWN) -> list[Participation]:
    """The latest entries of a period (at most `limit`), by day."""
    return list(Participation.select(Participation, Member).join(Member)
                .where((Participation.worked_on >= start) & (Participation.worked_on <= end))
                .order_by(Participation.worked_on.desc(), Member.name, Participation.id)
                .limit(limit))


def member_record(member: Member) -> tuple[list[Participation], int, int]:
    """A member's own entries with their total minutes and cents."""
    entries = list(Participation.select().where(Participation.member == member)
                   .order_by(Participation.worked_on.desc(), Participation.id.desc()))
    return (entries, sum(e.minutes for e in entries),
            sum(amount_cents(e.minutes, e.rate_cents) for e in entries))


def owed_rows(start: dt.date, end: dt.date) -> Iterator[list[object]]:
    """The rows of the stipend export."""
    for row in owed(start, end):
        yield [row.member.public_id, row.member.name, start.isoformat(), end.isoformat(),
               hours(row.minutes), format_money(row.cents)]


def hours(minutes: int) -> str:
    """Minutes as hours with two decimals: 90 -> "1.50"."""
    return f"{Decimal(minutes) / 60:.2f}"
