"""Screenshots of the main public pages at 320 px and 1280 px, for reviewers.

During the suite they go to a temporary folder, and the tests check that every picture can be made
(a PNG of the right width, a page that fits). To write them to docs/screenshots/ for reviewers:
    PORTAL_SCREENSHOT_DIR=docs/screenshots python -m pytest tests/browser/test_screenshots.py
The portal runs on its own fresh database with one sample conversation, and the receipt code and
dates are set to fixed values before each picture, so the files only change when a page does.
"""
from __future__ import annotations

import datetime as dt
import os
import struct
from pathlib import Path

import pytest
from babel.dates import format_date

pytestmark = pytest.mark.browser
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
WIDTHS = [320, 1280]
SAMPLE_RECEIPT = "7KQM-3WXD-9TPR-HF2C"
SAMPLE_DAY = dt.date(2025, 3, 14)
CLIENT_WORDS = "The waiting room is cold in the mornings, and the drop-in could start earlier."
STAFF_WORDS = "Thank you for telling us. We have ordered a heater, and from April we open at 9."


def _send_feedback(page) -> None:
    page.goto("/feedback")
    page.locator("main form [name=message]").fill(CLIENT_WORDS)
    with page.expect_navigation():
        page.locator("main form:has([name=message]) button[type=submit]").click()


def _read_reply(page, receipt: str) -> None:
    page.goto("/feedback/status")
    page.locator("main form [name=receipt]").fill(receipt)
    with page.expect_navigation():
        page.locator("main form:has([name=receipt]) button[type=submit]").click()


# (file name, title in the index, how to get there)
def _go(path: str):
    return lambda page, receipt: page.goto(path)


PAGES = [
    ("home", "Home", _go("/")),
    ("feedback", "Feedback form", _go("/feedback")),
    ("feedback-receipt", "After sending feedback: the receipt", lambda page, receipt: _send_feedback(page)),
    ("feedback-status", "Read our reply: enter the receipt", _go("/feedback/status")),
    ("feedback-conversation", "The conversation, with the staff reply", _read_reply),
    ("login", "Log in (staff and council)", _go("/login")),
]
LANGUAGES = {"en": "English", "es": "Español"}


@pytest.fixture(scope="module")
def output(tmp_path_factory) -> Path:
    """Where pictures go: $PORTAL_SCREENSHOT_DIR when asked for, else a throwaway folder."""
    chosen = os.environ.get("PORTAL_SCREENSHOT_DIR")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots-out")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's header (refusing anything that is not a PNG)."""
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_SIGNATURE and head[12:16] == b"IHDR", f"{path.name} is not a PNG"
    return struct.unpack(">II", head[16:24])


@pytest.fixture(scope="module")
def sample_portal(tmp_path_factory, exit_site, start_portal):
    """A portal of its own holding one published conversation with a staff reply."""
    with start_portal(tmp_path_factory.mktemp("screenshots"), exit_site.url) as portal:
        from support.sealing import holding_the_key

        from portal.accounts.models import User
        from portal.feedback import service

        staff = portal.make_account("staff", username="sam")

        def seed():
            receipt = service.submit_feedback(CLIENT_WORDS, "space", 4, True)
            thread = service.find_thread(receipt)
            with holding_the_key(portal.app, User.get_by_id(staff.id)):
                service.reply(User.get_by_id(staff.id), thread, STAFF_WORDS)
                service.propose_quote(User.get_by_id(staff.id), thread, service.Proposal(
                    quote="The waiting room is cold in the mornings.",
                    action="We bought a heater, and the drop-in now opens at 9.", language="en"))
            service.approve_quote(thread, receipt, service.proposal_digest(thread))
            return receipt
        portal.receipt = portal.run(seed)
        yield portal


def _steady(page, lang: str) -> None:
    """Fixed receipt and dates, so a picture changes only when the page does."""
    day = format_date(SAMPLE_DAY, "long", locale=lang)
    page.evaluate("""([receipt, day]) => {
        document.querySelectorAll('.receipt').forEach(el => { el.textContent = receipt; });
        document.querySelectorAll('main time').forEach(el => { el.textContent = day; });
    }""", [SAMPLE_RECEIPT, day])


def test_screenshots_of_public_pages_can_be_made(sample_portal, new_page, scrolls_sideways, output):
    """Every public page in each language and width, then the index that shows them side by side."""
    for lang in LANGUAGES:
        for width in WIDTHS:
            page = new_page(lang=lang, js=True, viewport={"width": width, "height": 800},
                            portal=sample_portal)
            for name, _, visit in PAGES:
                visit(page, sample_portal.receipt)
                assert page.locator("html").get_attribute("lang") == lang
                assert not scrolls_sideways(page), f"{name} scrolls sideways at {width} px"
                _steady(page, lang)
                picture = output / f"{name}-{lang}-{width}.png"
                page.screenshot(path=picture, full_page=True, animations="disabled", caret="hide")
                picture_width, picture_height = png_size(picture)
                assert picture_width == width and picture_height >= 300, (name, picture_width)
    write_index(output)


def write_index(output: Path) -> None:
    """docs/screenshots/README.md: the pictures side by side, narrow and wide."""
    lines = ["# Screenshots", "",
             "Generated by `PORTAL_SCREENSHOT_DIR=docs/screenshots python -m pytest "
             "tests/browser/test_screenshots.py`; do not edit by hand.", ""]
    for lang, language in LANGUAGES.items():
        lines += [f"## {language}", "", "| page | 320 px | 1280 px |", "| --- | --- | --- |"]
        for name, title, _ in PAGES:
            cells = [f"[<img src=\"{name}-{lang}-{width}.png\" width=\"{160 if width == 320 else 320}\" "
                     f"alt=\"{title}, {width} px wide\">]({name}-{lang}-{width}.png)" for width in WIDTHS]
            lines.append(f"| {title} | {' | '.join(cells)} |")
        lines.append("")
    (output / "README.md").write_text("\n".join(lines), encoding="utf-8")
