"""The rules for accounts: one-time links, logging in, second factors, deactivation."""
from __future__ import annotations

import datetime as dt
import hmac
import re
import secrets
from collections.abc import Callable, Iterator

import pyotp
from flask import current_app
from peewee import JOIN, IntegrityError

from portal import codes, throttle
from portal.accounts import audit, keys
from portal.accounts.models import OneTimeLink, RecoveryCode, User
from portal.clock import utc_now
from portal.db import db, write_transaction
from portal.i18n import gettext as _
from portal.roles import ROLES, is_staff, needs_second_factor
from portal.security import hash_password, needs_rehash, password_problems, verify_password

RECOVERY_CODE_COUNT = 10
INVITE_HOURS = 72
# verified when the user name is unknown, so both answers take the same time
_DUMMY = {"hash": None}


class AccountError(Exception):
    """A request about an account that cannot be carried out; the message is for the user."""


class UsernameError(AccountError):
    """The user name asked for cannot be used (none given, or taken); shown next to that field."""


LINK_PURPOSE = "one-time-link"
RECOVERY_PURPOSE = "recovery-code"


def normalise_username(username: str) -> str:
    """User names are compared in lower case without surrounding spaces."""
    return username.strip().lower()


# --- one-time links --------------------------------------------------------------------------

def link_for(token: str) -> str:
    """The full URL a person opens to use a one-time link."""
    return f"{current_app.config['BASE_URL']}/account/setup?token={token}"


