"""What keeps a client safe while they write: the quick exit stays in view on a phone, ordinary
typing never sets it off, Back after leaving does not bring the portal back, a half-typed message
is not restored from history, and Reload on the receipt never sends twice."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 568}


def exit_is_in_view(page) -> bool:
    """The quick exit is on screen and nothing covers its middle."""
    return page.evaluate("""() => {
        const link = document.getElementById("quick-exit");
        const box = link.getBoundingClientRect();
        if (box.top < 0 || box.bottom > window.innerHeight || box.height === 0) return false;
        const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
        return hit === link || link.contains(hit);
    }""")


@pytest.mark.parametrize("js", [True, False])
def test_the_quick_exit_stays_in_view_at_320_px(new_page, server, js):
    page = new_page(js=js, viewport=NARROW)
    page.goto("/feedback")
    assert exit_is_in_view(page)
    send = page.locator("main form button[type=submit]").first
    send.scroll_into_view_if_needed()
    assert send.is_visible()
    assert exit_is_in_view(page), "the exit is still on screen beside the Send button"
    page.locator("main form [name=message]").focus()
    assert exit_is_in_view(page)
    # what the keyboard reaches is not hidden under the bar
    page.keyboard.press("Tab")
    covered = page.evaluate("""() => {
        const el = document.activeElement, bar = document.getElementById("quick-exit");
        return el.getBoundingClientRect().top < bar.getBoundingClientRect().bottom - 1;
    }""")
    assert not covered


def test_typing_a_sentence_with_capitals_does_not_leave(new_page, server):
    page = new_page(js=True)
    page.goto("/feedback")
    box = page.locator("main form [name=message]")
    box.click()
    sentence = "I Went To The Centre On Monday And Tuesday With Ana And Bea"
    for ch in sentence:
        if ch.isupper():
            page.keyboard.down("Shift")
            page.keyboard.press(ch)
            page.keyboard.up("Shift")
        else:
            page.keyboard.press(ch if ch != " " else "Space")
    page.wait_for_timeout(300)
    assert page.url.startswith(server.url), "typing capitals must not trigger the exit"
    assert box.input_value() == sentence


def test_shift_three_times_after_typing_still_leaves(new_page, server):
    page = new_page(js=True)
    page.goto("/feedback")
    page.locator("main form [name=message]").click()
    page.keyboard.type("Hello")
    with page.expect_navigation():
        for _ in range(3):
            page.keyboard.press("Shift")
    assert page.url == server.exit_url


def test_the_shift_hint_shows_only_where_there_is_a_keyboard(browser, server):
    desktop = browser.new_context(base_url=server.url, viewport={"width": 1024, "height": 700})
    phone = browser.new_context(base_url=server.url, viewport=NARROW, is_mobile=True, has_touch=True)
    try:
        hint = "Or press Shift three times."
        page = desktop.new_page()
        page.goto("/feedback")
        assert page.get_by_text(hint).is_visible()
        page = phone.new_page()
        cdp = phone.new_cdp_session(page)
        cdp.send("Emulation.setEmulatedMedia", {"features": [
            {"name": "pointer", "value": "coarse"}, {"name": "hover", "value": "none"}]})
        page.goto("/feedback")
        assert page.evaluate("() => matchMedia('(pointer: coarse)').matches")
        assert not page.get_by_text(hint).is_visible()
    finally:
        desktop.close()
        phone.close()


def test_back_after_leaving_never_shows_the_portal_again(new_page, server):
    page = new_page(js=True)
    page.goto("/")
    page.goto("/feedback/status")
    page.goto("/feedback")
    page.locator("main form [name=message]").fill("Do not let anyone see this")
    with page.expect_navigation():
        page.get_by_role("link", name="Leave this site").click()
    assert page.url == server.exit_url
    for _ in range(3):
        page.go_back()
        page.wait_for_load_state()
        page.wait_for_timeout(200)
        assert not page.url.startswith(server.url) or page.evaluate(
            "() => document.documentElement.classList.contains('exiting')"), page.url
        assert "Do not let anyone see this" not in page.content()


def test_coming_back_on_purpose_later_shows_the_portal(new_page, server):
    page = new_page(js=True)
    page.goto("/feedback")
    with page.expect_navigation():
        page.get_by_role("link", name="Leave this site").click()
    page.goto("/feedback")
    page.wait_for_timeout(200)
    assert page.url.startswith(server.url + "/feedback")
    assert page.locator("main h1").is_visible()


def test_without_javascript_back_does_not_restore_the_half_typed_message(new_page, server):
    page = new_page(js=False)
    page.goto("/feedback")
    page.locator("main form [name=message]").fill("Half a message about my manager")
    with page.expect_navigation():
        page.get_by_role("link", name="Leave this site").click()
    page.go_back()
    page.wait_for_load_state()
    assert page.locator("main form [name=message]").input_value() == ""


@pytest.mark.parametrize("js", [True, False])
def test_reload_on_the_receipt_does_not_send_twice(new_page, server, js):
    from portal.feedback.models import FeedbackThread

    before = server.run(lambda: FeedbackThread.select().count())
    page = new_page(js=js)
    page.goto("/feedback")
    page.locator("main form [name=message]").fill("Please open on Sundays.")
    with page.expect_navigation():
        page.get_by_role("button", name="Send feedback").click()
    first = page.locator("#receipt").inner_text()
    assert first
    with page.expect_navigation():
        page.reload()
    assert page.get_by_role("heading", name="Already sent").is_visible()
    assert page.locator("#receipt").count() == 0
    assert server.run(lambda: FeedbackThread.select().count()) == before + 1


def send_feedback(page, words: str = "The showers were cold again.") -> str:
    page.goto("/feedback")
    page.locator("main form [name=message]").fill(words)
    with page.expect_navigation():
        page.get_by_role("button", name="Send feedback").click()
    return page.locator("#receipt").inner_text()


def test_the_receipt_can_be_copied_and_prints_only_the_code(new_page, server):
    page = new_page(js=True)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    code = send_feedback(page)
    page.get_by_role("button", name="Copy the code").click()
    page.get_by_role("status").filter(has_text="Copied.").wait_for()
    assert page.evaluate("() => navigator.clipboard.readText()") == code
    page.emulate_media(media="print")
    printed = page.locator("body").inner_text()
    assert code in printed
    assert "Community Services" not in printed
    assert "We have your message" not in printed
    assert "Read our reply" in printed, "how to use it is printed"
    page.emulate_media(media="screen")


def test_without_javascript_the_receipt_offers_the_download_and_no_dead_buttons(new_page, server):
    page = new_page(js=False)
    send_feedback(page)
    assert not page.get_by_role("button", name="Copy the code").is_visible()
    assert not page.get_by_role("button", name="Print the code").is_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the code as a text file").click()
    assert download.value.suggested_filename == "code.txt"


def test_a_kiosk_clears_the_screen_after_two_idle_minutes(new_page, server):
    page = new_page(js=True)
    page.clock.install()
    page.goto("/kiosk")
    with page.expect_navigation():
        page.get_by_role("button", name="Turn kiosk mode on for this device").click()
    page.goto("/feedback")
    page.locator("main form [name=message]").fill("Half written on the tablet")
    page.clock.fast_forward("01:30")
    assert page.url.endswith("/feedback"), "still in use after 90 seconds"
    page.locator("main form [name=message]").press("End")
    page.clock.fast_forward("01:30")
    assert page.url.endswith("/feedback"), "a key press starts the two minutes again"
    with page.expect_navigation():
        page.clock.fast_forward("01:00")
    page.wait_for_url(server.url + "/")
    assert "Half written" not in page.content()


def test_a_kiosk_receipt_clears_for_the_next_person(new_page, server):
    page = new_page(js=False)
    page.goto("/kiosk")
    with page.expect_navigation():
        page.get_by_role("button", name="Turn kiosk mode on for this device").click()
    send_feedback(page)
    assert page.get_by_role("button", name="Download the code as a text file").count() == 0
    with page.expect_navigation():
        page.get_by_role("link", name="I have written it down: clear the screen").click()
    assert page.url == server.url + "/"
    names = {cookie["name"] for cookie in page.context.cookies()}
    assert "session" not in names and "portal_kiosk" in names
