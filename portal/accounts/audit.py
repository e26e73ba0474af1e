"""The audit trail: who on the staff did what to which record, and when. Never about clients.

An entry is (actor, action, subject id) with the action from the fixed vocabulary the areas
declare, so no free text (and never a client's words) can reach this table. Actions about
anonymous records (a reply to feedback...) keep the day only, as the records do: their time is
midnight. Row numbers are random, so a day-only row cannot be placed between two timed rows.
"""
from __future__ import annotations

import datetime as dt
import secrets

from flask import current_app
from peewee import JOIN, BigIntegerField, CharField, DateTimeField, ForeignKeyField, IntegrityError

from portal.accounts.models import User
from portal.clock import utc_now
from portal.db import BaseModel, db

# row numbers fit PostgreSQL's integer column
ID_SPAN = 2**31 - 1


class AuditEntry(BaseModel):
    """One change made by a logged-in person (or by the system, with no actor)."""

    actor = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    action = CharField(max_length=64)
    # the record acted on (an account, a thread...), or a count for batch work such as a purge
    subject_id = BigIntegerField(null=True)
    created_at = DateTimeField(default=utc_now)

    class Meta:
        table_name = "audit_entry"

    @classmethod
    def latest(cls, limit: int = 100):
        """The most recent entries first."""
        return (cls.select(cls, User)
                .join(User, JOIN.LEFT_OUTER, on=(cls.actor == User.id))
                .order_by(cls.created_at.desc(), cls.id.desc())
                .limit(limit))


def vocabulary() -> dict:
    """Every action the registered areas may record, with its label."""
    return current_app.extensions["audit_actions"]


def day_only_actions() -> frozenset[str]:
    """The actions about anonymous records, whose rows keep the day and not the time."""
    return current_app.extensions["audit_day_only"]


def record(actor: User | None, action: str, subject_id: int | None = None) -> AuditEntry:
    """Write one audit row; an action outside the vocabulary is a programming error."""
    if action not in vocabulary():
        raise ValueError(f"unknown audit action {action!r}: declare it in the area's audit_actions")
    if subject_id is not None and not isinstance(subject_id, int):
        raise TypeError("an audit subject is a record's number, never text")
    when = utc_now()
    if action in day_only_actions():
        when = dt.datetime.combine(when.date(), dt.time.min)
    row = {"actor": actor, "action": action, "subject_id": subject_id, "created_at": when}
    for _ in range(2):
        try:
            # a savepoint, so a number already taken does not spoil the caller's transaction
            with db.atomic():
                return AuditEntry.create(id=secrets.randbelow(ID_SPAN) + 1, **row)
        except IntegrityError:
            continue
    # a third failure is not about the number: let it be raised
    return AuditEntry.create(id=secrets.randbelow(ID_SPAN) + 1, **row)


def action_label(action: str) -> str:
    """What an action means, in the reader's language."""
    label = vocabulary().get(action)
    return str(label) if label is not None else action


# actions whose subject is an account (shown by its user name)
ACCOUNT_SUBJECTS = ("link", "user", "2fa", "password", "key")
PAGE_SIZE = 100


def subject_is_account(action: str) -> bool:
    """True when an action's subject number names an account."""
    return action.split(".")[0] in ACCOUNT_SUBJECTS and action != "key.rotated"


def filtered(actor_id: int | None = None, system: bool = False, action: str = "",
             since: dt.date | None = None, until: dt.date | None = None):
    """Entries newest first, narrowed by who acted (an account, or the system), what, and days."""
    query = (AuditEntry.select(AuditEntry, User)
             .join(User, JOIN.LEFT_OUTER, on=(AuditEntry.actor == User.id)))
    if system:
        query = query.where(AuditEntry.actor.is_null())
    elif actor_id is not None:
        query = query.where(AuditEntry.actor == actor_id)
    if action:
        query = query.where(AuditEntry.action == action)
    if since is not None:
        query = query.where(AuditEntry.created_at >= dt.datetime.combine(since, dt.time.min))
    if until is not None:
        query = query.where(AuditEntry.created_at < dt.datetime.combine(until + dt.timedelta(days=1),
                                                                         dt.time.min))
    return query.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