def issue_link(purpose: str, role: str, *, username: str | None = None, user: User | None = None,
               created_by: User | None = None, hours: int | None = None) -> str:
    """Create a one-time link and return its token (only its keyed hash is stored)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    token = secrets.token_urlsafe(32)
    hours = hours or current_app.config.get("SETUP_LINK_HOURS", INVITE_HOURS)
    with write_transaction():
        if user is not None:
            # a new reset link replaces any unused one for the same account
            (OneTimeLink.delete()
             .where(OneTimeLink.user == user, OneTimeLink.used_at.is_null())
             .execute())
        OneTimeLink.create(
            token_hash=codes.keyed_hash(LINK_PURPOSE, token),
            purpose=purpose,
            role=role,
            username=normalise_username(username) if username else None,
            user=user,
            created_by=created_by,
            expires_at=utc_now() + dt.timedelta(hours=hours),
        )
        if created_by is not None or user is not None:
            # a reset from the command line is recorded too, with no actor
            audit.record(created_by, f"link.{purpose}", user.id if user else None)
    return token


def find_link(token: str) -> OneTimeLink | None:
    """The unused, unexpired link for a token, or None."""
    if not token or len(token) > 200:
        return None
    link = OneTimeLink.get_or_none(OneTimeLink.token_hash == codes.keyed_hash(LINK_PURPOSE, token))
    if link is None or link.used_at is not None or link.expires_at < utc_now():
        return None
    if link.created_by_id is not None and not link.created_by.is_active:
        # deactivation revokes what the account issued; this also covers links issued before
        return None
    return link


def use_link(token: str, username: str, password: str, display_name: str = "") -> User:
    """Set a password through a one-time link: creates the account, or resets an existing one."""
    link = find_link(token)
    if link is None:
        raise AccountError(_("This link has expired or was already used. Ask an admin for a new one."))
    if link.user_id:
        # a reset sets a password; the account keeps its name
        username = link.user.username
    else:
        # whoever is invited chooses their own login name; the admin's is only a suggestion
        username = normalise_username(username) or normalise_username(link.username or "")
    if not username:
        raise UsernameError(_("Choose a user name."))
    own_names = [display_name, link.user.display_name if link.user_id else ""]
    problems = password_problems(password, username, own_names)
    if problems:
        raise AccountError(" ".join(problems))
    # hashed before the write lock is taken: argon2 is slow on purpose
    password_hash = hash_password(password)
    try:
        with write_transaction():
            _claim_link(link)
            user = _account_from_link(link, username, password_hash, display_name)
            # sealing: a new key pair for the account, and the key an invitation carries
            keys.password_set(user, password, token)
            audit.record(user, f"link.used.{link.purpose}", user.id)
    except IntegrityError as error:
        # two invitations naming the same new user name, used at the same moment
        raise UsernameError(_("That user name is taken. Choose another.")) from error
    return user


def _claim_link(link: OneTimeLink) -> None:
    """Mark the link used, or fail when another request used it first (one conditional update)."""
    claimed = (OneTimeLink.update(used_at=utc_now())
               .where(OneTimeLink.id == link.id,
                      OneTimeLink.used_at.is_null(),
                      OneTimeLink.expires_at > utc_now())
               .execute())
    if claimed != 1:
        raise AccountError(_("This link has expired or was already used. Ask an admin for a new one."))


def _account_from_link(link: OneTimeLink, username: str, password_hash: str,
                       display_name: str) -> User:
    """Create the account a link invites, or set the new password of the account it resets."""
    if link.user_id is not None:
        User.update(password_hash=password_hash, session_version=User.session_version + 1
                    ).where(User.id == link.user_id).execute()
        return User.get_by_id(link.user_id)
    if User.by_username(username) is not None:
        raise UsernameError(_("That user name is taken. Choose another."))
    user = User.create(username=username, display_name=display_name.strip(), role=link.role,
                       password_hash=password_hash, created_on=utc_now().date())
    OneTimeLink.update(user=user).where(OneTimeLink.id == link.id).execute()
    return user


def pending_links() -> list[OneTimeLink]:
    """Links not used yet and not expired, soonest to expire first, with who issued them."""
    issuer = User.alias()
    return list(OneTimeLink.select(OneTimeLink, User, issuer)
                .join_from(OneTimeLink, User, JOIN.LEFT_OUTER, on=(OneTimeLink.user == User.id))
                .join_from(OneTimeLink, issuer, JOIN.LEFT_OUTER,
                           on=(OneTimeLink.created_by == issuer.id), attr="issuer")
                .where(OneTimeLink.used_at.is_null(), OneTimeLink.expires_at > utc_now())
                .order_by(OneTimeLink.expires_at))


def revoke_link(admin: User, link_id: int) -> bool:
    """An admin withdraws an unused link; False when there is no such link any more."""
    with write_transaction():
        link = OneTimeLink.get_or_none(OneTimeLink.id == link_id, OneTimeLink.used_at.is_null())
        if link is None:
            return False
        link.delete_instance()
        audit.record(admin, "link.revoked", link.user_id)
    return True


def _revoke_links_of(user: User) -> int:
    """Delete the unused links an account issued and any unused reset link for it."""
    return (OneTimeLink.delete()
            .where(OneTimeLink.used_at.is_null(),
                   (OneTimeLink.created_by == user.id) | (OneTimeLink.user == user.id))
            .execute())


def announce_setup_link_if_needed(echo: Callable[[str], None]) -> str | None:
    """With no account at all, issue the first admin's setup link and print it to the console."""
    with db.connection_context():
        if User.select().exists():
            return None
        pending = (OneTimeLink.select()
                   .where(OneTimeLink.purpose == "setup",
                          OneTimeLink.used_at.is_null(),
                          OneTimeLink.expires_at > utc_now())
                   .exists())
        if pending:
            echo("No account exists yet and a setup link was already issued. For a new one, run:\n"
                 "  flask --app app create-user --role admin")
            return None
        token = issue_link("setup", "admin")
    echo("No account exists yet. Open this link to create the first admin account "
         f"(it works once and expires in {current_app.config['SETUP_LINK_HOURS']} hours):\n"
         f"  {link_for(token)}")
    return token


# --- logging in ------------------------------------------------------------------------------

def authenticate(username: str, password: str) -> User | None:
    """The active account matching the name and password, or None; rehashes old hashes."""
    user = User.by_username(username) if username else None
    if user is None or not user.password_hash:
        if _DUMMY["hash"] is None:
            _DUMMY["hash"] = hash_password(secrets.token_hex(16))
        verify_password(_DUMMY["hash"], password)
        return None
    if not verify_password(user.password_hash, password) or not user.is_active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        user.save(only=[User.password_hash])
    return user


