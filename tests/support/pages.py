"""Checks on rendered HTML: nothing a visitor typed may turn into markup or script."""
from __future__ import annotations

import re
from html.parser import HTMLParser

from markupsafe import escape

DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "base", "frame", "frameset", "applet"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")
INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


class _Markup(HTMLParser):
    """Collects the tags and attributes of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)
        self._in_script = tag == "script"

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append(f"inline script: {data[:60]!r}")

    def _check(self, tag, attrs):
        attributes = dict(attrs)
        if tag in DANGEROUS_TAGS:
            source = attributes.get("src") or ""
            if not (tag == "script" and source.startswith("/static/")):
                self.problems.append(f"<{tag}> {attributes!r}")
        if tag == "meta" and (attributes.get("http-equiv") or "").lower() == "refresh":
            self.problems.append("meta refresh")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name}= on <{tag}>")
            if name in URL_ATTRIBUTES and value:
                plain = INVISIBLE.sub("", value).lower()
                # the layout's own icon is an inline SVG image, never text anyone typed
                own_icon = tag == "link" and attributes.get("rel") == "icon" and plain.startswith(
                    "data:image/svg+xml,")
                if plain.startswith(BAD_SCHEMES) and not own_icon:
                    self.problems.append(f"{name}={value[:60]!r} on <{tag}>")


def unsafe_markup(html: str) -> list[str]:
    """Script, event handlers, dangerous elements and script: links found in a page."""
    parser = _Markup()
    parser.feed(html)
    parser.close()
    return parser.problems


def shows_unescaped(html: str, value: str, baseline: str = "") -> bool:
    """True when text that needs escaping appears raw in a page (and not already in the baseline)."""
    if len(value) < 8 or str(escape(value)) == value or not re.search(r"<[A-Za-z/!]", value):
        return False
    return value in html and value not in baseline


HEADING = re.compile(r"<h([1-6])[\s>]")


def skipped_heading_levels(html: str) -> list[str]:
    """Where a page's headings go down more than one level at once (an h1, then an h3): a screen
    reader's list of headings then suggests a missing section (axe and Lighthouse: heading-order)."""
    found, before = [], 0
    for match in HEADING.finditer(html):
        level = int(match.group(1))
        if before and level > before + 1:
            found.append(f"h{before} then h{level}")
        before = level
    return found
