"""A council member finds the login from the home page, logs in, sees their account, and logs out
with the button in the navigation."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_council_member_logs_in_and_out(page, server, t, check_accessibility):
    member = server.make_account("council")
    page.goto("/")
    with page.expect_navigation():
        page.get_by_role("link", name=t("Staff and council log in")).click()
    check_accessibility(page)
    page.get_by_label(t("User name")).fill(member.username)
    page.get_by_label(t("Password")).fill(member.password)
    with page.expect_navigation():
        page.get_by_role("button", name=t("Log in")).click()

    nav = page.get_by_role("navigation", name=t("Main"))
    assert nav.get_by_role("button", name=t("Log out")).is_visible()
    assert nav.get_by_role("link", name=t("Staff"), exact=True).count() == 0, "council is not staff"
    check_accessibility(page)
    with page.expect_navigation():
        nav.get_by_role("link", name=t("Account")).click()
    page.get_by_role("heading", name=t("Your account")).wait_for()
    assert member.username in page.locator("main").inner_text()
    check_accessibility(page)

    with page.expect_navigation():
        nav.get_by_role("button", name=t("Log out")).click()
    assert page.get_by_text(t("You are logged out.")).is_visible()
    assert nav.get_by_role("button", name=t("Log out")).count() == 0
    check_accessibility(page)

    # the account page now asks for a login again
    page.goto("/account")
    assert "/login" in page.url
    page.get_by_role("heading", name=t("Log in")).wait_for()


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(page, server, t,
                                                                      check_accessibility):
    member = server.make_account("council")
    page.goto("/login")
    page.get_by_label(t("User name")).fill(member.username)
    page.get_by_label(t("Password")).fill("not-the-password-at-all")
    with page.expect_navigation():
        page.get_by_role("button", name=t("Log in")).click()
    assert t("That user name and password do not match an active account.") in page.locator(
        ".error-summary").inner_text()
    assert page.get_by_label(t("User name")).input_value() == member.username
    assert page.get_by_label(t("Password")).input_value() == ""
    check_accessibility(page)
