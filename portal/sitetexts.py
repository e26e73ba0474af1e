"""Texts the organisation sets (its name, where the quick exit goes, what happens to a message,
where to find urgent help), in every language, with a default for each.

An area that needs one more such text registers it in one line, at import time:

    register("council.contact", _l("How to reach the council"), _l("Write to ..."), 2000,
             kind=MARKDOWN)

and reads it with `text("council.contact")` (plain) or `html("council.contact")` (Markdown through
the one sanitiser). An admin edits every registered text on /staff/settings.

The stored texts are read once and kept per app; a save anywhere on the machine touches a stamp
file in the instance folder that every worker checks (one stat per request, no query), and a
worker on another machine sees the change after at most REFRESH_SECONDS.
"""
from __future__ import annotations

import contextlib
import os
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask import current_app, g, has_app_context, has_request_context
from markupsafe import Markup
from peewee import CharField, DatabaseError, TextField

from portal import config, i18n
from portal.db import BaseModel, db, write_transaction
from portal.i18n import LANGUAGES, LazyString
from portal.i18n import lazy_gettext as _l
from portal.text import is_blank, render_markdown

LINE = "line"          # one line of plain text
URL = "url"            # an https address
MARKDOWN = "markdown"  # paragraphs, lists and links, shown through the sanitiser
KINDS = (LINE, URL, MARKDOWN)
REFRESH_SECONDS = 60
STAMP_FILE = "site-texts.stamp"
MAX_KEY_LENGTH = 64

Default = LazyString | str | Callable[[str], str]


@dataclass(frozen=True)
class TextKey:
    """One text the organisation may set: what admins see, and what is shown until they do."""

    key: str
    label: LazyString | str
    # shown when nothing is set: a lazy string (in the reader's language), or a function of the
    # language code (for defaults that come from configuration)
    default: Default
    max_length: int
    kind: str = LINE
    hint: LazyString | str = ""
    # {name} placeholders filled in wherever the text is shown, each from a function (e.g.
    # {retention_days} from the configuration)
    placeholders: Mapping[str, Callable[[], object]] = field(default_factory=dict)


REGISTRY: dict[str, TextKey] = {}


