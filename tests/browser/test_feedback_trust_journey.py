"""Three promises of anonymous feedback, clicked through: a complaint reaches only the people named
for complaints; a quote is published only once the person approves the exact text; the person
deletes their conversation with their code."""
from __future__ import annotations

import secrets

import pytest

pytestmark = pytest.mark.browser


def form_with(page, field: str):
    """The form on the page that holds the named field."""
    return page.locator(f"main form:has([name='{field}'])")


def click(page, locator) -> None:
    """Press a button or link and wait for the next page."""
    with page.expect_navigation():
        locator.click()


def leave_feedback(page, t, message: str, *, complaint: bool = False, quotable: bool = False) -> str:
    """The feedback form, as a person fills it in; returns the receipt."""
    page.goto("/feedback")
    form = form_with(page, "message")
    form.locator("[name=message]").fill(message)
    if complaint:
        form.get_by_label(t("Only the people we name to handle complaints")).check()
    if quotable:
        form.locator("[name=quotable]").check()
    click(page, form.get_by_role("button", name=t("Send feedback")))
    return page.locator(".receipt").inner_text().strip()


def open_conversation(page, t, receipt: str) -> None:
    page.goto("/feedback/status")
    form = form_with(page, "receipt")
    form.locator("[name=receipt]").fill(receipt)
    click(page, form.get_by_role("button", name=t("Show the conversation")))


def open_thread(staff, t, words: str) -> None:
    staff.goto("/staff/feedback")
    click(staff, staff.get_by_role("row").filter(has_text=words).get_by_role("link").first)


def test_a_complaint_reaches_only_the_people_named_for_complaints(page, t, variant, logged_in,
                                                                  server, check_accessibility):
    lang, js = variant
    admin, _ = logged_in("admin", lang=lang, js=js)
    named, named_account = logged_in("staff", lang=lang, js=js)
    other, _ = logged_in("staff", lang=lang, js=js)

    admin.goto("/staff/users")
    check_accessibility(admin)
    row = admin.get_by_role("row").filter(has_text=named_account.username)
    click(admin, row.get_by_role("button", name=t("Name for complaints")))
    assert t("yes") in admin.get_by_role("row").filter(has_text=named_account.username).inner_text()

    words = f"The man at the desk shouted at me {secrets.token_hex(3)}"
    page.goto("/feedback")
    # someone is named now: the form says the person complained about will not see it
    assert t("Choose the second answer if your feedback is about someone on our team: they will "
             "not see it.") in page.locator("main").inner_text()
    check_accessibility(page)
    leave_feedback(page, t, words, complaint=True)

    named.goto("/staff/feedback")
    assert words in named.locator("main").inner_text()
    open_thread(named, t, words)
    check_accessibility(named)
    assert t("Only the people named to handle complaints") in named.locator("main").inner_text()
    address = named.url

    for browser in (other, admin):
        browser.goto("/staff/feedback")
        assert words not in browser.locator("main").inner_text()
        answer = browser.goto(address)
        assert answer.status == 404 and words not in browser.content()


def test_a_quote_is_published_only_once_the_person_approves_it(page, t, variant, logged_in,
                                                                new_page, check_accessibility):
    lang, js = variant
    words = f"Maria at the desk asked for my ID in front of everyone {secrets.token_hex(3)}"
    receipt = leave_feedback(page, t, words, quotable=True)

    staff, _ = logged_in("staff", lang=lang, js=js)
    open_thread(staff, t, words)
    form = form_with(staff, "quote")
    # the proposal starts from the person's exact words, for staff to edit
    assert form.locator("[name=quote]").input_value() == words
    quote = f"I was asked for ID in front of everyone {secrets.token_hex(3)}"
    form.locator("[name=language]").select_option("en")
    form.locator("[name=quote]").fill(quote)
    form.locator("[name=quote_translation]").fill(f"Me pidieron la identificación {quote[-6:]}")
    form.locator("[name=action_taken]").fill("Nobody is asked for ID in the waiting room any more.")
    click(staff, form.get_by_role("button", name=t("Ask the person to approve it")))
    check_accessibility(staff)
    assert t("Waiting for the person to approve the text below. It is published only if they "
             "approve it.") in staff.locator("main").inner_text()

    reader = new_page(lang=lang, js=js)
    reader.goto("/feedback")
    assert quote not in reader.locator("main").inner_text()

    # the person reads the exact text on their conversation page, and approves it
    open_conversation(page, t, receipt)
    check_accessibility(page)
    shown = page.locator("main").inner_text()
    assert quote in shown and f"Me pidieron la identificación {quote[-6:]}" in shown
    click(page, page.get_by_role("button", name=t("Yes, publish this text")))
    reader.goto("/feedback")
    public = reader.locator("main").inner_text()
    if lang == "en":
        assert quote in public and words not in public
    else:
        assert f"Me pidieron la identificación {quote[-6:]}" in public and quote not in public

    # and takes it back: gone at once
    click(page, page.get_by_role("button", name=t("Do not quote me")))
    reader.reload()
    assert quote[-6:] not in reader.locator("main").inner_text()


def test_the_person_deletes_their_conversation_with_their_code(page, t, variant, logged_in,
                                                                check_accessibility):
    lang, js = variant
    words = f"Please forget what I wrote {secrets.token_hex(3)}"
    receipt = leave_feedback(page, t, words)
    open_conversation(page, t, receipt)
    click(page, page.get_by_role("button", name=t("Delete this conversation…")))
    # one question first, which works without JavaScript
    check_accessibility(page)
    assert page.get_by_role("heading", name=t("Delete your conversation?")).is_visible()
    click(page, page.get_by_role("button", name=t("No, keep it")))
    assert words in page.locator("main").inner_text()
    click(page, page.get_by_role("button", name=t("Delete this conversation…")))
    click(page, page.get_by_role("button", name=t("Yes, delete it for good")))
    check_accessibility(page)
    assert page.get_by_role("heading", name=t("Your conversation was deleted")).is_visible()
    assert words not in page.content()

    # the code opens nothing any more
    open_conversation(page, t, receipt)
    assert t("We could not find a conversation for that code. Check it and try again: it has 16 "
             "letters and numbers.") in page.locator("main").inner_text()

    staff, _ = logged_in("staff", lang=lang, js=js)
    staff.goto("/staff/feedback")
    listing = staff.locator("main").inner_text()
    assert t("Deleted by the person who wrote it.") in listing and words not in listing
