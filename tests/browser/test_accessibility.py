"""Every public, council and staff page, in each state a visitor meets it (empty, with errors,
after sending), has no axe-core violation at WCAG 2.1 A and AA and fits a 320 px screen without
sideways scrolling, in English and in Spanish.

A new page is one more `Screen` in SCREENS; test_every_page_is_checked fails until it is there.
"""
from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

import pyotp
import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound

pytestmark = pytest.mark.browser
WIDE = {"width": 1280, "height": 800}
NARROW = {"width": 320, "height": 640}
# endpoints that answer with something other than a page
NOT_PAGES = {"static", "home.healthz", "feedback.staff_export"}


@dataclass(frozen=True)
class Screen:
    """A page in one state: who is logged in, and how to get there."""

    name: str
    endpoint: str | None
    role: str | None
    visit: Callable


def submit(page, selector: str = "main form button[type=submit]") -> None:
    """Send the (last matching) form on the page."""
    with page.expect_navigation():
        page.locator(selector).last.click()


def seed_thread(server, *, published: bool = False) -> tuple[str, int]:
    """A quotable feedback thread with a staff reply; returns (receipt, thread id)."""
    from support.sealing import holding_the_key

    from portal.accounts.models import User
    from portal.feedback import service

    staff = server.make_account("staff")

    def work():
        receipt = service.submit_feedback("The waiting room is cold in the mornings.", "space", 3, True)
        thread = service.find_thread(receipt)
        actor = User.get_by_id(staff.id)
        # a reply is sealed with the thread's key, which only a session holding the key opens
        with holding_the_key(server.app, actor):
            service.reply(actor, thread, "Thank you for telling us. We have ordered a heater.")
        if published:
            service.publish(actor, thread, "The waiting room is cold in the mornings.",
                            "We bought a heater for the waiting room.")
        return receipt, thread.id
    return server.run(work)


def new_link(server, purpose: str = "invite", role: str = "council", username: str | None = None) -> str:
    from portal.accounts import service

    name = username if username is not None else f"new-{secrets.token_hex(3)}"
    return server.run(lambda: service.issue_link(purpose, role, username=name or None))


def _password_step(page, server) -> None:
    account = server.make_account("staff", totp=True)
    page.goto("/login")
    page.locator("#username").fill(account.username)
    page.locator("#password").fill(account.password)
    submit(page)


def _verify_error(page, server) -> None:
    _password_step(page, server)
    page.locator("#code").fill("123")
    submit(page)


def _setup_error(page, server) -> None:
    page.goto(f"/account/setup?token={new_link(server)}")
    page.locator("#password").fill("short")
    page.locator("#confirm").fill("different")
    submit(page)


def _feedback_error(page, server) -> None:
    page.goto("/feedback")
    submit(page, "main form:has([name=message]) button[type=submit]")


def _receipt(page, server) -> None:
    page.goto("/feedback")
    page.locator("main form [name=message]").fill("The new evening hours are a big help.")
    submit(page, "main form:has([name=message]) button[type=submit]")


def _lookup(page, receipt: str) -> None:
    page.goto("/feedback/status")
    page.locator("main form [name=receipt]").fill(receipt)
    submit(page, "main form:has([name=receipt]) button[type=submit]")


def _thread(page, server) -> None:
    _lookup(page, seed_thread(server)[0])


def _thread_error(page, server) -> None:
    _thread(page, server)
    submit(page, "main form:has(textarea[name=message]) button[type=submit]")


def _wrong_current_password(page, server) -> None:
    page.goto("/account")
    page.locator("#current").fill("not my password at all")
    page.locator("#password").fill("a brand new kettle meadow")
    page.locator("#confirm").fill("a brand new kettle meadow")
    submit(page)


def _recovery_codes(page, server) -> None:
    page.goto("/account/two-factor")
    secret = page.locator("main .code-box code").first.inner_text().strip()
    page.locator("#code").fill(pyotp.TOTP(secret).now())
    submit(page)


def _staff_thread_error(page, server) -> None:
    page.goto(f"/staff/feedback/{seed_thread(server, published=True)[1]}")
    submit(page, "main form:has(textarea[name=message]) button[type=submit]")


def _invitation(page, server) -> None:
    page.goto("/staff/users")
    page.locator("#username").fill(f"invitee-{secrets.token_hex(3)}")
    submit(page, "main form:has(#username) button[type=submit]")


def _reset_link(page, server) -> None:
    server.make_account("council")
    page.goto("/staff/users")
    submit(page, "main form[action$='/reset'] button[type=submit]")


def _go(path: str) -> Callable:
    return lambda page, server: page.goto(path)


SCREENS = [
    # public
    Screen("home", "home.index", None, _go("/")),
    Screen("not-found", None, None, _go("/no-such-page")),
    Screen("login", "accounts.login", None, _go("/login")),
    Screen("login-errors", "accounts.login", None,
           lambda page, server: (page.goto("/login"), submit(page))),
    Screen("login-second-step", "accounts.login_verify", None, _password_step),
    Screen("login-second-step-errors", "accounts.login_verify", None, _verify_error),
    Screen("setup-first-admin", "accounts.setup", None,
           lambda page, server: page.goto(f"/account/setup?token={new_link(server, 'setup', 'admin', '')}")),
    Screen("setup-invited", "accounts.setup", None,
           lambda page, server: page.goto(f"/account/setup?token={new_link(server)}")),
    Screen("setup-errors", "accounts.setup", None, _setup_error),
    Screen("setup-link-used", "accounts.setup", None, _go("/account/setup?token=used-or-expired")),
    Screen("feedback", "feedback.form", None,
           lambda page, server: (seed_thread(server, published=True), page.goto("/feedback"))),
    Screen("feedback-errors", "feedback.form", None, _feedback_error),
    Screen("feedback-receipt", "feedback.form", None, _receipt),
    Screen("feedback-status", "feedback.status", None, _go("/feedback/status")),
    Screen("feedback-status-unknown", "feedback.status", None,
           lambda page, server: _lookup(page, "AAAA-BBBB-CCCC-DDDD")),
    Screen("feedback-thread", "feedback.status", None, _thread),
    Screen("feedback-thread-errors", "feedback.status", None, _thread_error),
    # council (what every logged-in person has)
    Screen("account", "accounts.account", "council", _go("/account")),
    Screen("account-errors", "accounts.account", "council", _wrong_current_password),
    Screen("two-factor-setup", "accounts.two_factor", "council", _go("/account/two-factor")),
    Screen("recovery-codes", "accounts.two_factor", "council", _recovery_codes),
    Screen("two-factor-on", "accounts.two_factor", "council-2fa", _go("/account/two-factor")),
    Screen("logout", "accounts.logout", "council", _go("/logout")),
    Screen("staff-only", "accounts.staff_home", "council", _go("/staff/")),
    # staff
    Screen("staff-home", "accounts.staff_home", "staff", _go("/staff/")),
    Screen("staff-feedback", "feedback.staff_list", "staff",
           lambda page, server: (seed_thread(server), page.goto("/staff/feedback"))),
    Screen("staff-feedback-thread", "feedback.staff_thread", "staff",
           lambda page, server: page.goto(f"/staff/feedback/{seed_thread(server, published=True)[1]}")),
    Screen("staff-feedback-thread-errors", "feedback.staff_reply", "staff", _staff_thread_error),
    # admin
    Screen("accounts", "accounts.users", "admin", _go("/staff/users")),
    Screen("accounts-invitation", "accounts.users", "admin", _invitation),
    Screen("accounts-reset-link", "accounts.user_action", "admin", _reset_link),
]


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