def register(key: str, label: LazyString | str, default: Default, max_length: int, *,
             kind: str = LINE, hint: LazyString | str = "",
             placeholders: Mapping[str, Callable[[], object]] | None = None) -> TextKey:
    """Declare a text the organisation can set (once per key, at import time)."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of text {kind!r}")
    if len(key) > MAX_KEY_LENGTH or key in REGISTRY:
        raise ValueError(f"text key {key!r} is too long or declared twice")
    entry = TextKey(key, label, default, max_length, kind, hint, dict(placeholders or {}))
    REGISTRY[key] = entry
    return entry


class SiteText(BaseModel):
    """The text an organisation set for one key in one language (empty: the default is shown)."""

    key = CharField(max_length=MAX_KEY_LENGTH)
    language = CharField(max_length=8)
    value = TextField(default="")

    class Meta:
        table_name = "site_text"
        indexes = ((("key", "language"), True),)


# --- checks ----------------------------------------------------------------------------------

def is_https_url(value: str) -> bool:
    """True for an absolute https address with a host, and nothing a browser would read oddly."""
    if not value or value != value.strip() or any(ch.isspace() or ord(ch) < 32 for ch in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return (parts.scheme == "https" and bool(parts.hostname) and "\\" not in value
            and parts.username is None and parts.password is None)


# --- reading ---------------------------------------------------------------------------------

def _stamp_path() -> str:
    return os.path.join(current_app.instance_path, STAMP_FILE)


def _stamp() -> tuple[int, int] | None:
    """Which save the stamp file records (its inode and time), or None before any save."""
    try:
        found = os.stat(_stamp_path())
    except OSError:
        return None
    return (found.st_ino, found.st_mtime_ns)


def _load() -> dict[tuple[str, str], str] | None:
    """Every stored text, by (key, language); None when the database cannot say (an error page
    while the database is down still shows, with the defaults)."""
    def rows() -> dict[tuple[str, str], str]:
        return {(row.key, row.language): row.value for row in SiteText.select()}

    try:
        if db.is_closed() and not has_app_context():
            with db.connection_context():
                return rows()
        # the request's own connection, taken at its first query and given back when it ends
        # (closing it here would end its transaction too)
        return rows()
    except DatabaseError:
        current_app.logger.warning("the organisation's texts could not be read; defaults shown")
        return None


def _copy() -> dict:
    """This app's copy of the stored texts ("rows"), with what was worked out from them
    ("resolved" texts, rendered "html"), read again when a save made it old."""
    if has_request_context() and "site_texts" in g:
        return g.site_texts
    cache = current_app.extensions.get("site_texts")
    stamp = _stamp()
    now = time.monotonic()
    if cache is None or cache["stamp"] != stamp or now - cache["loaded"] >= REFRESH_SECONDS:
        rows = _load()
        # replaced whole, never changed in place: another thread may be reading the old one;
        # when the database failed, the defaults are shown and it is asked again next time
        cache = {"rows": rows or {}, "stamp": stamp if rows is not None else "unread",
                 "loaded": now, "resolved": {}, "html": {}}
        current_app.extensions["site_texts"] = cache
    if has_request_context():
        g.site_texts = cache
    return cache


def forget() -> None:
    """Drop every copy of the stored texts (after a save), in every worker on this machine."""
    current_app.extensions.pop("site_texts", None)
    if has_request_context():
        g.pop("site_texts", None)
    path = _stamp_path()
    with contextlib.suppress(OSError):
        # a new file each time, so a worker sees another inode even within one clock tick
        # (it holds nothing but random letters; private like everything in the folder)
        temporary = f"{path}.{secrets.token_hex(4)}"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(8))
        os.replace(temporary, path)


def default_text(key: str, language: str | None = None) -> str:
    """The default of a text in a language (this request's language unless given)."""
    entry = REGISTRY[key]
    language = language or i18n.current_language()
    if callable(entry.default) and not isinstance(entry.default, LazyString):
        return str(entry.default(language))
    with i18n.speaking(language):
        return str(entry.default)


def stored_text(key: str, language: str) -> str:
    """What the organisation set for a key in a language ("" when nothing)."""
    return _copy()["rows"].get((key, language), "")


def text(key: str, language: str | None = None, **values: object) -> str:
    """A text in the reader's language: what the organisation set, else the default; {name}
    placeholders filled in from the registered functions and `values`."""
    entry = REGISTRY.get(key)
    if entry is None:
        raise KeyError(f"text {key!r} is not registered")
    language = language or i18n.current_language()
    resolved = _copy()["resolved"]
    result = resolved.get((key, language))
    if result is None:
        # defaults depend only on the language and the configuration: worked out once
        chosen = stored_text(key, language)
        result = resolved[(key, language)] = (chosen if not is_blank(chosen)
                                              else default_text(key, language))
    if not entry.placeholders and not values:
        return result
    filled = {name: make() for name, make in entry.placeholders.items()} | values
    for name, value in filled.items():
        result = result.replace("{" + name + "}", str(value))
    return result


def html(key: str, **values: object) -> Markup:
    """A Markdown text as safe HTML, rendered once per language and values while it stays the same."""
    language = i18n.current_language()
    source = text(key, language, **values)
    cache = _copy()["html"]
    found = cache.get((key, language, source))
    if found is None:
        found = cache[(key, language, source)] = render_markdown(source)
    return found


# --- saving ----------------------------------------------------------------------------------

def save(values: Mapping[tuple[str, str], str],
         on_change: Callable[[list[str]], None] | None = None) -> list[str]:
    """Store texts by (key, language) in one transaction; returns the keys that changed.
    `on_change` runs inside the transaction when any did (the caller's audit row)."""
    changed: list[str] = []
    with write_transaction():
        current = {(row.key, row.language): row for row in SiteText.select()}
        for (key, language), value in values.items():
            if key not in REGISTRY or language not in LANGUAGES:
                raise KeyError(f"unknown text {key!r} in {language!r}")
            row = current.get((key, language))
            if row is None:
                SiteText.create(key=key, language=language, value=value)
            elif row.value != value:
                row.value = value
                row.save()
            else:
                continue
            if key not in changed:
                changed.append(key)
        if changed and on_change is not None:
            on_change(changed)
    forget()
    return changed


# --- the texts every page uses ---------------------------------------------------------------

def _organisation_name(language: str) -> str:
    """PORTAL_SITE_NAME when the operator set one, else the generic name in the language."""
    chosen = current_app.config.get("SITE_NAME") or config.DEFAULT_SITE_NAME
    if chosen != config.DEFAULT_SITE_NAME:
        return chosen
    with i18n.speaking(language):
        return str(_l("Community Services"))


def _quick_exit_url(language: str) -> str:
    """PORTAL_QUICK_EXIT_URL in English; in Spanish PORTAL_QUICK_EXIT_URL_ES, else the operator's
    own choice of PORTAL_QUICK_EXIT_URL, else a weather page in Spanish."""
    chosen = current_app.config.get("QUICK_EXIT_URL") or config.DEFAULT_QUICK_EXIT_URL
    if language == "en":
        return chosen
    spanish = current_app.config.get("QUICK_EXIT_URL_ES")
    if spanish:
        return spanish
    return chosen if chosen != config.DEFAULT_QUICK_EXIT_URL else config.DEFAULT_QUICK_EXIT_URL_ES


ORGANISATION_NAME = register(
    "organisation_name", _l("Name of the organisation"), _organisation_name, 100,
    hint=_l("Shown at the top of every page and in the title of every browser tab."))
QUICK_EXIT_URL = register(
    "quick_exit_url", _l("Where “Leave this site” goes"), _quick_exit_url, 500, kind=URL,
    hint=_l("An everyday page in this language that would not draw attention, such as a weather "
            "site. It must start with https://."))
URGENT_HELP = register(
    "urgent_help", _l("Urgent help"),
    _l("This site is not watched for emergencies: nobody may read what you send here for days. "
       "If you are in danger now, call your local emergency number."),
    3000, kind=MARKDOWN,
    hint=_l("Shown on the home page, the feedback form and the reply page. Add other services "
            "people can call at any time."))
URGENT_HOTLINE = register(
    "urgent_hotline", _l("Your own hotline (optional)"), lambda language: "", 200,
    hint=_l("A number and its hours, shown in the urgent help box, for example: 555-0100, every "
            "day from 8 am to 10 pm. Left empty, the box shows no number."))
