"""The home area's rows for the shared suites (see tests/support/rows.py)."""
from __future__ import annotations

from support.screens import Screen, go

SCREENS = [
    Screen("home", "home.index", None, go("/")),
    Screen("not-found", None, None, go("/no-such-page")),
]

NOT_PAGES = {"home.healthz"}
