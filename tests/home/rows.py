"""The home area's rows for the shared suites (see tests/support/rows.py)."""
from __future__ import annotations

from support.hostile import CHOICE, TEXT, Field, HostileForm
from support.screens import Screen, go, submit

from portal import sitetexts
from portal.home.forms import field_name
from portal.i18n import LANGUAGES

# --- hostile input -----------------------------------------------------------------------------


def _every_text_empty(world) -> dict:
    """The settings form with every text left to its default."""
    return {field_name(key, language): "" for key in sitetexts.REGISTRY for language in LANGUAGES}


def _https_address(value: str) -> str:
    """An exit address is kept exactly as typed when it is an https address, else refused."""
    if value and not sitetexts.is_https_url(value):
        raise ValueError("not an https address")
    return value


FORMS: list[HostileForm] = [
    HostileForm("organisation texts", "admin", lambda w: "/staff/settings", _every_text_empty,
                {"organisation_name_es": Field(TEXT, stored_as=str),
                 "urgent_hotline_en": Field(TEXT, stored_as=str),
                 "quick_exit_url_en": Field(TEXT, stored_as=_https_address),
                 "urgent_help_es": Field(TEXT),
                 "feedback__what_happens_en": Field(TEXT)},
                shows=lambda w: [("anonymous", "/?lang=en"), ("anonymous", "/?lang=es"),
                                 ("anonymous", "/feedback?lang=en"), ("admin", "/staff/settings")]),
]

# --- screens -----------------------------------------------------------------------------------


def _settings_refused(page, server) -> None:
    page.goto("/staff/settings")
    page.fill("#quick_exit_url_es", "http://weather.example/")
    submit(page)


SCREENS = [
    Screen("home", "home.index", None, go("/")),
    Screen("not-found", None, None, go("/no-such-page")),
    Screen("safety", "home.safety", None, go("/safety")),
    Screen("kiosk", "home.kiosk", None, go("/kiosk")),
    Screen("organisation-texts", "home.settings", "admin", go("/staff/settings")),
    Screen("organisation-texts-errors", "home.settings", "admin", _settings_refused),
]

FORMS.append(HostileForm("kiosk mode", "anonymous", lambda w: "/kiosk", lambda w: {"mode": "off"},
                         {"mode": Field(CHOICE, choices=("on", "off"))}))

NOT_PAGES = {"home.healthz", "home.kiosk_clear"}
