"""The organisation key and who may use it: key rows, grants, and the key a request carries.

The organisation key pair seals what people write (see portal/sealing.py). Its public key is
stored in the clear. Its private key is stored only in forms nobody can open from the database:
- sealed to an account's own key pair, one grant per staff or admin account with access; the
  account's private key is wrapped with its password (argon2id), so logging in opens the grant;
- wrapped with the recovery key printed once for the first admin;
- wrapped for an invitation link, until the person invited sets their password;
- before any admin has claimed it (a new portal, or one upgraded to sealing), wrapped under the
  app's secret key; the first admin to log in claims it and is shown the recovery key.
A logged-in session carries the private key wrapped under the app's secret key and bound to the
account and its session version. Council members never receive it.

Other areas may keep keys of their own opened with an account's password (the council's personal
keys): they listen to the three signals below and return what to carry in the session, which
`after_login` (or `carry_personal` after a password change) puts there.
"""
from __future__ import annotations

import secrets

from blinker import Namespace
from flask import current_app, g, has_app_context, session
from peewee import BlobField, DateField, ForeignKeyField, IntegerField, IntegrityError

from portal import codes, sealing
from portal.accounts import audit
from portal.accounts.models import OneTimeLink, User
from portal.clock import today
from portal.db import BaseModel, db, write_transaction
from portal.roles import ADMIN, is_staff

_signals = Namespace()
# sent with the account and password=: at login; a receiver returns {session name: value} or None
password_opened = _signals.signal("password-opened")
# sent with the account, current= and new=: a password change; returns as password_opened
password_replaced = _signals.signal("password-replaced")
# sent with the account and password=: a password set through a link (keys it wrapped are lost)
password_reset = _signals.signal("password-reset")
PENDING_PERSONAL = "pending_personal_keys"

SESSION_KEY = "sealing_key"
PENDING_SESSION_KEY = "pending_sealing_key"
PENDING_PURPOSE = "unclaimed-organisation-key"
INVITE_PURPOSE = "invitation-grant"
LINK_PURPOSE = "one-time-link"  # as portal.accounts.service names it


class KeyAccessError(Exception):
    """A key operation that cannot be carried out; the message is for the person."""


class BytesField(BlobField):
    """A blob that reads back as bytes on every database (PostgreSQL's bytea gives memoryview)."""

    def python_value(self, value):
        """Bytes, whatever the driver returned."""
        return bytes(value) if isinstance(value, memoryview | bytearray) else value


class OrgKey(BaseModel):
    """One generation of the organisation key pair: the public key, and the private key wrapped."""

    generation = IntegerField(unique=True)
    public_key = BytesField()
    # the private key wrapped with the recovery key shown once to the admin who claimed it
    recovery_wrap = BytesField(null=True)
    # until an admin claims the key: the private key wrapped under the app's secret key
    pending_wrap = BytesField(null=True)
    created_on = DateField()

    class Meta:
        table_name = "org_key"

    @classmethod
    def current(cls) -> OrgKey | None:
        """The newest generation, or None before the first is made."""
        return cls.select().order_by(cls.generation.desc()).first()


class AccountKey(BaseModel):
    """An account's own key pair; its private key is wrapped with the account's password."""

    user = ForeignKeyField(User, unique=True, backref="+", on_delete="CASCADE")
    public_key = BytesField()
    wrapped_private = BytesField()

    class Meta:
        table_name = "account_key"


class KeyGrant(BaseModel):
    """The organisation private key of one generation, sealed to one account's public key."""

    user = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    generation = IntegerField()
    sealed_key = BytesField()
    granted_on = DateField()

    class Meta:
        table_name = "key_grant"
        indexes = ((("user", "generation"), True),)


class LinkGrant(BaseModel):
    """The organisation private key wrapped for an invitation link, until the link is used."""

    link = ForeignKeyField(OneTimeLink, unique=True, backref="+", on_delete="CASCADE")
    wrapped_key = BytesField()

    class Meta:
        table_name = "link_grant"


