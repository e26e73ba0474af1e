"""The one place where user text becomes HTML: Markdown rendered, then sanitised by bleach."""
from __future__ import annotations

import functools
import re
import unicodedata

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


@functools.lru_cache(maxsize=128)
def render_published_markdown(source: str) -> Markup:
    """`render_markdown` remembered per process, for texts published to everyone (a statement's
    introduction, the council's contact text): they change rarely and rendering was most of their
    pages' time. Never for sealed or personal words, which must not outlive the request."""
    return render_markdown(source)


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


# characters that show nothing on their own: format characters (zero-width space and joiners,
# word joiner, BOM, direction marks and overrides, tag characters: category Cf), plus the blank
# letters and fillers that fonts draw as nothing
INVISIBLE_LETTERS = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u180e\u2800\u3164\uffa0")


def _shows_nothing(ch: str) -> bool:
    """True for a character that leaves no visible mark: blanks, controls, format characters,
    fillers and variation selectors."""
    return (ch.isspace() or ch in INVISIBLE_LETTERS
            or unicodedata.category(ch) in ("Cc", "Cf", "Zs", "Zl", "Zp")
            or "\ufe00" <= ch <= "\ufe0f" or "\U000e0100" <= ch <= "\U000e01ef")


def is_blank(value: str | None) -> bool:
    """True when a text has nothing a reader could see (only blanks or invisible characters)."""
    return not value or all(_shows_nothing(ch) for ch in value)


class NotBlank:
    """A form validator refusing text made only of spaces, line breaks or invisible characters
    (zero-width spaces, a BOM, direction overrides...), which would look like an empty message."""

    def __init__(self, message: str | None = None) -> None:
        self.message = message

    def __call__(self, form, field) -> None:
        if field.data is not None and is_blank(field.data):
            raise ValidationError(self.message or _l("Please write a message."))


# embeddings, overrides (U+202A to U+202E) and isolates (U+2066 to U+2069): they can make a
# text read in another order than it was written ("txt.exe" shown as "exe.txt")
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def reveal_bidi_controls(value: str | None) -> str:
    """The text with each direction override or isolate shown as its code, e.g. [U+202E], so it
    reorders nothing and the reader sees it was there."""
    return BIDI_CONTROLS.sub(lambda match: f"[U+{ord(match.group()):04X}]", value or "")
