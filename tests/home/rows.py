"""The home area's rows for the shared suites (see tests/support/rows.py)."""
from __future__ import annotations

from support.hostile import CHOICE, Field, HostileForm
from support.screens import Screen, go

SCREENS = [
    Screen("home", "home.index", None, go("/")),
    Screen("not-found", None, None, go("/no-such-page")),
    Screen("safety", "home.safety", None, go("/safety")),
    Screen("kiosk", "home.kiosk", None, go("/kiosk")),
]

FORMS = [
    HostileForm("kiosk mode", "anonymous", lambda w: "/kiosk", lambda w: {"mode": "off"},
                {"mode": Field(CHOICE, choices=("on", "off"))}),
]

NOT_PAGES = {"home.healthz", "home.kiosk_clear"}