MODELS = (OrgKey, AccountKey, KeyGrant, LinkGrant)


def _params() -> sealing.Argon2Params:
    """The app's argon2id cost (tests run with cheap parameters)."""
    return sealing.Argon2Params.from_config(current_app.config)


def _secret_wrapping_key() -> bytes:
    """The key that holds an unclaimed organisation key: derived from the app's secret key."""
    return sealing.derive_key(current_app.config["SECRET_KEY"].encode("utf-8"), PENDING_PURPOSE)


# --- the organisation key --------------------------------------------------------------------

def current_org_key() -> OrgKey | None:
    """The current organisation key row (looked up once per request)."""
    cached = g.get("_org_key") if has_app_context() else None
    if cached is not None:
        return cached
    org = OrgKey.current()
    if org is not None and has_app_context():
        g._org_key = org
    return org


def forget_cached_org_key() -> None:
    """Drop the request's copy of the current key row (after a change to it)."""
    if has_app_context():
        g.pop("_org_key", None)


def org_public_key() -> tuple[int, bytes]:
    """(generation, public key) to seal to; makes an unclaimed key pair when there is none yet."""
    org = current_org_key()
    if org is None:
        org = _make_unclaimed_key()
    return org.generation, org.public_key


def _make_unclaimed_key() -> OrgKey:
    """A first key pair, held under the secret key until an admin claims it (see claim_org_key)."""
    public, private = sealing.new_org_keypair()
    try:
        with db.atomic():
            OrgKey.create(generation=1, public_key=public, created_on=today(),
                          pending_wrap=sealing.wrap_key(private, _secret_wrapping_key()))
    except IntegrityError:
        pass  # another worker made it first: use theirs
    forget_cached_org_key()
    return current_org_key()


def is_claimed() -> bool:
    """True once an admin holds the organisation key (and a recovery key was shown)."""
    org = current_org_key()
    return org is not None and org.pending_wrap is None


def claim_org_key(admin: User) -> tuple[bytes, str] | None:
    """Make (or take over the unclaimed) organisation key for the first admin: (key, recovery key).

    None when the key is already claimed or the account has no key pair yet. The recovery key
    is returned once, to be shown once, and is stored nowhere.
    """
    if admin.role != ADMIN or is_claimed():
        return None
    return _claim(admin)


def _claim(user: User) -> tuple[bytes, str] | None:
    """Claim the organisation key for an account with a key pair (see claim_org_key)."""
    account = AccountKey.get_or_none(AccountKey.user == user)
    if account is None or not user.is_staff:
        return None
    with write_transaction():
        forget_cached_org_key()
        org = OrgKey.current()
        if org is not None and org.pending_wrap is None:
            return None  # someone claimed it a moment ago
        if org is None:
            public, private = sealing.new_org_keypair()
            org = OrgKey.create(generation=1, public_key=public, created_on=today())
        else:
            private = sealing.unwrap_key(org.pending_wrap, _secret_wrapping_key())
        recovery_key = sealing.new_recovery_key()
        org.recovery_wrap = sealing.wrap_private_key_with_recovery(private, recovery_key, _params())
        org.pending_wrap = None
        org.save()
        _store_grant(user, account, org, private)
        audit.record(user, "key.claimed", user.id)
    forget_cached_org_key()
    return private, recovery_key


# --- accounts' own key pairs and grants ------------------------------------------------------

def _new_account_key(user: User, password: str) -> AccountKey:
    """A fresh key pair for an account, its private key wrapped with the password."""
    public, private = sealing.new_org_keypair()
    wrapped = sealing.wrap_private_key_with_password(private, password, _params())
    AccountKey.delete().where(AccountKey.user == user).execute()
    # grants sealed to the old key pair can no longer be opened: they go with it
    KeyGrant.delete().where(KeyGrant.user == user).execute()
    return AccountKey.create(user=user, public_key=public, wrapped_private=wrapped)


