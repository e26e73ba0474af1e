"""The audit trail: who on the staff did what to which record, and when. Never about clients.

An entry is (actor, action, subject id) with the action from the fixed vocabulary the areas
declare, so no free text (and never a client's words) can reach this table.
"""
from __future__ import annotations

from flask import current_app
from peewee import JOIN, CharField, DateTimeField, ForeignKeyField, IntegerField

from portal.accounts.models import User
from portal.clock import utc_now
from portal.db import BaseModel


class AuditEntry(BaseModel):
    """One change made by a logged-in person (or by the system, with no actor)."""

    actor = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    action = CharField(max_length=64)
    # the record acted on (an account, a thread...), or a count for batch work such as a purge
    subject_id = IntegerField(null=True)
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


def record(actor: User | None, action: str, subject_id: int | None = None) -> AuditEntry:
    """Write one audit row; an action outside the vocabulary is a programming error."""
    if action not in vocabulary():
        raise ValueError(f"unknown audit action {action!r}: declare it in the area's audit_actions")
    if subject_id is not None and not isinstance(subject_id, int):
        raise TypeError("an audit subject is a record's number, never text")
    return AuditEntry.create(actor=actor, action=action, subject_id=subject_id)


def action_label(action: str) -> str:
    """What an action means, in the reader's language."""
    label = vocabulary().get(action)
    return str(label) if label is not None else action
