"""A member of staff works on a conversation: keeps a private note the person never sees, changes a
reply in the minutes after sending it, and starts a reply from a template the team wrote (with
JavaScript the text goes straight into the box; without it the page comes back with it filled)."""
from __future__ import annotations

import secrets

import pytest
from test_feedback_journey import form_with, leave_feedback, send

pytestmark = pytest.mark.browser


def open_conversation(staff, t, words: str) -> None:
    """From the staff list to the conversation holding these words."""
    staff.goto("/staff/feedback")
    with staff.expect_navigation():
        staff.get_by_role("row").filter(has_text=words).get_by_role("link").first.click()


def read_as_client(page, receipt: str) -> str:
    page.goto("/feedback/status")
    form = form_with(page, "receipt")
    form.locator("[name=receipt]").fill(receipt)
    send(page, form)
    return page.locator("main").inner_text()


def test_notes_stay_with_the_team_replies_change_for_ten_minutes_and_templates_fill_the_box(
        page, t, variant, logged_in, check_accessibility):
    lang, js = variant
    words = f"The lockers do not close {secrets.token_hex(3)}"
    receipt = leave_feedback(page, t, check_accessibility, words)
    staff, _ = logged_in("staff", lang=lang, js=js)

    # a template the team wrote
    staff.goto("/staff/feedback/templates")
    check_accessibility(staff)
    template_text = f"Thank you for telling us {secrets.token_hex(3)}"
    form = form_with(staff, "title")
    title = f"Thanks {secrets.token_hex(2)}"
    form.locator("[name=title]").fill(title)
    form.locator("[name=body]").fill(template_text)
    send(staff, form)
    assert template_text in staff.locator("main").inner_text()

    # a private note, in its own labelled box
    open_conversation(staff, t, words)
    note = f"Check the lockers on floor two {secrets.token_hex(3)}"
    form = form_with(staff, "note")
    form.locator("[name=note]").fill(note)
    send(staff, form)
    box = staff.locator(".private-note").filter(has_text=note)
    assert t("Private note — the person never sees this") in box.inner_text()
    check_accessibility(staff)

    # the template goes into the reply box: at once with JavaScript, by reloading without it
    chooser = staff.locator("main form[data-templates]")
    chooser.locator("select").select_option(label=title)
    if js:
        chooser.locator("button").click()
    else:
        with staff.expect_navigation():
            chooser.locator("button").click()
    reply_box = staff.locator("#reply ~ form textarea[name=message]")
    assert reply_box.input_value().strip() == template_text
    send(staff, staff.locator("#reply ~ form:has(textarea[name=message])"))
    check_accessibility(staff)

    # the reply changes within its minutes, and the person reads the new text and never the note
    changed = f"{template_text}. The lockers are fixed on Monday."
    editor = staff.locator("main details.edit-reply").last
    editor.locator("summary").click()
    editor.locator("textarea").fill(changed)
    with staff.expect_navigation():
        editor.locator("form button[type=submit]").first.click()
    check_accessibility(staff)
    conversation = read_as_client(page, receipt)
    assert changed in conversation and words in conversation
    assert note not in conversation and t("Private note — the person never sees this") not in conversation
    check_accessibility(page)