def _store_grant(user: User, account: AccountKey, org: OrgKey, private_key: bytes) -> None:
    """Seal the organisation private key to the account's public key (replacing an older grant)."""
    sealed = sealing.seal_item_key(private_key, account.public_key, org.generation)
    (KeyGrant.insert(user=user, generation=org.generation, sealed_key=sealed, granted_on=today())
     .on_conflict(conflict_target=[KeyGrant.user, KeyGrant.generation],
                  update={KeyGrant.sealed_key: sealed, KeyGrant.granted_on: today()})
     .execute())


def _matches_org(private_key: bytes | None, org: OrgKey | None) -> bool:
    """True when a private key belongs to the organisation key row."""
    if private_key is None or org is None:
        return False
    try:
        return sealing.public_key_for(private_key) == org.public_key
    except sealing.SealingError:
        return False


def password_set(user: User, password: str, token: str | None = None) -> None:
    """A password was set through a one-time link: a new key pair, and the link's grant if any.

    A reset by link thus leaves the account without access until an admin grants it again.
    """
    password_reset.send(user, password=password)
    if not user.is_staff:
        return
    account = _new_account_key(user, password)
    if not token:
        return
    link = OneTimeLink.get_or_none(OneTimeLink.token_hash == codes.keyed_hash(LINK_PURPOSE, token))
    held = LinkGrant.get_or_none(LinkGrant.link == link) if link is not None else None
    if held is None:
        return
    LinkGrant.delete().where(LinkGrant.id == held.id).execute()
    try:
        private = _unwrap_for_token(held.wrapped_key, token)
    except sealing.SealingError:
        return
    org = current_org_key()
    if _matches_org(private, org):
        _store_grant(user, account, org, private)


def unlock(user: User, password: str) -> bytes | None:
    """At login: the organisation private key this account may use, opened with its password."""
    _keep_personal(password_opened.send(user, password=password))
    if not user.is_staff:
        return None
    account = AccountKey.get_or_none(AccountKey.user == user)
    try:
        account_private = (sealing.unwrap_private_key_with_password(account.wrapped_private, password)
                           if account is not None else None)
    except sealing.SealingError:
        account_private = None
    if account_private is None:
        # an account from before sealing, or one whose key no longer matches its password:
        # a fresh key pair, without access until an admin grants it
        with write_transaction():
            _new_account_key(user, password)
        return None
    org = current_org_key()
    grant = (KeyGrant.get_or_none(KeyGrant.user == user, KeyGrant.generation == org.generation)
             if org is not None else None)
    if grant is None:
        return None
    try:
        private = sealing.open_item_key(grant.sealed_key, account_private)
    except sealing.SealingError:
        return None
    return private if _matches_org(private, org) else None


def rewrap_for_password(user: User, current: str, new: str) -> None:
    """A password change: the account's private key, wrapped again with the new password."""
    _keep_personal(password_replaced.send(user, current=current, new=new))
    account = AccountKey.get_or_none(AccountKey.user == user)
    if account is None or not user.is_staff:
        return
    try:
        private = sealing.unwrap_private_key_with_password(account.wrapped_private, current)
    except sealing.SealingError:
        _new_account_key(user, new)
        return
    account.wrapped_private = sealing.wrap_private_key_with_password(private, new, _params())
    account.save()


def grant(admin: User, user: User, private_key: bytes | None) -> None:
    """An admin whose session holds the key gives it to a staff or admin account."""
    from portal.i18n import gettext as _

    org = current_org_key()
    if not _matches_org(private_key, org):
        raise KeyAccessError(_("Your session cannot read sealed records, so it cannot give "
                               "access. Log out and in again, or ask an admin who can."))
    if not user.is_staff or not user.is_active:
        raise KeyAccessError(_("Only active staff and admin accounts can read sealed records."))
    account = AccountKey.get_or_none(AccountKey.user == user)
    if account is None:
        raise KeyAccessError(_("%(name)s has not set a password yet. Give access once they have.",
                               name=user.username))
    with write_transaction():
        _store_grant(user, account, org, private_key)
        audit.record(admin, "key.granted", user.id)