def login_attempt(username: str, password: str) -> User | None:
    """Authenticate with per-account throttling; raises AccountError when locked.

    Failures count per (account, client bucket), so a stranger who knows a user name cannot lock
    its owner out. A right password clears nothing while a second factor is still to come.
    """
    if throttle.login_locked(username):
        raise AccountError(_("Too many attempts for this account. Wait 15 minutes and try again."))
    user = authenticate(username, password)
    if user is None:
        throttle.record_failed_password(username)
    elif not user.totp_enabled:
        throttle.clear_failed_logins(username)
    return user


def begin_second_factor(user: User) -> int:
    """Start a pending login: a new turn number, so older pending logins stop working."""
    with write_transaction():
        User.update(pending_login=User.pending_login + 1).where(User.id == user.id).execute()
        return User.select(User.pending_login).where(User.id == user.id).scalar()


def take_code_turn(user_id: int, turn: int) -> bool:
    """Use up one turn of a pending login; False when the turn was already used (a replay)."""
    with write_transaction():
        taken = (User.update(pending_login=turn + 1)
                 .where(User.id == user_id, User.pending_login == turn)
                 .execute())
    return taken == 1


def second_factor_attempt(user: User, code: str) -> bool:
    """Check a code with per-account counting; raises AccountError when too many were wrong."""
    if throttle.second_factor_locked(user.username):
        raise AccountError(_("Too many attempts for this account. Wait 15 minutes and try again."))
    if verify_second_factor(user, code):
        throttle.clear_failed_logins(user.username)
        return True
    throttle.record_failed_code(user.username)
    return False


def end_all_sessions(user: User) -> None:
    """Make every session of this account invalid, in every browser."""
    User.update(session_version=User.session_version + 1).where(User.id == user.id).execute()


def change_password(user: User, current: str, new: str) -> None:
    """Change a password after checking the current one; ends the account's other sessions."""
    if not verify_password(user.password_hash, current):
        raise AccountError(_("The current password is not right."))
    problems = password_problems(new, user.username, [user.display_name])
    if problems:
        raise AccountError(" ".join(problems))
    with write_transaction():
        user.password_hash = hash_password(new)
        user.session_version += 1
        user.save()
        keys.rewrap_for_password(user, current, new)
        audit.record(user, "password.changed", user.id)


def set_active(admin: User, user: User, active: bool) -> None:
    """Deactivate (ending its sessions) or reactivate an account."""
    if admin.id == user.id and not active:
        raise AccountError(_("You cannot deactivate your own account."))
    with write_transaction():
        user.is_active = active
        user.session_version += 1
        user.save()
        if not active:
            _revoke_links_of(user)
            keys.revoke(user)
        audit.record(admin, "user.activated" if active else "user.deactivated", user.id)


def set_handles_complaints(admin: User, user: User, named: bool) -> None:
    """Name a staff account to read complaints kept from the rest of the team, or stop it."""
    if named and (not is_staff(user.role) or not user.is_active):
        raise AccountError(_("Only an active staff or admin account can be named for complaints."))
    with write_transaction():
        User.update(handles_complaints=named).where(User.id == user.id).execute()
        audit.record(admin, "user.complaints_named" if named else "user.complaints_unnamed", user.id)
    user.handles_complaints = named


# --- second factor ---------------------------------------------------------------------------

def new_totp_secret() -> str:
    """A fresh base32 secret for an authenticator app."""
    return pyotp.random_base32()


def is_totp_secret(secret: str | None) -> bool:
    """True for a base32 secret such as new_totp_secret() makes (a hidden field can be tampered)."""
    return bool(secret) and re.fullmatch(r"[A-Z2-7]{16,64}", secret) is not None


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// URI an authenticator app reads."""
    issuer = current_app.config.get("SITE_NAME", "Portal")
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=issuer)


