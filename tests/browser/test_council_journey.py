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


# --- the council's work: a proposal, a response, a decision published ----------------------------

RUNS = [("en", True), ("es", False)]


def send(page, button) -> None:
    """Press a button and wait for the next page."""
    with page.expect_navigation():
        button.click()


@pytest.mark.parametrize(("lang", "js"), RUNS, ids=[f"{lang}-{'js' if js else 'nojs'}" for lang, js in RUNS])
def test_staff_ask_the_council_a_member_responds_and_the_decision_is_published(
        new_page, logged_in, server, log_in, lang, js, t, check_accessibility):
    import datetime as dt
    import secrets

    member = server.make_account("council")
    staff, _ = logged_in("staff", lang=lang, js=js)
    # the roster: the invited account, the name the member asked for
    staff.goto("/staff/council")
    staff.get_by_label(t("Council account")).select_option(label=member.username)
    staff.get_by_label(t("Name the member wants used")).fill("Marisol")
    send(staff, staff.get_by_role("button", name=t("Add to the roster")))
    assert t("%(name)s is on the roster.", name="Marisol") in staff.locator(".flashes").inner_text()
    check_accessibility(staff)

    title = f"Evening hours {secrets.token_hex(2)}"
    staff.goto("/staff/council/proposals/new")
    staff.get_by_label(t("Title")).fill(title)
    staff.get_by_label(t("The question for the council")).fill("Should we stay open until 9 pm?")
    staff.get_by_label(t("Background")).fill("People told us they **work days**.")
    staff.get_by_label(t("Closes on")).fill((dt.date.today() + dt.timedelta(days=5)).isoformat())
    send(staff, staff.get_by_role("button", name=t("Save the draft")))
    send(staff, staff.get_by_role("button", name=t("Open to the council")))
    assert t("The proposal is open to the council.") in staff.locator(".flashes").inner_text()

    # the member logs in and lands on their own page, with the proposal and its closing date
    phone = new_page(lang=lang, js=js, viewport={"width": 320, "height": 640})
    log_in(phone, member)
    assert phone.url.endswith("/council/home")
    phone.get_by_role("heading", name=t("What the portal keeps about you")).wait_for()
    check_accessibility(phone)
    send(phone, phone.get_by_role("link", name=title))
    assert t("You will see the other responses once you have sent yours (or once the proposal "
             "closes), so that nobody's answer steers yours.") in phone.locator("main").inner_text()
    phone.get_by_label(t("Your position")).select_option("object")
    phone.get_by_label(t("Your comment")).fill("Mornings matter for the clinic.")
    phone.get_by_label(t("Show my response to staff and other members without my name")).check()
    send(phone, phone.get_by_role("button", name=t("Send my response")))
    assert "Mornings matter for the clinic." in phone.locator("main").inner_text()
    check_accessibility(phone)

    # the member describes themselves and makes one part public
    phone.goto("/council/profile")
    phone.locator("#text_about").fill("I came through the drop-in in 2019.")
    phone.locator("#vis_about").select_option("public")
    send(phone, phone.get_by_role("button", name=t("Save"), exact=True))
    assert t("Your page is saved.") in phone.locator(".flashes").inner_text()

    # staff read the response without the name, record the decision and publish it
    staff.goto("/staff/council/proposals")
    send(staff, staff.get_by_role("link", name=title))
    main = staff.locator("main").inner_text()
    assert t("A member (name withheld)") in main and "Marisol" not in main
    staff.get_by_label(t("Decision"), exact=True).fill("Open until 9 pm on Thursdays only.")
    staff.get_by_label(t("What the organisation will do")).fill("Two staff on each late shift.")
    send(staff, staff.get_by_role("button", name=t("Record the decision")))
    send(staff, staff.get_by_role("button", name=t("Publish as “you said, we did”")))
    check_accessibility(staff)

    visitor = new_page(lang=lang, js=js, viewport={"width": 320, "height": 640})
    visitor.goto("/council")
    public = visitor.locator("main").inner_text()
    assert "Open until 9 pm on Thursdays only." in public
    assert "I came through the drop-in in 2019." in public and "Marisol" not in public
    check_accessibility(visitor)