def revoke(user: User) -> None:
    """Delete every grant of an account (it is deactivated): it can read nothing sealed."""
    KeyGrant.delete().where(KeyGrant.user == user).execute()


def attach_to_invitation(token: str, private_key: bytes | None) -> bool:
    """Let an invitation link carry the key to the person who uses it; False when it cannot."""
    link = OneTimeLink.get_or_none(OneTimeLink.token_hash == codes.keyed_hash(LINK_PURPOSE, token))
    if link is None or not is_staff(link.role) or not _matches_org(private_key, current_org_key()):
        return False
    salt = secrets.token_bytes(sealing.SALT_SIZE)
    wrapped = salt + sealing.wrap_key(private_key, sealing.code_wrapping_key(token, salt, INVITE_PURPOSE))
    with write_transaction():
        (LinkGrant.insert(link=link, wrapped_key=wrapped)
         .on_conflict(conflict_target=[LinkGrant.link], update={LinkGrant.wrapped_key: wrapped})
         .execute())
    return True


def _unwrap_for_token(blob: bytes, token: str) -> bytes:
    """The key an invitation link carries."""
    salt, wrapped = blob[:sealing.SALT_SIZE], blob[sealing.SALT_SIZE:]
    return sealing.unwrap_key(wrapped, sealing.code_wrapping_key(token, salt, INVITE_PURPOSE))


def can_read(user: User | None) -> bool:
    """True when the account holds a grant for the current organisation key."""
    if user is None or not user.is_staff:
        return False
    org = current_org_key()
    return org is not None and KeyGrant.select().where(
        KeyGrant.user == user, KeyGrant.generation == org.generation).exists()


def readers() -> set[int]:
    """The ids of every account that holds a grant for the current key (for the user list)."""
    org = current_org_key()
    if org is None:
        return set()
    return {row.user_id for row in KeyGrant.select(KeyGrant.user)
            .where(KeyGrant.generation == org.generation)}


def accounts_with_key_pairs() -> set[int]:
    """The ids of accounts that can be granted access (they set a password since sealing began)."""
    return {row.user_id for row in AccountKey.select(AccountKey.user)}


# --- the key a request carries ---------------------------------------------------------------

def _context(user: User, pending: bool = False) -> str:
    """What binds a session's wrap to one account and one session version."""
    return f"{'pending' if pending else 'session'}:{user.id}:{user.session_version}"


def carry(private_key: bytes | None, user: User) -> None:
    """Keep the key in this session (after start_session), bound to the account and its version."""
    if private_key is None or not user.is_staff:
        session.pop(SESSION_KEY, None)
        return
    secret = current_app.config["SECRET_KEY"]
    session[SESSION_KEY] = sealing.wrap_for_session(private_key, secret, _context(user))
    g._sealing_key = private_key
    g.pop("_sealed_reader", None)


def _keep_personal(answers: list) -> None:
    """Remember for this request what the signal's receivers asked to carry in the session."""
    if has_app_context():
        g._personal_keys = {name: value for _, answer in answers if answer
                            for name, value in answer.items()}


def carry_personal() -> None:
    """Put in the (freshly started) session what other areas opened with the password."""
    if has_app_context():
        session.update(g.pop("_personal_keys", None) or {})


def carry_pending(private_key: bytes | None, user: User) -> None:
    """Keep the key while the second factor is asked for (the session is not logged in yet)."""
    if g.get("_personal_keys"):
        session[PENDING_PERSONAL] = g.pop("_personal_keys")
    if private_key is not None and user.is_staff:
        secret = current_app.config["SECRET_KEY"]
        session[PENDING_SESSION_KEY] = sealing.wrap_for_session(
            private_key, secret, _context(user, pending=True))


def take_pending(user: User) -> bytes | None:
    """The key kept during the second-factor step, taken out of the session."""
    g._personal_keys = session.pop(PENDING_PERSONAL, None) or {}
    text = session.pop(PENDING_SESSION_KEY, None)
    if not text:
        return None
    try:
        return sealing.unwrap_from_session(text, current_app.config["SECRET_KEY"],
                                           _context(user, pending=True))
    except sealing.SealingError:
        return None


