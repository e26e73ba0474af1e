"""Every public, council and staff page, in each state a visitor meets it (empty, with errors,
after sending), has no axe-core violation at WCAG 2.1 A and AA and fits a 320 px screen without
sideways scrolling, in English and in Spanish.

A new page is one more `Screen` in the SCREENS of its area's tests/<area>/rows.py;
test_every_page_is_checked fails until it is there.
"""
from __future__ import annotations

import pytest
from support.rows import gather_list, gather_set
from support.screens import Screen
from werkzeug.exceptions import MethodNotAllowed, NotFound

pytestmark = pytest.mark.browser
WIDE = {"width": 1280, "height": 800}
NARROW = {"width": 320, "height": 640}
# endpoints that answer with something other than a page
NOT_PAGES = {"static"} | gather_set("NOT_PAGES")


# every page of every area, in each state a visitor meets it (tests/<area>/rows.py)
SCREENS = gather_list("SCREENS")


def _endpoint_of(server, url: str) -> str | None:
    """The view that answered a URL on the portal (None when no route matches)."""
    path = url.removeprefix(server.url).split("#", 1)[0].split("?", 1)[0]
    adapter = server.app.url_map.bind("127.0.0.1")
    for method in ("GET", "POST"):
        try:
            return adapter.match(path, method=method)[0]
        except MethodNotAllowed:
            continue
        except NotFound:
            return None
    return None


def _open_as(screen: Screen, new_page, server, log_in, lang: str, viewport: dict):
    page = new_page(lang=lang, js=True, viewport=viewport)
    if screen.role:
        role = screen.role.removesuffix("-2fa")
        log_in(page, server.make_account(role, totp=True if screen.role.endswith("-2fa") else None))
    return page


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("screen", SCREENS, ids=lambda screen: screen.name)
def test_page_is_accessible_and_fits_a_small_screen(screen, lang, new_page, server, log_in,
                                                     check_accessibility, scrolls_sideways):
    # each page is checked wide in English and narrow in Spanish (the longer words), and
    # must never scroll sideways at 320 px in either language
    viewport = WIDE if lang == "en" else NARROW
    page = _open_as(screen, new_page, server, log_in, lang, viewport)
    screen.visit(page, server)
    assert _endpoint_of(server, page.url) == screen.endpoint, f"{screen.name} ended at {page.url}"
    assert page.locator("html").get_attribute("lang") == lang
    check_accessibility(page, f"({screen.name}, {lang}, {viewport['width']} px)")
    if viewport is WIDE:
        page.set_viewport_size(NARROW)
    assert not scrolls_sideways(page), f"{screen.name} scrolls sideways at 320 px ({lang}): " + page.evaluate(
        WIDEST_ELEMENTS)


WIDEST_ELEMENTS = """() => {
    const width = document.documentElement.clientWidth;
    const clipped = el => {
        for (let up = el.parentElement; up; up = up.parentElement) {
            if (getComputedStyle(up).overflowX !== 'visible') { return true; }
        }
        return false;
    };
    const wide = [...document.querySelectorAll('body *')]
        .filter(el => el.getBoundingClientRect().right > width + 0.5);
    const loose = wide.filter(el => !clipped(el));
    return (loose.length ? loose : wide).map(el => el.outerHTML.slice(0, 80)).slice(0, 5).join(' | ');
}"""


def test_every_page_is_checked(server):
    """A new page that no Screen visits fails here: add it to SCREENS."""
    checked = {screen.endpoint for screen in SCREENS}
    pages = {rule.endpoint for rule in server.app.url_map.iter_rules()
             if "GET" in rule.methods and rule.endpoint not in NOT_PAGES}
    assert pages <= checked, f"pages without an accessibility check: {sorted(pages - checked)}"


def test_stylesheet_colours_meet_contrast_aa():
    """Text and control colours from portal.css, including states axe cannot see (hover, focus)."""
    import re
    from pathlib import Path

    css = (Path(__file__).resolve().parents[2] / "static" / "css" / "portal.css").read_text()
    colours = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", css))
    colours["white"] = "#ffffff"
    pairs = [  # (text, background, minimum ratio)
        ("ink", "paper", 4.5), ("muted", "paper", 4.5), ("muted", "soft", 4.5),
        ("brand", "paper", 4.5), ("brand-dark", "paper", 4.5), ("brand-dark", "soft", 4.5),
        ("white", "brand", 4.5), ("white", "brand-dark", 4.5), ("white", "exit", 4.5),
        ("error", "paper", 4.5), ("ok", "paper", 4.5), ("ink", "focus", 4.5),
        # non-text: borders of inputs and the focus ring against the page (WCAG 1.4.11)
        ("ink", "paper", 3), ("focus", "ink", 3), ("line", "paper", 3),
    ]
    failures = [(a, b, round(_contrast(colours[a], colours[b]), 2)) for a, b, minimum in pairs
                if _contrast(colours[a], colours[b]) < minimum]
    assert not failures, failures


def _contrast(first: str, second: str) -> float:
    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
