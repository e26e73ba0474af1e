"""The one clock: the current time for staff records and the day for anonymous ones."""
from __future__ import annotations

import datetime as dt


def utc_now() -> dt.datetime:
    """The current time in UTC without tzinfo (staff records only, never client data)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def today() -> dt.date:
    """Today's date in UTC: what anonymous records keep instead of a time."""
    return dt.datetime.now(dt.UTC).date()
