"""Changing the organisation's texts: stored and audited in one transaction."""
from __future__ import annotations

from collections.abc import Mapping

from portal import sitetexts
from portal.accounts import audit
from portal.accounts.models import User


def save_texts(actor: User, values: Mapping[tuple[str, str], str]) -> list[str]:
    """Store the texts an admin sent; one audit row when anything changed. Returns the keys changed."""

    def _audited(changed: list[str]) -> None:
        audit.record(actor, "home.texts")

    return sitetexts.save(values, on_change=_audited)
