"""A staff member records a story with the storyteller's consent, prints the receipt and uses the
story in a channel it allows (with the chosen name, never the real one); the storyteller, on a
320 px phone, opens their story with the code, sees where it was used and withdraws it from the
website; the staff member finds the takedown task and marks it done. With and without JavaScript,
in English and Spanish."""
from __future__ import annotations

import re
import secrets

import pytest

pytestmark = pytest.mark.browser
CODE = re.compile(r"^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$")
NARROW = {"width": 320, "height": 640}


def send(page, button) -> None:
    """Press a button and wait for the next page."""
    with page.expect_navigation():
        button.click()


def record_story(staff, t, title: str) -> str:
    """Through the consent form: a pseudonymous story for the website (no photo) and funder
    reports; returns the withdrawal code on the receipt."""
    staff.goto("/staff/stories")
    send(staff, staff.locator("main").get_by_role("link", name=t("Record a story")))
    assert t("Sharing your story, or not sharing it, never changes the services you receive from us. "
             "You can say no, say yes to some uses only, or change your mind at any time.") \
        in staff.locator(".guarantee").inner_text()
    staff.get_by_label(t("Title"), exact=True).fill(title)
    staff.get_by_label(t("The story"), exact=True).fill("Maria Lopez came here first for a shower. "
                                                        "She stayed for the people.")
    staff.get_by_label(t("A name they chose (a pseudonym)")).check()
    staff.get_by_label(t("Pseudonym or initials they chose")).fill("Rosa")
    staff.get_by_label(t("Real name, as they gave it"), exact=True).fill("Maria Lopez")
    staff.get_by_label(t("The organisation's website"), exact=True).check()
    staff.get_by_label(t("Conditions for “%(channel)s”", channel=t("The organisation's website"))).fill(
        "No photo.")
    staff.get_by_label(t("Funder and grant reports"), exact=True).check()
    send(staff, staff.get_by_role("button", name=t("Record the story and print the receipt")))
    code = staff.locator(".receipt").inner_text().strip()
    assert CODE.match(code), code
    assert code not in staff.url
    receipt = staff.locator("main").inner_text()
    assert "Rosa" in receipt and "Maria" not in receipt and "No photo." in receipt
    return code


@pytest.mark.parametrize(("lang", "js"), [("en", True), ("en", False), ("es", False), ("es", True)],
                         ids=["en-js", "en-nojs", "es-nojs", "es-js"])
def test_staff_record_and_use_a_story_the_storyteller_withdraws_it_and_staff_take_it_down(
        new_page, logged_in, lang, js, t, check_accessibility, scrolls_sideways):
    token = secrets.token_hex(3)
    title = f"Staying for the people {token}"
    place = f"https://example.org/stories/rosa-{token}"
    staff, _ = logged_in("staff", lang=lang, js=js)
    code = record_story(staff, t, title)
    check_accessibility(staff)

    # the receipt prints without the site's navigation or buttons
    staff.emulate_media(media="print")
    assert not staff.locator(".site-header nav").is_visible()
    assert staff.locator(".receipt").is_visible()
    staff.emulate_media(media="screen")

    # use it on the website: refused until the condition is confirmed, then shown with the pseudonym
    send(staff, staff.get_by_role("link", name=t("Back to the story")))
    check_accessibility(staff)
    staff.get_by_label(t("Channel"), exact=True).select_option("website")
    staff.get_by_label(t("What it is for")).fill("Stories page")
    staff.get_by_label(t("Where it will appear")).fill(place)
    send(staff, staff.get_by_role("button", name=t("Use it and show the text")))
    assert t("This channel has conditions. Confirm that this use respects them.") in \
        staff.locator(".error-summary").inner_text()
    check_accessibility(staff)
    staff.get_by_label(t("This use respects the conditions the storyteller set for this channel")).check()
    send(staff, staff.get_by_role("button", name=t("Use it and show the text")))
    story = staff.locator(".story-export").inner_text()
    assert "— Rosa" in story and "Maria" not in story and "Lopez" not in story
    check_accessibility(staff)

    # the storyteller, on a phone, without an account
    phone = new_page(lang=lang, js=js, viewport=NARROW)
    phone.goto("/stories/withdraw")
    check_accessibility(phone)
    assert not scrolls_sideways(phone)
    phone.get_by_label(t("Your withdrawal code")).fill("0000 0000 0000 0000")
    send(phone, phone.get_by_role("button", name=t("Open my story")))
    assert title not in phone.locator("main").inner_text()
    phone.get_by_label(t("Your withdrawal code")).fill(code.lower().replace("-", " "))
    send(phone, phone.get_by_role("button", name=t("Open my story")))
    page_text = phone.locator("main").inner_text()
    assert title in page_text and place in page_text
    check_accessibility(phone)
    assert not scrolls_sideways(phone)
    phone.get_by_label(t("The organisation's website"), exact=True).check()
    send(phone, phone.get_by_role("button", name=t("Withdraw"), exact=True))
    assert t("Done. We will not use your story in these ways again, starting now.") in \
        phone.locator("main").inner_text()
    check_accessibility(phone)
    assert not scrolls_sideways(phone)

    # at once: the website is no longer offered, and a takedown task waits
    staff.goto("/staff/stories/takedowns")
    task = staff.locator(".takedown").filter(has_text=place)
    assert t("Remove it from the website page: %(place)s", place=place) \
        in task.inner_text()
    check_accessibility(staff)
    send(staff, task.get_by_role("button", name=t("Mark as done")))
    assert t("Takedown marked as done.") in staff.locator(".flashes").inner_text()
