"""The surveys area's rows for the shared suites (see tests/support/rows.py)."""
from __future__ import annotations

import secrets
import sys
import time
from collections.abc import Callable
from pathlib import Path

from support.canary import Visitor
from support.hostile import CHOICE, SECRET, TEXT, Field, HostileForm
from support.screens import Screen, go, submit
from support.world import World

sys.path.insert(0, str(Path(__file__).resolve().parent))
from factories import EVERY_KIND, make_survey, plain_survey, staff_actor  # noqa: E402

from portal import codes  # noqa: E402
from portal.surveys import service  # noqa: E402
from portal.surveys.plan import Answers, load_plan  # noqa: E402

# --- what URL arguments name -------------------------------------------------------------------


def _in_world(world: World, name: str, build: Callable[[], str]) -> str:
    """A survey made once per world, inside a request (its labels are translated)."""
    if name not in world.objects:
        def run():
            with world.app.test_request_context("/"):
                return build()
        world.objects[name] = world.query(run)
    return world.objects[name]


def _survey(world: World) -> str:
    """An open survey with a question of each kind and published results."""
    def build():
        survey = make_survey("world-survey")
        service.set_results_published(staff_actor(), survey, True)
        return survey.slug
    return _in_world(world, "survey", build)


def _draft(world: World) -> str:
    return _in_world(world, "draft-survey", lambda: make_survey("world-draft", state="draft").slug)


def _coded(world: World) -> str:
    return _in_world(world, "coded-survey", lambda: make_survey("world-coded", uses_codes=True).slug)


def _fresh_code(world: World) -> str:
    def run():
        with world.app.test_request_context("/"):
            from portal.surveys.models import Survey
            return service.create_codes(staff_actor(), Survey.by_slug(_coded(world)), 1)[0]
    return world.query(run)


ARGUMENTS: dict[str, Callable[[World], object]] = {
    "slug": _survey,
    # question 2 of the world's survey: a list with "other, in my own words"
    "number": lambda world: (_survey(world), 2)[1],
}

# --- hostile input -----------------------------------------------------------------------------