def _totp_step(secret: str, code: str, last_step: int) -> int | None:
    """The time step a code matches (one step either side), or None; replays are refused."""
    code = "".join(code.split())
    # ASCII only: other digits (such as Arabic-Indic) cannot be compared in constant time
    if not (code.isascii() and code.isdigit()) or len(code) != 6:
        return None
    try:
        totp = pyotp.TOTP(secret)
    except ValueError:
        # a secret that is not base32 can only come from a tampered hidden field
        return None
    now = int(utc_now().replace(tzinfo=dt.UTC).timestamp())
    for offset in (-1, 0, 1):
        at = now + offset * totp.interval
        step = at // totp.interval
        if step > last_step and hmac.compare_digest(totp.at(at), code):
            return step
    return None


def enable_totp(user: User, secret: str, code: str) -> list[str]:
    """Turn on the second factor once a code proves the app works; returns new recovery codes."""
    step = _totp_step(secret, code, 0)
    if step is None:
        raise AccountError(_("That code did not match. Check the time on your phone and try again."))
    with write_transaction():
        user.totp_secret = secret
        user.totp_enabled = True
        user.totp_last_step = step
        user.save()
        recovery_codes = _replace_recovery_codes(user)
        audit.record(user, "2fa.enabled", user.id)
    return recovery_codes


def disable_totp(user: User, password: str) -> None:
    """Turn off the second factor (not allowed for admins, nor for staff where the organisation
    requires it)."""
    if needs_second_factor(user.role):
        raise AccountError(_("Admins must keep a second factor.") if user.role == "admin" else
                           _("This organisation asks staff to keep a second factor."))
    if not verify_password(user.password_hash, password):
        raise AccountError(_("The current password is not right."))
    with write_transaction():
        user.totp_secret = None
        user.totp_enabled = False
        user.save()
        RecoveryCode.delete().where(RecoveryCode.user == user).execute()
        audit.record(user, "2fa.disabled", user.id)


def _replace_recovery_codes(user: User) -> list[str]:
    """Issue a fresh set of recovery codes, dropping the old ones."""
    RecoveryCode.delete().where(RecoveryCode.user == user).execute()
    fresh = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.insert_many(
        [{"user": user.id, "code_hash": codes.keyed_hash(RECOVERY_PURPOSE, code)} for code in fresh]
    ).execute()
    return fresh


def verify_second_factor(user: User, code: str) -> bool:
    """Accept a current authenticator code or an unused recovery code (used up at once)."""
    code = code.strip().lower()
    fresh = User.get_by_id(user.id)
    step = _totp_step(fresh.totp_secret or "", code, fresh.totp_last_step)
    with write_transaction():
        if step is not None:
            # only one request may move past this step: a code works once, even in parallel
            won = (User.update(totp_last_step=step)
                   .where(User.id == user.id, User.totp_last_step < step)
                   .execute())
            return won == 1
        used = (RecoveryCode.update(used_at=utc_now())
                .where(RecoveryCode.user == user,
                       RecoveryCode.code_hash == codes.keyed_hash(RECOVERY_PURPOSE, code),
                       RecoveryCode.used_at.is_null())
                .execute())
        if used:
            audit.record(user, "2fa.recovery_code_used", user.id)
    return bool(used)


def remaining_recovery_codes(user: User) -> int:
    """How many recovery codes the user has left."""
    return (RecoveryCode.select()
            .where(RecoveryCode.user == user, RecoveryCode.used_at.is_null())
            .count())


# --- retention -------------------------------------------------------------------------------

SPENT_LINK_DAYS = 30


def purge_spent_links() -> Iterator[str]:
    """Delete one-time links used or expired more than 30 days ago; yields the report line."""
    cutoff = utc_now() - dt.timedelta(days=SPENT_LINK_DAYS)
    with write_transaction():
        deleted = (OneTimeLink.delete()
                   .where((OneTimeLink.expires_at < cutoff) | (OneTimeLink.used_at < cutoff))
                   .execute())
    yield f"Deleted {deleted} one-time links used or expired more than {SPENT_LINK_DAYS} days ago."
