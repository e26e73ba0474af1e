"""Screenshots of the main public pages and the staff pages of accounts at 320 px and 1280 px, for
reviewers.

During the suite they go to a temporary folder, and the tests check that every picture can be made
(a PNG of the right width, a page that fits). To write them to docs/screenshots/ for reviewers:
    PORTAL_SCREENSHOT_DIR=docs/screenshots python -m pytest tests/browser/test_screenshots.py
The portal runs on its own fresh database with one sample conversation, fixed accounts and one
invitation not used yet. The receipt code, dates, second-factor key, its QR code and the recovery
codes are set to fixed sample values on the page before each picture (the form underneath keeps
the real ones), so the files only change when a page does.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import struct
import textwrap
from pathlib import Path

import pyotp
import pytest
from babel.dates import format_date

pytestmark = pytest.mark.browser
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
WIDTHS = [320, 1280]
SAMPLE_RECEIPT = "7KQM-3WXD-9TPR-HF2C"
SAMPLE_DAY = dt.date(2025, 3, 14)
CLIENT_WORDS = "The waiting room is cold in the mornings, and the drop-in could start earlier."
STAFF_WORDS = "Thank you for telling us. We have ordered a heater, and from April we open at 9."
SAMPLE_TOTP_KEY = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
SAMPLE_RECOVERY_CODES = ["3f9a1c-7be240", "a81d5e-02c7f9", "5c3b90-e6a4d1", "d27e04-9f1b68",
                         "0b6fa3-c45e72", "e94c18-3a0d5b", "71d2b6-f8e903", "c0a57e-1b92d4",
                         "48e1f0-6d7ca5", "9b3d27-e05a1f"]
SAMPLE_RECORD_ID = "4815162342"


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


def _second_factor_setup(page) -> str:
    """The set-up page of a staff member without a second factor; returns the real key."""
    page.goto("/account/two-factor")
    return page.locator("main code.totp-key").inner_text().replace(" ", "")


def _recovery_codes(page) -> None:
    """The second factor turned on with a code from the key shown: the recovery codes."""
    key = _second_factor_setup(page)
    page.locator("main #code").fill(pyotp.TOTP(key).now())
    with page.expect_navigation():
        page.locator("main form:has(#code) button[type=submit]").click()


# (file name, title in the index, who is logged in, how to get there); taken in this order, every
# language and width of one page before the next, so the accounts page is taken before any
# second factor is turned on
STAFF_PAGES = [
    ("staff-home", "Staff dashboard", "staff", lambda page: page.goto("/staff/")),
    ("accounts-invitation", "Accounts, with an invitation not used yet", "admin",
     lambda page: page.goto("/staff/users")),
    ("two-factor-setup", "Second factor set-up: QR code and key", "newcomer", _second_factor_setup),
    ("recovery-codes", "Second factor on: the recovery codes", "newcomer", _recovery_codes),
]


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
    """A portal of its own holding one published conversation with a staff reply, an admin (ana),
    two members of staff (sam, and lee without a second factor) and an invitation for rosa."""
    with start_portal(tmp_path_factory.mktemp("screenshots"), exit_site.url) as portal:
        from support.sealing import holding_the_key

        from portal.accounts.models import User
        from portal.feedback import service

        staff = portal.make_account("staff", username="sam")
        admin = portal.make_account("admin", username="ana")
        newcomer = portal.make_account("staff", totp=False, username="lee")

        def seed():
            from portal.accounts import service as accounts

            with portal.app.test_request_context():
                accounts.issue_link("invite", "staff", username="rosa",
                                    created_by=User.get_by_id(admin.id))
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
        portal.staff_accounts = {"staff": staff, "admin": admin, "newcomer": newcomer}
        yield portal


def _steady(page, lang: str) -> None:
    """Fixed receipt and dates, so a picture changes only when the page does."""
    day = format_date(SAMPLE_DAY, "long", locale=lang)
    page.evaluate("""([receipt, day]) => {
        document.querySelectorAll('.receipt').forEach(el => { el.textContent = receipt; });
        document.querySelectorAll('main time').forEach(el => { el.textContent = day; });
    }""", [SAMPLE_RECEIPT, day])


def _steady_staff(page, lang: str) -> None:
    """The sample key, a QR code holding it, sample recovery codes, record ids and day in place of
    the real ones, and the recent changes (all on the sample day) in a fixed order."""
    from portal.qr import qr_svg

    sample_day = format_date(SAMPLE_DAY, "medium", locale=lang)
    # (a regular expression, its replacement) for every text in the page's main part
    texts = [[r"\(\d{9,}\)", f"({SAMPLE_RECORD_ID})"]]  # records' random public ids
    # the dashboard writes days as text ("Waiting since 14 Mar 2025"), not in <time>
    texts += [[re.escape(format_date(day, "medium", locale=lang)), sample_day]
              for day in {dt.date.today(), dt.datetime.now(dt.UTC).date()}]
    page.evaluate("""([texts, codes]) => {
        const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) {
            for (const [pattern, sample] of texts) {
                const text = walker.currentNode.nodeValue;
                walker.currentNode.nodeValue = text.replace(new RegExp(pattern, 'g'), sample);
            }
        }
        document.querySelectorAll('main .recovery-codes code').forEach((el, i) => {
            el.textContent = codes[i];
        });
        // entries of one day come in the order of their random ids: put them in a fixed order
        document.querySelectorAll('main ul.audit').forEach(list => {
            [...list.children].sort((a, b) => a.textContent.localeCompare(b.textContent))
                .forEach(item => list.appendChild(item));
        });
    }""", [texts, SAMPLE_RECOVERY_CODES])
    address = page.locator("main details code")
    if address.count():
        sample = re.sub(r"secret=[A-Z2-7]+", f"secret={SAMPLE_TOTP_KEY}", address.text_content())
        page.evaluate("""([key, address, svg]) => {
            const label = document.querySelector('main .qr-box svg').getAttribute('aria-label');
            document.querySelector('main .qr-box').innerHTML = svg;
            document.querySelector('main .qr-box svg').setAttribute('aria-label', label);
            document.querySelector('main code.totp-key').textContent = key;
            document.querySelector('main details code').textContent = address;
        }""", [" ".join(textwrap.wrap(SAMPLE_TOTP_KEY, 4)), sample, str(qr_svg(sample, ""))])


def _turn_second_factor_off(portal, account) -> None:
    """Back to no second factor, so the next picture shows the set-up again."""
    from portal.accounts.models import RecoveryCode, User

    def reset():
        User.update(totp_enabled=False, totp_secret=None).where(User.id == account.id).execute()
        RecoveryCode.delete().where(RecoveryCode.user == account.id).execute()
    portal.run(reset)


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


def test_screenshots_of_staff_pages_can_be_made(sample_portal, new_page, log_in, scrolls_sideways,
                                                output):
    """The staff pages of accounts in each language and width; one login per person, the language
    chosen with ?lang= and the width with the window's size."""
    pages = {}
    for role, account in sample_portal.staff_accounts.items():
        pages[role] = new_page(lang="en", js=True, viewport={"width": WIDTHS[0], "height": 800},
                               portal=sample_portal)
        log_in(pages[role], account)
    for name, _, role, visit in STAFF_PAGES:
        page = pages[role]
        for lang in LANGUAGES:
            page.goto(f"/account?lang={lang}")
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 800})
                visit(page)
                assert page.locator("html").get_attribute("lang") == lang
                assert not scrolls_sideways(page), f"{name} scrolls sideways at {width} px"
                _steady(page, lang)
                _steady_staff(page, lang)
                picture = output / f"{name}-{lang}-{width}.png"
                page.screenshot(path=picture, full_page=True, animations="disabled", caret="hide")
                picture_width, picture_height = png_size(picture)
                assert picture_width == width and picture_height >= 300, (name, picture_width)
                if name == "recovery-codes":
                    _turn_second_factor_off(sample_portal, sample_portal.staff_accounts[role])
    write_index(output)


