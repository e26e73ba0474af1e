"""Choosing a language: a link on every page, kept in a cookie that holds only the language; with
no choice, the browser's language decides."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_visitor_switches_to_spanish_and_back(new_page, js, check_accessibility):
    page = new_page(lang="en", js=js)
    page.goto("/feedback")
    assert page.locator("html").get_attribute("lang") == "en"
    with page.expect_navigation():
        page.get_by_role("link", name="Español").click()
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.url.endswith("/feedback?lang=es")
    page.get_by_role("link", name="Salir de este sitio").wait_for()
    check_accessibility(page)

    # the choice is remembered on the next page, with nothing else in the cookie
    with page.expect_navigation():
        page.get_by_role("link", name="Inicio").click()
    assert page.locator("html").get_attribute("lang") == "es"
    language_cookies = [c for c in page.context.cookies() if c["name"] == "lang"]
    assert [(c["value"], c["httpOnly"], c["sameSite"]) for c in language_cookies] == [("es", True, "Lax")]
    assert {c["name"] for c in page.context.cookies()} <= {"lang", "session"}

    with page.expect_navigation():
        page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("link", name="Leave this site").wait_for()


def test_spanish_browser_gets_spanish_without_choosing(new_page, check_accessibility):
    page = new_page(lang="es", js=False)
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "es"
    english = page.get_by_role("link", name="English")
    assert english.get_attribute("lang") == "en" and english.get_attribute("hreflang") == "en"
    assert not page.context.cookies(), "no cookie until someone chooses"
    check_accessibility(page)


def test_switching_language_keeps_a_one_time_link_working(new_page, server, check_accessibility):
    from portal.accounts import service

    token = server.run(lambda: service.issue_link("invite", "council", username="newmember"))
    page = new_page(lang="en", js=False)
    page.goto(f"/account/setup?token={token}")
    with page.expect_navigation():
        page.get_by_role("link", name="Español").click()
    page.get_by_role("heading", name="Elige tu contraseña").wait_for()
    check_accessibility(page)
