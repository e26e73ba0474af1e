"""Who can read what council members write: the organisation, the council, and the member alone.

Council accounts never hold the organisation's private key. Three keys work together:

- **The organisation key** (portal/accounts/keys.py), as everywhere: each comment and each
  profile text has its own item key, sealed to the organisation (`org_key`), so staff with access
  read it like any other sealed record, and a key rotation re-seals it with the rest.
- **The council key pair.** Its public key is stored in the clear, so anyone's request can seal
  to it; each item key is sealed to it too (`council_key`). Its private key is stored sealed to
  the organisation key (so only staff can open it) and, for each current member, sealed to that
  member's own public key (a `CouncilGrant`). Staff give it out with the button on the council
  roster: every current member who has logged in since becoming a member and has no grant yet gets
  one, and members whose term has ended lose theirs.
- **Each member's own key pair** (`MemberKey`): its private key is wrapped with a key derived from
  the member's password (argon2id, as staff accounts wrap theirs), opened at login and carried in
  the session wrapped under the app's secret key, bound to the account and its session version.
  It opens the member's council grant, and the texts the member keeps for "only me", which are
  sealed to the member's public key alone: no staff key, no council key opens them.

A password change re-wraps the member's key. A password reset by link cannot (the old password is
gone): the member gets a new key pair, the "only me" texts are deleted because nobody can open
them any more, the member is told so on their page, and their council grant waits for staff.

Kept in the clear, on purpose: the category each member chose (so that totals can be counted
without any key), the position of a response (so that the tally can), and a text the member made
"public" (it is published; the sealed copy stays the one staff and members read).
"""
from __future__ import annotations

from flask import current_app, g, has_app_context, session
from peewee import IntegrityError

from portal import sealing
from portal.accounts import keys, sealed
from portal.accounts.models import User
from portal.clock import today
from portal.council.models import (
    CouncilGrant,
    CouncilKey,
    Member,
    MemberKey,
    ProfileEntry,
    ProposalResponse,
)
from portal.db import db, write_transaction
from portal.roles import COUNCIL

SESSION_NAME = "council_member_key"
OWN_GENERATION = 1


def _context(user: User) -> str:
    """What binds the member key in a session to one account and one session version."""
    return f"council:{user.id}:{user.session_version}"


def _params() -> sealing.Argon2Params:
    return sealing.Argon2Params.from_config(current_app.config)


def _for_session(private: bytes, user: User) -> dict[str, str]:
    return {SESSION_NAME: sealing.wrap_for_session(private, current_app.config["SECRET_KEY"],
                                                   _context(user))}


# --- the member's own key, through the accounts' password signals ----------------------------

def _new_member_key(user: User, password: str, lost: bool) -> bytes:
    """A fresh key pair for a member; what the old one sealed for "only me" is gone."""
    public, private = sealing.new_org_keypair()
    wrapped = sealing.wrap_private_key_with_password(private, password, _params())
    with write_transaction():
        MemberKey.delete().where(MemberKey.user == user).execute()
        MemberKey.create(user=user, public_key=public, wrapped_private=wrapped)
        CouncilGrant.delete().where(CouncilGrant.user == user).execute()
        if lost:
            members = Member.select(Member.id).where(Member.user == user)
            gone = (ProfileEntry.delete()
                    .where(ProfileEntry.member.in_(members) & (ProfileEntry.visibility == "me")
                           & ProfileEntry.value.is_null())
                    .execute())
            # the member's own copies of shared words cannot be opened either: the shared ones stay
            (ProfileEntry.update(own_seal=None)
             .where(ProfileEntry.member.in_(members)).execute())
            (ProposalResponse.update(own_seal=None)
             .where(ProposalResponse.member.in_(members)).execute())
            if gone:
                Member.update(personal_lost_on=today()).where(Member.user == user).execute()
    return private


def on_password_opened(user: User, password: str) -> dict[str, str] | None:
    """At login: open (or make) the member's key; returns what the session carries."""
    if user.role != COUNCIL:
        return None
    held = MemberKey.get_or_none(MemberKey.user == user)
    private = None
    if held is not None:
        try:
            private = sealing.unwrap_private_key_with_password(held.wrapped_private, password)
        except sealing.SealingError:
            private = None
    if private is None:
        private = _new_member_key(user, password, lost=held is not None)
    return _for_session(private, user)


def on_password_replaced(user: User, current: str, new: str) -> dict[str, str] | None:
    """A password change: the member's key wrapped again with the new password."""
    if user.role != COUNCIL:
        return None
    held = MemberKey.get_or_none(MemberKey.user == user)
    try:
        private = sealing.unwrap_private_key_with_password(held.wrapped_private, current)
    except (sealing.SealingError, AttributeError):
        return _for_session(_new_member_key(user, new, lost=held is not None), user)
    held.wrapped_private = sealing.wrap_private_key_with_password(private, new, _params())
    held.save()
    return _for_session(private, user)


def on_password_reset(user: User, password: str) -> None:
    """A password set through a link: the old key cannot be opened, so a new one is made."""
    if user.role != COUNCIL:
        return
    had = MemberKey.select().where(MemberKey.user == user).exists()
    _new_member_key(user, password, lost=had)


def connect() -> None:
    """Listen to the accounts' password signals (idempotent: blinker keeps one of each)."""
    keys.password_opened.connect(_opened_receiver)
    keys.password_replaced.connect(_replaced_receiver)
    keys.password_reset.connect(_reset_receiver)


