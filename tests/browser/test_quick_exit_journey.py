"""The quick exit: the first thing on every page, it leaves for another site without telling
that site where the visitor came from, and with JavaScript the back button does not bring the
portal back."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def start_writing_feedback(page, words: str) -> None:
    """A visitor on the home page, then half-way through the feedback form."""
    page.goto("/")
    page.goto("/feedback")
    page.locator("main form [name=message]").fill(words)


def test_quick_exit_leaves_the_site(page, server, variant, t, exit_site, check_accessibility):
    _, js = variant
    words = "Someone might be reading over my shoulder"
    start_writing_feedback(page, words)
    link = page.get_by_role("link", name=t("Leave this site"))
    assert link.is_visible()
    check_accessibility(page)

    seen_before = len(exit_site.seen)
    link.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == server.exit_url
    assert page.locator("#weather").is_visible()
    request = exit_site.seen[seen_before]
    assert "Referer" not in request, "the other site must not learn where the visitor came from"

    if not js:
        return
    # the feedback page was replaced in history; going back blanks the portal and leaves again
    page.go_back()
    page.wait_for_url(server.exit_url)
    assert words not in page.content()
    page.go_back()
    page.wait_for_url(lambda url: not url.startswith(server.url + "/feedback"))
    assert words not in page.content()


@pytest.mark.parametrize("lang", ["en", "es"])
def test_pressing_shift_three_times_leaves(new_page, server, lang):
    page = new_page(lang=lang, js=True)
    start_writing_feedback(page, "Quick, someone is coming")
    page.locator("main h1").click()
    with page.expect_navigation():
        for _ in range(3):
            page.keyboard.press("Shift")
    assert page.url == server.exit_url
    page.go_back()
    page.wait_for_url(server.exit_url)


def test_quick_exit_is_on_every_public_page_first(page, t):
    for path in ["/", "/feedback", "/feedback/status", "/login", "/no-such-page"]:
        page.goto(path)
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.id") == "quick-exit", "first in tab order"
        first_link = page.locator("body a").first
        assert first_link.get_attribute("id") == "quick-exit", path
        assert first_link.inner_text() == t("Leave this site")
        assert first_link.get_attribute("rel") == "noreferrer"
