"""The audit trail: who on the staff changed what, and when. Never about anonymous clients."""
from __future__ import annotations

from peewee import JOIN, CharField, DateTimeField, ForeignKeyField

from portal.accounts.models import User, utc_now
from portal.db import BaseModel


class AuditEntry(BaseModel):
    """One change made by a logged-in person."""

    actor = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    action = CharField(max_length=64)
    detail = CharField(max_length=255, default="")
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


def record(actor: User | None, action: str, detail: str = "") -> AuditEntry:
    """Write one audit row for a staff or admin action."""
    return AuditEntry.create(actor=actor, action=action, detail=detail[:255])
