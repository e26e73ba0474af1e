"""Schema migrations, applied in order by portal.db.migrate(); never edit a released step.

Each step brings the schema from the previous number to its own. A step creates the tables of
its time explicitly or alters them with playhouse.migrate, so an old database upgrades in place.
"""
from __future__ import annotations

from portal.db import db


def _v1_accounts() -> None:
    """Accounts, one-time links, recovery codes and the audit trail."""
    from portal.accounts.models import OneTimeLink, RecoveryCode, User
    from portal.audit import AuditEntry

    db.create_tables([User, OneTimeLink, RecoveryCode, AuditEntry])


def _v2_feedback() -> None:
    """Anonymous feedback threads and their messages."""
    from portal.feedback.models import FeedbackMessage, FeedbackThread

    db.create_tables([FeedbackThread, FeedbackMessage])


MIGRATIONS = [
    (1, _v1_accounts),
    (2, _v2_feedback),
]
