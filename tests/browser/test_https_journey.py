"""Chromium over HTTPS: a client sends feedback, reads the receipt and looks it up; a staff
member logs in with a second factor. Served by gunicorn with TLS, and behind a proxy that
terminates TLS and says `X-Forwarded-Proto: https`."""
from __future__ import annotations

import re
import secrets

import pytest
from support.servers import https_portal

pytestmark = pytest.mark.browser
RECEIPT = re.compile(r"^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$")


@pytest.fixture(scope="module", params=["gunicorn-tls", "behind-a-proxy"])
def portal(request, tmp_path_factory, browser):
    """The portal over HTTPS, one way or the other (Chromium is checked for first)."""
    with https_portal(tmp_path_factory.mktemp(request.param), request.param == "behind-a-proxy") as live:
        yield live


@pytest.fixture
def open_page(browser, portal):
    """A fresh browser context on the HTTPS portal, accepting its self-signed certificate."""
    contexts = []

    def _open():
        context = browser.new_context(ignore_https_errors=True, base_url=portal.url, locale="en-GB")
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield _open
    for context in contexts:
        context.close()


def submit(page, form) -> int:
    """Press the form's button; the status of the page it leads to."""
    with page.expect_navigation() as navigation:
        form.locator("button[type=submit]").last.click()
    return navigation.value.status


def test_feedback_round_trip_over_https(open_page, portal):
    page = open_page()
    page.goto("/feedback")
    words = f"Sent from a phone over HTTPS {secrets.token_hex(3)}"
    form = page.locator("main form:has([name=message])")
    form.locator("[name=message]").fill(words)
    assert submit(page, form) == 200, page.locator("main").inner_text()
    receipt = page.locator(".receipt").inner_text().strip()
    assert RECEIPT.match(receipt)

    page.goto("/feedback/status")
    form = page.locator("main form:has([name=receipt])")
    form.locator("[name=receipt]").fill(receipt)
    assert submit(page, form) == 200
    assert words in page.locator("main").inner_text()


def test_staff_log_in_with_a_second_factor_over_https(open_page, portal):
    account = portal.make_account("staff", totp=True)
    page = open_page()
    page.goto("/login")
    page.locator("#username").fill(account["username"])
    page.locator("#password").fill(account["password"])
    assert submit(page, page.locator("main form")) == 200
    assert page.url.endswith("/login/verify"), page.locator("main").inner_text()
    page.locator("#code").fill(account["totp"].now())
    assert submit(page, page.locator("main form")) == 200
    assert page.url.endswith("/staff/"), page.locator("main").inner_text()
    cookies = page.context.cookies()
    session = [cookie for cookie in cookies if cookie["name"] == "__Host-session"]
    assert session and session[0]["secure"]
    # the session holds: a staff page opens without another login
    page.goto("/staff/feedback")
    assert "/login" not in page.url
