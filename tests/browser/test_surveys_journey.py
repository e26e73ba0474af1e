"""A staff member builds a two-page survey (the second question only for people who answer "No"),
opens it, a client answers it on a 320 px phone, and the staff member reads the results with small
counts hidden; with and without JavaScript, in English and Spanish."""
from __future__ import annotations

import secrets

import pytest

pytestmark = pytest.mark.browser
NARROW = {"width": 320, "height": 640}
RUNS = [("en", True), ("en", False), ("es", False), ("es", True)]


def send(page, button) -> None:
    """Press a button and wait for the next page."""
    with page.expect_navigation():
        button.click()


def build_survey(staff, t, slug: str) -> None:
    """Through the staff pages: a survey of two questions, the second depending on the first."""
    staff.goto("/staff/surveys")
    send(staff, staff.locator("main").get_by_role("link", name=t("New survey")))
    staff.get_by_label(t("Title in English")).fill(f"Evening drop-in {slug}")
    staff.get_by_label(t("Title in Spanish")).fill(f"Centro por la noche {slug}")
    staff.get_by_label(t("Short name in the address")).fill(slug)
    send(staff, staff.get_by_role("button", name=t("Create the draft")))
    assert t("Survey created as a draft. Add its questions.") in staff.locator(".flashes").inner_text()

    send(staff, staff.get_by_role("link", name=t("Add a question")))
    staff.get_by_label(t("Kind of question")).select_option("single")
    staff.get_by_label(t("Question in English")).fill("Do you have somewhere safe to sleep tonight?")
    staff.get_by_label(t("Question in Spanish")).fill("¿Tienes dónde dormir seguro esta noche?")
    staff.get_by_label(t("Answers to choose from, in English")).fill("Yes\nNo")
    staff.get_by_label(t("Answers to choose from, in Spanish")).fill("Sí\nNo")
    send(staff, staff.get_by_role("button", name=t("Add the question")))

    send(staff, staff.get_by_role("link", name=t("Add a question")))
    staff.get_by_label(t("Kind of question")).select_option("short_text")
    staff.get_by_label(t("Question in English")).fill("What would help you tonight?")
    staff.get_by_label(t("Question in Spanish")).fill("¿Qué te ayudaría esta noche?")
    # "Always", then question 1's answers: Yes, No, Prefer not to say
    staff.get_by_label(t("Show this question")).select_option(index=2)
    send(staff, staff.get_by_role("button", name=t("Add the question")))
    builder = staff.locator("main").inner_text()
    assert t("Only for people who answered “%(answer)s” to question %(number)d.",
             answer="No", number=1) in builder
    send(staff, staff.get_by_role("button", name=t("Open"), exact=True))


@pytest.mark.parametrize(("lang", "js"), RUNS, ids=[f"{lang}-{'js' if js else 'nojs'}" for lang, js in RUNS])
def test_staff_build_a_survey_a_client_answers_it_and_staff_read_the_results(
        new_page, logged_in, server, lang, js, t, check_accessibility, scrolls_sideways):
    slug = f"tonight-{secrets.token_hex(3)}"
    staff, _ = logged_in("staff", lang=lang, js=js)
    build_survey(staff, t, slug)
    check_accessibility(staff)

    client = new_page(lang=lang, js=js, viewport=NARROW)
    client.goto("/surveys")
    title = f"Centro por la noche {slug}" if lang == "es" else f"Evening drop-in {slug}"
    send(client, client.get_by_role("link", name=title))
    check_accessibility(client)
    assert not scrolls_sideways(client)
    assert t("Page %(page)d of %(pages)d", page=1, pages=2) in client.locator("main").inner_text()
    client.get_by_label("No", exact=True).check()
    send(client, client.get_by_role("button", name=t("Continue")))

    # page 2: the question for people without a safe place, and the first answer kept in the form
    check_accessibility(client)
    assert not scrolls_sideways(client)
    words = f"A warm place and tea {secrets.token_hex(2)}"
    question = "¿Qué te ayudaría esta noche?" if lang == "es" else "What would help you tonight?"
    client.get_by_label(question).fill("x" * 301)
    send(client, client.get_by_role("button", name=t("Send answers")))
    # too long: the words come back with a message, nothing was kept
    assert t("Please check the form") in client.locator(".error-summary").inner_text()
    check_accessibility(client)
    client.get_by_label(question).fill(words)
    send(client, client.get_by_role("button", name=t("Send answers")))
    assert t("Thank you") in client.locator("h1").inner_text()
    check_accessibility(client)
    assert words not in client.url

    # four more people answer "Yes": five in all, but "No" (one person) stays hidden
    def more():
        from portal.surveys import service
        from portal.surveys.models import Survey
        from portal.surveys.plan import Answers, load_plan

        with server.app.test_request_context("/"):
            plan = load_plan(Survey.by_slug(slug))
            for _ in range(4):
                service.submit_response(plan, Answers({1: ["1"]}))
    server.run(more)

    staff.goto(f"/staff/surveys/{slug}/results")
    check_accessibility(staff)
    results = staff.locator("main").inner_text()
    assert t("fewer than %(n)d", n=5) in results
    assert staff.locator("svg.bar").count() >= 1