def write_index(output: Path) -> None:
    """docs/screenshots/README.md: the pictures side by side, narrow and wide."""
    lines = ["# Screenshots", "",
             "Generated by `PORTAL_SCREENSHOT_DIR=docs/screenshots python -m pytest "
             "tests/browser/test_screenshots.py`; do not edit by hand.", "",
             "Receipt codes, days, record numbers, the second-factor key with its QR code and the "
             "recovery codes are fixed sample values put on each page just before its picture (the "
             "forms underneath keep the real ones), so a file changes only when its page does. The "
             "staff pictures are taken after the public ones in the same run: the dashboard counts "
             "the sample conversation and the feedback those pictures sent.", ""]
    pages = [(name, title) for name, title, _ in PAGES] + [(name, title) for name, title, *_ in STAFF_PAGES]
    for lang, language in LANGUAGES.items():
        lines += [f"## {language}", "", "| page | 320 px | 1280 px |", "| --- | --- | --- |"]
        for name, title in pages:
            cells = [f"[<img src=\"{name}-{lang}-{width}.png\" width=\"{160 if width == 320 else 320}\" "
                     f"alt=\"{title}, {width} px wide\">]({name}-{lang}-{width}.png)" for width in WIDTHS]
            lines.append(f"| {title} | {' | '.join(cells)} |")
        lines.append("")
    (output / "README.md").write_text("\n".join(lines), encoding="utf-8")