def _first_line(value: str) -> str:
    """How a list of answers is kept: each line trimmed, empty lines dropped (here, the first)."""
    lines = [line.strip() for line in value.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    # only blanks: no answers in this language (the other one is shown)
    return next((line for line in lines if line), "")


def _unique(prefix: str) -> str:
    return f"{prefix}-{time.monotonic_ns()}"


SURVEY_FIELDS = {
    "title_en": Field(TEXT, stored_as=str.strip), "title_es": Field(TEXT, stored_as=str.strip),
    "intro_en": Field(TEXT), "intro_es": Field(TEXT), "slug": Field(TEXT, stored_as=str.strip),
    "opens_on": Field(CHOICE, choices=("",)), "closes_on": Field(CHOICE, choices=("",)),
    "uses_codes": Field(SECRET),
}
QUESTION = {"kind": "single", "text_en": "Where do you sleep?", "text_es": "¿Dónde duermes?",
            "choices_en": "Home\nShelter\nOutside", "choices_es": "", "condition": ""}
KIND_VALUES = ("single", "multiple", "rating", "short_text", "long_text")
RATING = {"kind": "rating", "text_en": "How safe?", "low_label_en": "Not safe", "high_label_en": "Safe",
          "condition": ""}


def _staff_pages(world: World) -> list[tuple[str, str]]:
    slug = _survey(world)
    return [("staff", f"/staff/surveys/{slug}"), ("staff", f"/staff/surveys/{slug}/results"),
            ("staff", f"/staff/surveys/{slug}/questions/4/answers"),
            ("staff", f"/staff/surveys/{slug}/questions/2/answers"),
            ("anonymous", f"/surveys/{slug}/results")]


def _newest_pages(world: World) -> list[tuple[str, str]]:
    from portal.surveys.models import Survey

    newest = world.query(lambda: Survey.select().order_by(Survey.id.desc()).first())
    return [("staff", "/staff/surveys")] + ([("staff", f"/staff/surveys/{newest.slug}")] if newest else [])


FORMS: list[HostileForm] = [
    HostileForm("survey answers", "anonymous", lambda w: f"/surveys/{_survey(w)}",
                lambda w: {"page": "1", "send": "", "q1": "1", "q3": "4"},
                {"q1": Field(CHOICE, choices=("", "1", "2", "3", "decline")),
                 "q2": Field(CHOICE, choices=("", "1", "2", "3", "other", "decline")),
                 "q3": Field(CHOICE, choices=("", "1", "2", "3", "4", "5", "decline")),
                 # words people write are sealed: never stored as typed
                 "q2-other": Field(SECRET), "q4": Field(SECRET), "q5": Field(SECRET),
                 "website": Field(SECRET), "page": Field(SECRET), "send": Field(SECRET)},
                shows=_staff_pages),
    HostileForm("survey code", "anonymous", lambda w: f"/surveys/{_coded(w)}",
                lambda w: {"page": "1", "send": "", "q1": "2", "code": _fresh_code(w)},
                {"code": Field(SECRET), "q4": Field(SECRET)}),
    HostileForm("new survey", "staff", lambda w: "/staff/surveys/new",
                lambda w: {"slug": _unique("s"), "title_en": "Winter", "title_es": "Invierno",
                           "intro_en": "", "intro_es": ""},
                SURVEY_FIELDS, shows=_newest_pages),
    HostileForm("survey settings", "staff", lambda w: f"/staff/surveys/{_survey(w)}/settings",
                lambda w: {"slug": _survey(w), "title_en": "Needs survey", "title_es": "Encuesta",
                           "intro_en": "", "intro_es": ""},
                SURVEY_FIELDS, shows=lambda w: [("staff", f"/staff/surveys/{_survey(w)}"),
                                                ("anonymous", f"/surveys/{_survey(w)}"),
                                                ("anonymous", "/surveys")]),
    HostileForm("new question", "staff", lambda w: f"/staff/surveys/{_survey(w)}/questions/new",
                lambda w: dict(QUESTION),
                {"kind": Field(CHOICE, choices=KIND_VALUES),
                 "text_en": Field(TEXT, stored_as=str.strip), "text_es": Field(TEXT, stored_as=str.strip),
                 "choices_en": Field(TEXT, stored_as=_first_line),
                 "choices_es": Field(TEXT, stored_as=_first_line),
                 "allow_other": Field(SECRET), "condition": Field(CHOICE, choices=("",))},
                shows=lambda w: [("staff", f"/staff/surveys/{_survey(w)}"),
                                 ("anonymous", f"/surveys/{_survey(w)}")]),
    HostileForm("new rating question", "staff", lambda w: f"/staff/surveys/{_survey(w)}/questions/new",
                lambda w: dict(RATING),
                {name: Field(TEXT, stored_as=str.strip) for name in
                 ("low_label_en", "low_label_es", "high_label_en", "high_label_es")},
                shows=lambda w: [("anonymous", f"/surveys/{_survey(w)}")]),
    HostileForm("edit question", "staff", lambda w: f"/staff/surveys/{_draft(w)}/questions/1",
                lambda w: dict(QUESTION),
                {"text_en": Field(TEXT, stored_as=str.strip),
                 "choices_en": Field(TEXT, stored_as=_first_line)},
                shows=lambda w: [("staff", f"/staff/surveys/{_draft(w)}")]),
    HostileForm("survey state", "staff", lambda w: f"/staff/surveys/{_draft(w)}/state",
                lambda w: {"state": "draft"}, {"state": Field(CHOICE, choices=("open", "closed", "draft"))}),
    HostileForm("publish results", "staff", lambda w: f"/staff/surveys/{_survey(w)}/publish",
                lambda w: {"publish": "yes"}, {"publish": Field(CHOICE, choices=("yes", "no"))}),
    HostileForm("move question", "staff", lambda w: f"/staff/surveys/{_draft(w)}/questions/2/move",
                lambda w: {"direction": "up"}, {"direction": Field(CHOICE, choices=("up", "down"))}),
    HostileForm("hide question", "staff", lambda w: f"/staff/surveys/{_survey(w)}/questions/5/visibility",
                lambda w: {"visibility": "show"}, {"visibility": Field(CHOICE, choices=("hide", "show"))}),
    HostileForm("survey codes", "staff", lambda w: f"/staff/surveys/{_coded(w)}/codes",
                lambda w: {"count": "2", "qr": "y"}, {"count": Field(CHOICE, choices=("2",)),
                                                      "qr": Field(SECRET)}),
]

# --- the anonymity canary ----------------------------------------------------------------------


def _seed_surveys(visitor: Visitor, state: dict) -> None:
    """Two open surveys written straight into the server's database (no staff action recorded)."""
    from support.database import open_url

    from portal.surveys.models import MODELS, SurveyCode

    env = visitor.server.env
    database = open_url(env["PORTAL_DATABASE_URL"])
    made = [codes.generate(service.CODE_LENGTH) for _ in range(2)]
    with database.bind_ctx(MODELS), database.connection_context():
        plain_survey("canary-needs", [("single", "Do you have a safe place to sleep?", ["Yes", "No"]),
                                      ("single", "Would you use an emergency bed?", ["Yes", "No"]),
                                      ("short_text", "One thing to change", [])], condition=(2, 1, "2"))
        coded = plain_survey("canary-coded", [("short_text", "What would help?", [])], uses_codes=True)
        for code in made:
            SurveyCode.create(survey=coded, code_hash=codes.keyed_hash(
                f"{service.CODE_PURPOSE}:{coded.id}", code, secret=env["PORTAL_SECRET_KEY"]))
    state["survey_codes"] = [codes.format_code(code) for code in made]
    state.setdefault("secrets", []).extend(state["survey_codes"] + made)


def _answer_survey(visitor: Visitor, state: dict) -> None:
    assert "canary-needs" in visitor.get("/surveys").text
    second = visitor.post("/surveys/canary-needs", {"page": "1", "next": "", "q1": "2"})
    assert second.status_code == 200 and 'name="q2"' in second.text
    done = visitor.post("/surveys/canary-needs", {"page": "2", "send": "", "q1": "2", "q2": "1",
                                                  "q3": state["message"] + " (survey)"})
    assert done.status_code == 200 and "answers were sent" in done.text
    refused = visitor.post("/surveys/canary-needs", {"page": "1", "send": "", "q1": "99"})
    assert refused.status_code == 200 and "error-summary" in refused.text


def _answer_with_a_code(visitor: Visitor, state: dict) -> None:
    code = state["survey_codes"][0]
    data = {"page": "1", "send": "", "code": code, "q1": state["message"] + " (coded)"}
    assert "answers were sent" in visitor.post("/surveys/canary-coded", data).text
    assert "already been used" in visitor.post("/surveys/canary-coded", data).text
    assert "does not work" in visitor.post("/surveys/canary-coded", {**data, "code": "0000-0000-0000"}).text


def _survey_honeypot(visitor: Visitor, state: dict) -> None:
    answer = visitor.post("/surveys/canary-needs", {"page": "1", "send": "", "q1": "1",
                                                    "website": "http://spam.example"})
    assert answer.status_code == 200


def _unpublished_results(visitor: Visitor, state: dict) -> None:
    assert visitor.get("/surveys/canary-needs/results").status_code == 404


CANARY_FLOW = [_seed_surveys, _answer_survey, _answer_with_a_code, _survey_honeypot, _unpublished_results]

# --- pages for the accessibility check ---------------------------------------------------------


def seed_survey(server, *, answers: int = 0, published: bool = False, state: str = "open",
                uses_codes: bool = False, condition: tuple | None = (2, 1, "3"), words: bool = False,
                questions: list | None = None) -> str:
    """A survey of every kind of question made on the server, answered `answers` times; its slug."""
    slug = f"screen-{secrets.token_hex(4)}"

    def work():
        with server.app.test_request_context("/"):
            # codes are turned on after the made-up answers, which carry none
            survey = make_survey(slug, questions=questions, condition=condition,
                                 uses_codes=uses_codes and not answers,
                                 state="open" if state == "closed" else state)
            plan = load_plan(survey)
            for n in range(answers):
                first = ("1", "2", "3")[n % 3] if n < answers - 2 else "1"
                texts = {4: f"Longer opening hours, please ({n})"} if words else {}
                service.submit_response(plan, Answers({1: [first], 3: [str(4 + n % 2)]}, texts))
            if uses_codes and answers:
                survey.uses_codes = True
                survey.save()
            if published:
                service.set_results_published(staff_actor(), survey, True)
            if state == "closed":
                service.set_state(staff_actor(), survey, "closed")
        return slug
    return server.run(work)


def _survey_errors(page, server) -> None:
    page.goto(f"/surveys/{seed_survey(server, condition=None)}")
    page.locator("#q4").fill("x" * 301)
    submit(page, "main form button[name=send]")


def _second_page(page, server) -> None:
    page.goto(f"/surveys/{seed_survey(server)}")
    page.locator("#q1-3").check()
    submit(page, "main form button[name=next]")


def _last_step(page, server) -> None:
    # "Yes" to question 1 leaves out question 2, the only one on page 2: the last step asks to send
    page.goto(f"/surveys/{seed_survey(server, questions=EVERY_KIND[:2])}")
    page.locator("#q1-1").check()
    submit(page, "main form button[name=next]")


def _thanks(page, server) -> None:
    page.goto(f"/surveys/{seed_survey(server, condition=None)}")
    page.locator("#q1-1").check()
    submit(page, "main form button[name=send]")


def _code_wrong(page, server) -> None:
    page.goto(f"/surveys/{seed_survey(server, uses_codes=True, condition=None)}")
    page.locator("#code").fill("0000-0000-0000")
    submit(page, "main form button[name=send]")


def _new_survey_errors(page, server) -> None:
    page.goto("/staff/surveys/new")
    page.locator("#slug").fill("Not A Slug")
    submit(page, "main form button[type=submit]")


def _settings_errors(page, server) -> None:
    page.goto(f"/staff/surveys/{seed_survey(server, state='draft')}")
    page.locator("#closes_on").fill("2020-01-01")
    page.locator("#opens_on").fill("2021-01-01")
    submit(page, "main form[action$='/settings'] button[type=submit]")


def _question_errors(page, server) -> None:
    page.goto(f"/staff/surveys/{seed_survey(server, state='draft')}/questions/new")
    submit(page, "main form button[type=submit]")


def _code_sheet(page, server) -> None:
    page.goto(f"/staff/surveys/{seed_survey(server, uses_codes=True)}/codes")
    page.locator("#count").fill("4")
    submit(page, "main form button[type=submit]")


def public(suffix: str = "", **seed) -> Callable:
    """A visit to /surveys/<a new survey><suffix>."""
    return lambda page, server: page.goto(f"/surveys/{seed_survey(server, **seed)}{suffix}")


def staff(suffix: str = "", **seed) -> Callable:
    """A visit to /staff/surveys/<a new survey><suffix>."""
    return lambda page, server: page.goto(f"/staff/surveys/{seed_survey(server, **seed)}{suffix}")


SCREENS = [
    Screen("surveys", "surveys.index", None,
           lambda page, server: (seed_survey(server, answers=6, published=True), page.goto("/surveys"))),
    Screen("survey", "surveys.answer", None, public()),
    Screen("survey-errors", "surveys.answer", None, _survey_errors),
    Screen("survey-second-page", "surveys.answer", None, _second_page),
    Screen("survey-last-step", "surveys.answer", None, _last_step),
    Screen("survey-thanks", "surveys.answer", None, _thanks),
    Screen("survey-closed", "surveys.answer", None, public(state="closed")),
    Screen("survey-code", "surveys.answer", None, public(uses_codes=True)),
    Screen("survey-code-wrong", "surveys.answer", None, _code_wrong),
    Screen("survey-results", "surveys.public_results", None,
           public("/results", answers=12, published=True)),
    Screen("staff-surveys", "surveys.staff_list", "staff",
           lambda page, server: (seed_survey(server), page.goto("/staff/surveys"))),
    Screen("staff-survey-new", "surveys.staff_new", "staff", go("/staff/surveys/new")),
    Screen("staff-survey-new-errors", "surveys.staff_new", "staff", _new_survey_errors),
    Screen("staff-survey-draft", "surveys.staff_survey", "staff", staff(state="draft")),
    Screen("staff-survey-answered", "surveys.staff_survey", "staff", staff(answers=3, uses_codes=True)),
    Screen("staff-survey-settings-errors", "surveys.staff_settings", "staff", _settings_errors),
    Screen("staff-question-new", "surveys.staff_question_new", "staff",
           staff("/questions/new", state="draft")),
    Screen("staff-question-errors", "surveys.staff_question_new", "staff", _question_errors),
    Screen("staff-question-edit", "surveys.staff_question_edit", "staff",
           staff("/questions/2", state="draft")),
    Screen("staff-survey-results", "surveys.staff_results", "staff",
           staff("/results", answers=14, words=True)),
    Screen("staff-survey-results-small-group", "surveys.staff_results", "staff",
           staff("/results?answer=1:3", answers=14)),
    Screen("staff-survey-crosstab", "surveys.staff_crosstab", "staff",
           staff("/crosstab?rows=1&cols=3", answers=30)),
    Screen("staff-survey-crosstab-small", "surveys.staff_crosstab", "staff",
           staff("/crosstab?rows=1&cols=3", answers=3)),
    Screen("staff-survey-words", "surveys.staff_text_answers", "staff",
           staff("/questions/4/answers", answers=6, words=True)),
    Screen("staff-survey-codes", "surveys.staff_codes", "staff", staff("/codes", uses_codes=True)),
    Screen("staff-survey-code-sheet", "surveys.staff_codes", "staff", _code_sheet),
]

NOT_PAGES = {"surveys.staff_export_responses", "surveys.staff_export_results"}
