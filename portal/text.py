"""The one place where user text becomes HTML: Markdown rendered, then sanitised by bleach."""
from __future__ import annotations

import re

import bleach
import markdown
from markupsafe import Markup
from wtforms.validators import ValidationError

from portal.i18n import lazy_gettext as _l

ALLOWED_TAGS = ["p", "br", "strong", "em", "ul", "ol", "li", "a", "h2", "h3", "h4",
                "blockquote", "code", "pre", "hr"]
ALLOWED_ATTRIBUTES = {"a": ["href", "title"]}
ALLOWED_PROTOCOLS = ["https", "http", "mailto"]


def render_markdown(source: str) -> Markup:
    """Markdown to safe HTML: no scripts, no event handlers, no javascript: links."""
    html = markdown.markdown(source or "", extensions=["sane_lists"], output_format="html")
    clean = bleach.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                         protocols=ALLOWED_PROTOCOLS, strip=True)
    clean = bleach.linkify(clean, callbacks=[_no_referrer], skip_tags=["pre", "code"])
    # bleach output with an allow-list of tags, attributes and protocols
    return Markup(clean)  # noqa: S704  # nosec B704


def _no_referrer(attrs: dict, new: bool = False) -> dict:
    """Links in user text open without telling the other site where they came from."""
    attrs[(None, "rel")] = "noopener noreferrer"
    return attrs


CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def plain_text(value: str | None) -> str:
    """Normalise typed text: one kind of line ending; everything else kept as typed."""
    return (value or "").replace("\r\n", "\n").replace("\r", "\n")


class NoControlCharacters:
    """A form validator refusing invisible control characters (NUL and the like)."""

    def __init__(self, message: str | None = None) -> None:
        self.message = message

    def __call__(self, form, field) -> None:
        if field.data and CONTROL_CHARACTERS.search(field.data):
            message = self.message or _l("Remove the invisible control characters from this text.")
            raise ValidationError(message)
