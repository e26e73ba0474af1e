"""A member of staff records a federal grant with its restriction, a law enforcement partnership and
a service the restriction limits, writes the statement and publishes it; a visitor on a phone
finds it from the home page, reads who pays, what the funder's terms say and where else to go,
then, after staff publish a second statement, reads what changed in the history."""
from __future__ import annotations

import secrets

import pytest

pytestmark = pytest.mark.browser
NARROW = {"width": 320, "height": 640}


def send(page, form) -> None:
    """Press the form's submit button and wait for the answer."""
    with page.expect_navigation():
        form.locator("button[type=submit]").last.click()


def form_with(page, field: str):
    return page.locator(f"main form:has([name='{field}'])")


def follow(page, name: str) -> None:
    with page.expect_navigation():
        page.locator("main").get_by_role("link", name=name, exact=True).first.click()


def test_staff_publish_and_a_visitor_reads_the_statement(page, t, variant, logged_in,
                                                         check_accessibility, scrolls_sideways):
    lang, js = variant
    tag = secrets.token_hex(3)
    funder = f"Office for Victims of Crime {tag}"
    staff, _ = logged_in("staff", lang=lang, js=js)

    # staff: from the staff area to the transparency pages
    with staff.expect_navigation():
        staff.locator("main").get_by_role("link", name=t("Funding transparency")).click()
    check_accessibility(staff)
    follow(staff, t("Add a funder"))
    form = form_with(staff, "funder_name")
    form.get_by_label(t("Funder"), exact=True).fill(funder)
    form.get_by_label(t("Type of funder")).select_option("federal")
    form.get_by_label(t("Programme or grant name")).fill("Services for Victims of Human Trafficking")
    form.get_by_label(t("Amount"), exact=True).fill("450000.50")
    form.get_by_label(t("Starts on")).fill("2024-10-01")
    form.get_by_label(t("Ends on")).fill("2027-09-30")
    form.get_by_label(t("Aggregate figures only, never about one person")).check()
    send(staff, form)
    # a wrong amount comes back with the answers kept
    summary = staff.locator(".error-summary").inner_text()
    assert t("Write the amount in whole numbers, like 250000 or 250,000.") in summary
    check_accessibility(staff)
    form = form_with(staff, "funder_name")
    assert form.get_by_label(t("Funder"), exact=True).input_value() == funder
    form.get_by_label(t("Amount"), exact=True).fill("450,000")
    send(staff, form)
    check_accessibility(staff)

    follow(staff, t("Add a restriction"))
    form = form_with(staff, "summary")
    form.get_by_label(t("Who the funding may serve")).check()
    form.get_by_label(t("The restriction in one line")).fill("Trafficking survivors only")
    form.get_by_label(t("What the funder's terms actually say")).fill(
        "The grant pays for people who experienced trafficking. It does not bar serving anyone else.")
    form.get_by_label(t("What we do about it"), exact=True).fill(
        "Everyone else is served from unrestricted money.")
    send(staff, form)
    assert "Trafficking survivors only" in staff.locator("main").inner_text()
    check_accessibility(staff)

    staff.goto("/staff/transparency/partnerships/new")
    form = form_with(staff, "purpose")
    form.get_by_label(t("Partner"), exact=True).fill(f"County Sheriff {tag}")
    form.get_by_label(t("Kind of partner")).select_option("law-enforcement")
    form.get_by_label(t("A funder requires it")).check()
    form.get_by_label(t("What the partnership is for")).fill("Our federal grant requires the task force.")
    form.get_by_label(t("Aggregate figures only, never about one person")).check()
    form.get_by_label(t("What we do to keep clients safe in it")).fill(
        "Clients decide whether police are involved.")
    send(staff, form)
    check_accessibility(staff)

    staff.goto("/staff/transparency/services/new")
    form = form_with(staff, "eligibility")
    form.get_by_label(t("Service"), exact=True).fill(f"Case management {tag}")
    form.get_by_label(t("Who can get it, in plain words")).fill("Anyone who uses the drop-in.")
    for words in ("Going to therapy or counselling", "Attending religious services",
                  "Leaving the sex trades"):
        form.get_by_label(t(words)).check()
    form.get_by_label(f"{funder} – Services for Victims of Human Trafficking").check()
    form.get_by_label(t("The restriction that limits it")).select_option(
        label=f"Trafficking survivors only ({funder})")
    send(staff, form)
    # a limited service must say where else people can go
    assert t("A restriction limits this service: say where we refer the people it cannot serve.") in \
        staff.locator(".error-summary").inner_text()
    check_accessibility(staff)
    form = form_with(staff, "eligibility")
    form.get_by_label(t("Where we refer people it cannot serve")).fill("Safe Nights Collective, any evening.")
    send(staff, form)

    # the statement: draft, preview, publish
    staff.goto("/staff/transparency/statement")
    form = form_with(staff, "introduction")
    form.get_by_label(t("Introduction"), exact=True).fill(f"Who **pays** for our work {tag}.")
    form.get_by_label(t("Exact amounts where we have them")).check()
    send(staff, form)
    assert staff.url.endswith("/staff/transparency/statement/preview")
    check_accessibility(staff)
    send(staff, form_with(staff, "draft"))
    assert staff.locator(".flash-success").count() == 1 and staff.url.endswith("/staff/transparency")
    check_accessibility(staff)

    # a visitor on a phone finds it from the home page
    page.set_viewport_size(NARROW)
    page.goto("/")
    with page.expect_navigation():
        page.get_by_role("navigation", name=t("Main")).get_by_role("link", name=t("Our funding")).click()
    check_accessibility(page)
    assert not scrolls_sideways(page)
    main = page.locator("main").inner_text()
    assert f"pays for our work {tag}" in main
    assert t("Last updated") in main and funder in main
    assert "Trafficking survivors only" in main and "It does not bar serving anyone else." in main
    assert f"County Sheriff {tag}" in main and "Clients decide whether police are involved." in main
    assert page.locator("meta[name=robots]").count() == 0
    assert page.locator("link[rel=canonical]").get_attribute("href").endswith(
        "/transparency" + ("?lang=es" if lang == "es" else ""))

    with page.expect_navigation():
        page.locator("main nav").get_by_role("link", name=t("Services and who they are for")).click()
    check_accessibility(page)
    assert not scrolls_sideways(page)
    card = page.locator("main li.record").filter(has_text=f"Case management {tag}")
    text = card.inner_text()
    assert t("A funding restriction limits this service") in text
    assert t("Set by: %(funder)s", funder=funder) in text
    assert "Safe Nights Collective, any evening." in text
    assert t("Leaving the sex trades") in text

    # staff change the grant and publish again; the history says what changed
    staff.goto("/staff/transparency")
    with staff.expect_navigation():
        staff.locator("main table").get_by_role("link", name=funder).click()
    form = form_with(staff, "funder_name")
    form.get_by_label(t("Amount"), exact=True).fill("475000")
    send(staff, form)
    staff.goto("/staff/transparency")
    changed = t("%(name)s: changed %(fields)s", name=funder, fields=t("amount"))
    assert changed in staff.locator("main").inner_text()
    staff.goto("/staff/transparency/statement")
    send(staff, form_with(staff, "introduction"))
    send(staff, form_with(staff, "draft"))

    page.goto("/transparency/history")
    check_accessibility(page)
    assert not scrolls_sideways(page)
    history = page.locator("main").inner_text()
    assert changed in history
    # the version before this one, as it was
    with page.expect_navigation():
        page.locator("main ol.history > li").nth(1).get_by_role("link").click()
    check_accessibility(page)
    old = page.locator("main li.record").filter(has_text=funder).inner_text()
    assert "450" in old and "475" not in old