def current_private_key() -> bytes | None:
    """The organisation private key for this request, or None (nobody logged in, or no access)."""
    if "_sealing_key" in g:
        return g._sealing_key
    key = None
    user = g.get("user")
    text = session.get(SESSION_KEY) if user is not None and user.is_staff else None
    if text:
        try:
            key = sealing.unwrap_from_session(text, current_app.config["SECRET_KEY"], _context(user))
        except sealing.SealingError:
            key = None
    g._sealing_key = key
    return key


def claim_on_console(user: User, password: str) -> str | None:
    """For `demo` and benchmarks: give an account made on the console the unclaimed key.

    Returns the recovery key to print once when the key was claimed now; None when an admin
    holds it already (they give access on the accounts page) or the account is not staff.
    """
    if not user.is_staff:
        return None
    with write_transaction():
        _new_account_key(user, password)
    if is_claimed():
        return None
    claimed = _claim(user)
    return claimed[1] if claimed is not None else None


def after_login(user: User, private_key: bytes | None) -> str | None:
    """Once a session has started: carry the key; the first admin claims it (the recovery key)."""
    recovery_key = None
    if private_key is None:
        claimed = claim_org_key(user)
        if claimed is not None:
            private_key, recovery_key = claimed
    carry(private_key, user)
    carry_personal()
    return recovery_key


# --- the console: recovery and a new generation ----------------------------------------------

def open_with_recovery(recovery_key: str) -> bytes:
    """The current organisation private key, opened with the recovery key (SealingError if wrong)."""
    org = current_org_key()
    if org is None or org.recovery_wrap is None:
        raise sealing.SealingError("no recovery key has been made yet")
    private = sealing.unwrap_private_key_with_recovery(org.recovery_wrap, recovery_key)
    if not _matches_org(private, org):
        raise sealing.SealingError("the recovery key opens another key")
    return private


def recover(user: User, recovery_key: str) -> None:
    """Give an account access again with the recovery key (every admin password lost)."""
    private = open_with_recovery(recovery_key)
    account = AccountKey.get_or_none(AccountKey.user == user)
    if account is None or not user.is_staff or not user.is_active:
        # said on the console of the operator who runs recover-keys, not to a visitor
        raise ValueError("the account must be an active staff or admin account that has set "
                         "its password (issue a reset link with create-user --reset first)")
    with write_transaction():
        _store_grant(user, account, current_org_key(), private)
        audit.record(None, "key.recovered", user.id)


def new_generation(old_private: bytes) -> tuple[OrgKey, bytes, str]:
    """Inside the caller's transaction: a new key pair, granted to every account that had access.

    Returns (the new row, its private key, its recovery key to show once). Old grants, the old
    recovery wrap and keys held for invitations go; every session ends, since sessions carry the
    old key. The caller re-seals every sealed column (see sealed.rotate).
    """
    old = current_org_key()
    if not _matches_org(old_private, old):
        raise sealing.SealingError("not the current organisation key")
    public, private = sealing.new_org_keypair()
    recovery_key = sealing.new_recovery_key()
    new = OrgKey.create(generation=old.generation + 1, public_key=public, created_on=today(),
                        recovery_wrap=sealing.wrap_private_key_with_recovery(private, recovery_key,
                                                                             _params()))
    holders = (KeyGrant.select(KeyGrant, AccountKey)
               .join(AccountKey, on=(KeyGrant.user == AccountKey.user))
               .where(KeyGrant.generation == old.generation))
    for held in holders:
        _store_grant(held.user_id, held.accountkey, new, private)
    KeyGrant.delete().where(KeyGrant.generation != new.generation).execute()
    LinkGrant.delete().execute()
    OrgKey.delete().where(OrgKey.generation != new.generation).execute()
    User.update(session_version=User.session_version + 1).execute()
    audit.record(None, "key.rotated", new.generation)
    forget_cached_org_key()
    return new, private, recovery_key
