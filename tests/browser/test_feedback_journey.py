"""A client leaves feedback and keeps the receipt; a staff member logs in (with a second factor)
and replies; the client comes back with the receipt, reads the reply and answers it."""
from __future__ import annotations

import re
import secrets

import pytest

pytestmark = pytest.mark.browser
RECEIPT = re.compile(r"^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$")


def form_with(page, field: str):
    """The form on the page that holds the named field."""
    return page.locator(f"main form:has([name='{field}'])")


def send(page, form) -> None:
    """Press the form's submit button and wait for the answer."""
    with page.expect_navigation():
        form.locator("button[type=submit]").last.click()


def leave_feedback(page, t, check_accessibility, message: str) -> str:
    """From the home page to a receipt; returns the receipt code."""
    page.goto("/")
    check_accessibility(page)
    with page.expect_navigation():
        page.get_by_role("navigation").get_by_role("link", name=t("Give feedback")).click()
    check_accessibility(page)
    form = form_with(page, "message")
    form.locator("[name=topic]").select_option("service")
    form.locator("[name=message]").fill(message)
    form.locator("[name=rating][value='4']").check()
    form.locator("[name=quotable]").check()
    send(page, form)
    check_accessibility(page)
    receipt = page.locator(".receipt").inner_text().strip()
    assert RECEIPT.match(receipt), receipt
    assert receipt not in page.url
    return receipt


def test_client_reads_the_staff_reply_with_the_receipt(page, t, variant, logged_in, check_accessibility):
    lang, js = variant
    words = f"The evening drop-in helped a lot {secrets.token_hex(3)}"
    receipt = leave_feedback(page, t, check_accessibility, words)
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("#quick-exit").inner_text() == t("Leave this site")

    # a staff member with a second factor answers, in their own browser
    staff, _ = logged_in("staff", totp=True, lang=lang, js=js)
    check_accessibility(staff)
    with staff.expect_navigation():
        staff.locator("main").get_by_role("link", name=t("Feedback"), exact=True).click()
    check_accessibility(staff)
    with staff.expect_navigation():
        staff.get_by_role("row").filter(has_text=words).get_by_role("link").first.click()
    check_accessibility(staff)
    reply = f"Thank you, we will keep the evening hours {secrets.token_hex(3)}"
    # the reply box (the page also has a box for redacting the person's message)
    form = staff.locator("main form:has(#message)")
    form.locator("#message").fill(reply)
    send(staff, form)
    assert reply in staff.locator("main").inner_text()
    check_accessibility(staff)

    # later, the client types the receipt in lower case without dashes: still accepted
    page.goto("/feedback")
    with page.expect_navigation():
        page.locator("main").get_by_role("link", name=t("Read our reply")).first.click()
    check_accessibility(page)
    form = form_with(page, "receipt")
    form.locator("[name=receipt]").fill(receipt.lower().replace("-", ""))
    send(page, form)
    check_accessibility(page)
    conversation = page.locator("main").inner_text()
    assert words in conversation
    assert reply in conversation
    assert receipt not in page.url

    follow_up = f"Could the hours start earlier? {secrets.token_hex(3)}"
    form = form_with(page, "message")
    form.locator("[name=message]").fill(follow_up)
    send(page, form)
    assert follow_up in page.locator("main").inner_text()
    check_accessibility(page)

    staff.reload()
    assert follow_up in staff.locator("main").inner_text()


def test_an_empty_message_comes_back_with_the_choices_kept(page, t, check_accessibility):
    page.goto("/feedback")
    form = form_with(page, "message")
    form.locator("[name=topic]").select_option("space")
    form.locator("[name=rating][value='2']").check()
    send(page, form)
    check_accessibility(page)
    summary = page.locator(".error-summary")
    assert t("Please check the form") in summary.inner_text()
    form = form_with(page, "message")
    assert form.locator("[name=topic]").input_value() == "space"
    assert form.locator("[name=rating][value='2']").is_checked()
    assert form.locator("[name=message]").get_attribute("aria-invalid") == "true"
    # the summary's link leads to the field
    summary.get_by_role("link").first.click()
    assert page.url.endswith("#message")


def test_keyboard_alone_completes_the_feedback_form(page, check_accessibility):
    page.goto("/feedback")
    page.keyboard.press("Tab")
    assert _focused(page, "#quick-exit"), "the quick exit is the first stop"
    page.keyboard.press("Tab")
    assert _focused(page, ".skip-link")
    page.keyboard.press("Enter")

    _tab_to(page, "[name=topic]")
    page.keyboard.press("ArrowDown")
    assert page.locator("[name=topic]").input_value() != ""
    _tab_to(page, "[name=message]")
    page.keyboard.type("Typed with the keyboard alone.")
    _tab_to(page, "[name=rating]")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert page.locator("[name=rating]:checked").count() == 1
    _tab_to(page, "[name=quotable]")
    page.keyboard.press("Space")
    assert page.locator("[name=quotable]").is_checked()
    _tab_to(page, "main form:has([name=message]) button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert RECEIPT.match(page.locator(".receipt").inner_text().strip())
    check_accessibility(page)


def _focused(page, selector: str) -> bool:
    return page.evaluate("s => document.activeElement.matches(s)", selector)


def _tab_to(page, selector: str, limit: int = 30) -> None:
    """Press Tab until an element matching the selector has focus; every stop on the way must
    show a focus indicator and must never be the hidden honeypot field."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        state = page.evaluate("""s => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return {name: el.getAttribute('name'), html: el.outerHTML.slice(0, 120),
                    outline: style.outlineStyle, shadow: style.boxShadow, matches: el.matches(s)};
        }""", selector)
        assert state["name"] != "website", "the honeypot must not take focus"
        assert state["outline"] != "none" or state["shadow"] != "none", f"no visible focus: {state}"
        if state["matches"]:
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_staff_member_logs_in_with_a_second_factor(new_page, server, variant, t, check_accessibility):
    language, js = variant
    account = server.make_account("staff", totp=True)
    page = new_page(lang=language, js=js)
    page.goto("/login")
    page.get_by_label(t("User name")).fill(account.username)
    page.get_by_label(t("Password")).fill(account.password)
    with page.expect_navigation():
        page.get_by_role("button", name=t("Log in")).click()
    assert page.url.endswith("/login/verify")
    check_accessibility(page)
    code_field = page.get_by_label(t("Code from your authenticator app, or a recovery code"))
    code_field.fill("000000")
    with page.expect_navigation():
        page.get_by_role("button", name=t("Continue")).click()
    assert t("That code did not work. Codes change every 30 seconds.") in page.locator("main").inner_text()
    check_accessibility(page)
    code_field.fill(account.totp_code())
    with page.expect_navigation():
        page.get_by_role("button", name=t("Continue")).click()
    assert page.url.endswith("/staff/")
    page.get_by_role("heading", name=t("Staff area")).wait_for()