def _opened_receiver(user, password: str):
    return on_password_opened(user, password)


def _replaced_receiver(user, current: str, new: str):
    return on_password_replaced(user, current, new)


def _reset_receiver(user, password: str):
    return on_password_reset(user, password)


def member_private_key() -> bytes | None:
    """The logged-in member's own private key, from the session, or None."""
    if not has_app_context():
        return None
    if "_council_member_key" in g:
        return g._council_member_key
    user = g.get("user")
    key = None
    text = session.get(SESSION_NAME) if user is not None and user.role == COUNCIL else None
    if text:
        try:
            key = sealing.unwrap_from_session(text, current_app.config["SECRET_KEY"], _context(user))
        except sealing.SealingError:
            key = None
    g._council_member_key = key
    return key


# --- the council key -------------------------------------------------------------------------

def council_key() -> CouncilKey:
    """The council key pair's row, made on first use (sealing to the organisation needs no login)."""
    row = CouncilKey.select().order_by(CouncilKey.generation.desc()).first()
    if row is not None:
        return row
    public, private = sealing.new_org_keypair()
    try:
        with db.atomic():
            CouncilKey.create(generation=1, public_key=public, created_on=today(),
                              sealed_private=sealed.seal_item_key(private))
    except IntegrityError:
        pass  # another request made it first
    return CouncilKey.select().order_by(CouncilKey.generation.desc()).first()


def council_private_key() -> bytes | None:
    """The council private key this request can open: staff through the organisation key, a
    member through their grant; None otherwise."""
    if not has_app_context():
        return None
    if "_council_private" in g:
        return g._council_private
    user = g.get("user")
    key = None
    row = CouncilKey.select().order_by(CouncilKey.generation.desc()).first()
    if row is not None and user is not None:
        if user.is_staff:
            key = sealed.open_item_key(row.sealed_private)
        elif user.role == COUNCIL:
            own = member_private_key()
            grant = CouncilGrant.get_or_none(CouncilGrant.user == user,
                                             CouncilGrant.generation == row.generation)
            if own is not None and grant is not None:
                try:
                    key = sealing.open_item_key(grant.sealed_key, own)
                except sealing.SealingError:
                    key = None
    g._council_private = key
    return key


def member_can_read(user: User) -> bool:
    """True when a member holds a grant for the current council key."""
    row = CouncilKey.select().order_by(CouncilKey.generation.desc()).first()
    return row is not None and CouncilGrant.select().where(
        CouncilGrant.user == user, CouncilGrant.generation == row.generation).exists()


def readers() -> set[int]:
    """The account ids holding a grant for the current council key."""
    row = CouncilKey.select().order_by(CouncilKey.generation.desc()).first()
    if row is None:
        return set()
    return {grant.user_id for grant in CouncilGrant.select(CouncilGrant.user)
            .where(CouncilGrant.generation == row.generation)}


def give_out_council_key() -> int | None:
    """With staff access: a grant for each current member who has a key pair and none yet, and no
    grant for anyone whose term has ended. Returns how many grants were made (None: this session
    cannot open the council key)."""
    row = council_key()
    if has_app_context():
        g.pop("_council_private", None)  # the key row may be new
    private = council_private_key()
    if private is None:
        return None
    current = Member.current(today())
    current_users = [member.user_id for member in current]
    made = 0
    with write_transaction():
        (CouncilGrant.delete()
         .where(CouncilGrant.user.not_in(current_users or [0]))
         .execute())
        granted = {grant.user_id for grant in CouncilGrant.select(CouncilGrant.user)
                   .where(CouncilGrant.generation == row.generation)}
        for held in MemberKey.select().where(MemberKey.user.in_(current_users)):
            if held.user_id in granted:
                continue
            CouncilGrant.create(user=held.user_id, generation=row.generation,
                                sealed_key=sealing.seal_item_key(private, held.public_key, row.generation))
            made += 1
    return made


# --- sealing and opening one text ------------------------------------------------------------

def seal_for_council(text: str) -> dict[str, bytes]:
    """A text sealed for staff and the council: the columns org_key, council_key and the text."""
    item_key = sealed.new_item_key()
    row = council_key()
    return {"org_key": sealed.seal_item_key(item_key),
            "council_key": sealing.seal_item_key(item_key, row.public_key, row.generation),
            "text": sealed.encrypt(text, item_key)}


def open_for_reader(org_key: bytes | None, council_sealed: bytes | None, body: bytes | None) -> str | None:
    """The text, for staff with access or a member holding the council key; None otherwise."""
    if body is None:
        return None
    user = g.get("user") if has_app_context() else None
    if user is None:
        return None
    item_key = None
    if user.is_staff:
        item_key = sealed.open_item_key(org_key)
    elif user.role == COUNCIL and council_sealed:
        private = council_private_key()
        if private is not None:
            try:
                item_key = sealing.open_item_key(council_sealed, private)
            except sealing.SealingError:
                item_key = None
    return sealed.decrypt(body, item_key)


def seal_for_member(text: str, user: User) -> bytes | None:
    """A text sealed to the member's own public key ("only me"); None before their first login."""
    held = MemberKey.get_or_none(MemberKey.user == user)
    if held is None:
        return None
    return sealing.seal_text(text, held.public_key, OWN_GENERATION)


def open_own(blob: bytes | None) -> str | None:
    """A text the logged-in member sealed for themselves, or None."""
    private = member_private_key()
    if blob is None or private is None:
        return None
    try:
        return sealing.open_text(blob, private)
    except sealing.SealingError:
        return None
