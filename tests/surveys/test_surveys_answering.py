"""Answering a survey: a page at a time without JavaScript, nothing stored before the last send,
every answer checked again at each step, one submission all or nothing, bad input answered clearly."""
from __future__ import annotations

import re

import pytest
from factories import make_survey

from portal.db import db
from portal.surveys import service
from portal.surveys.models import (
    Survey,
    SurveyAnswer,
    SurveyResponse,
    SurveyTally,
    SurveyTextAnswer,
)
from portal.surveys.plan import Answers, load_plan


@pytest.fixture
def build(app):
    """make_survey(...) inside a request context, returning the slug."""
    def _build(*args, **kwargs) -> str:
        with app.test_request_context("/"), db.connection_context():
            return make_survey(*args, **kwargs).slug
    return _build


def stored(query) -> dict[str, int]:
    """How many rows each answer table holds."""
    return query(lambda: {model.__name__: model.select().count()
                          for model in (SurveyResponse, SurveyAnswer, SurveyTextAnswer, SurveyTally)})


def send(client, slug: str, data: dict, page: int = 1, action: str = "send", **kwargs):
    """Press a button on a page of the survey: "send", "next" or "back"."""
    return client.post(f"/surveys/{slug}", data={"page": str(page), action: "", **data}, **kwargs)


def hidden_fields(html: str) -> list[tuple[str, str]]:
    """(name, value) of every hidden input that carries an answer."""
    return [(n, v) for n, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)
            if n.startswith("q")]


def test_a_one_page_survey_is_stored_at_once_with_the_day_only(client, build, query):
    slug = build()
    page = client.get(f"/surveys/{slug}").get_data(as_text=True)
    assert "Do you have a safe place to sleep?" in page and "Send answers" in page
    assert "Prefer not to say" in page and "Other, in my own words" in page
    answer = send(client, slug, {"q1": "2", "q2": ["1", "3"], "q2-other": "Dentist", "q3": "4",
                                 "q4": "Open on Sundays", "q5": "Thank you."})
    assert answer.status_code == 200
    assert "Your answers were sent" in answer.get_data(as_text=True)

    def check():
        response = SurveyResponse.get()
        from portal.clock import today
        assert response.submitted_on == today()
        assert re.fullmatch(r"[0-9A-Z]{12}", response.public_id)
        chosen = sorted((a.question.number, a.choice.key) for a in SurveyAnswer.select())
        assert chosen == [(1, "2"), (2, "1"), (2, "3"), (2, "other"), (3, "4")]
        bodies = [bytes(t.body) for t in SurveyTextAnswer.select()]
        assert len(bodies) == 3
        # sealed to the organisation: none of the words is in the database
        for words in (b"Dentist", b"Open on Sundays", b"Thank you."):
            assert not [body for body in bodies if words in body]
    query(check)
    # staff with the key read them back exactly
    from portal.accounts import sealed
    with client.application.test_request_context("/"):
        from support.sealing import org_private_key
        opener = query(lambda: sealed.Reader(org_private_key()))
        assert sorted(query(lambda: [opener.text(t.body) for t in SurveyTextAnswer.select()])) == [
            "Dentist", "Open on Sundays", "Thank you."]


def test_skip_logic_splits_the_survey_into_pages_without_javascript(client, build, query):
    # question 2 only for people who answered "No" (key 3) to question 1: it moves to page 2
    slug = build(condition=(2, 1, "3"))
    first = client.get(f"/surveys/{slug}").get_data(as_text=True)
    assert "Page 1 of 2" in first
    assert 'name="q1"' in first and 'name="q2"' not in first and "Continue" in first
    assert "<script" not in first.split("</head>")[1], "the survey needs no script of its own"

    # "No": page 2 shows question 2, with question 1's answer carried in a hidden field
    second = send(client, slug, {"q1": "3"}, action="next").get_data(as_text=True)
    assert "Page 2 of 2" in second and 'name="q2"' in second and 'name="q3"' in second
    assert hidden_fields(second) == [("q1", "3")]
    assert stored(query)["SurveyResponse"] == 0, "nothing is kept before the last send"

    done = send(client, slug, {"q1": "3", "q3": "5", "q2": "1"}, page=2)
    assert "Your answers were sent" in done.get_data(as_text=True)
    assert query(lambda: sorted((a.question.number, a.choice.key) for a in SurveyAnswer.select())) == [
        (1, "3"), (2, "1"), (3, "5")]


def test_a_person_the_condition_leaves_out_never_sees_the_question(client, build, query):
    from factories import EVERY_KIND
    slug = build(questions=EVERY_KIND[:2], condition=(2, 1, "3"))
    # "Yes": no page applies after page 1, so the last step asks to send
    last = send(client, slug, {"q1": "1"}, action="next").get_data(as_text=True)
    assert 'name="q2"' not in last and "Send answers" in last and "That is every question" in last
    # an answer to question 2 slipped in anyway is dropped, not stored
    send(client, slug, {"q1": "1", "q2": "1"}, page=3)
    assert query(lambda: [a.question.number for a in SurveyAnswer.select()]) == [1]


def test_back_keeps_every_answer_given_so_far(client, build):
    slug = build(condition=(2, 1, "3"))
    back = send(client, slug, {"q1": "3", "q3": "2", "q2": ["1", "2"]}, page=2, action="back")
    html = back.get_data(as_text=True)
    assert "Page 1 of 2" in html
    assert re.search(r'value="3" checked', html), "question 1's answer is still chosen"
    assert {("q2", "1"), ("q2", "2"), ("q3", "2")} <= set(hidden_fields(html))


def test_carried_answers_are_checked_again_at_every_step(client, build, query):
    slug = build(condition=(2, 1, "3"))
    # a hidden field changed by hand: question 1 with a choice that does not exist
    answer = send(client, slug, {"q1": "99", "q2": "1"}, page=2)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "Question 1: Choose one of the listed answers." in html
    assert "Page 1 of 2" in html, "the person is taken to the page with the problem"
    assert stored(query)["SurveyResponse"] == 0


@pytest.mark.parametrize(("data", "message"), [
    ({"q1": "7"}, "Choose one of the listed answers."),
    ({"q1": ["1", "2"]}, "Choose only one answer."),
    ({"q1": ["1", "1"]}, "Choose only one answer."),
    ({"q2": ["1", "1"]}, "Each answer can be chosen only once."),
    ({"q2": ["1", "decline"]}, "Choose “Prefer not to say” on its own"),
    ({"q3": "6"}, "Choose one of the listed answers."),
    ({"q4": ["one", "two"]}, "Send one answer to this question."),
    ({"q4": "x" * 301}, "Please shorten this to 300 characters or fewer (it has 301)."),
    ({"q5": "a\x00b"}, "Remove the invisible control characters"),
    ({"q2-other": "y" * 301}, "Please shorten this to 300 characters or fewer"),
])
def test_bad_answers_are_refused_clearly_and_nothing_is_stored(client, build, query, data, message):
    slug = build()
    answer = send(client, slug, {"q3": "4", **data})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert message in html and "error-summary" in html
    if "q3" not in data:
        assert 'value="4" checked' in html, "the other answers stay chosen"
    assert stored(query)["SurveyResponse"] == 0


def test_a_refused_text_comes_back_as_typed(client, build):
    slug = build()
    typed = "Long words " * 40
    html = send(client, slug, {"q4": typed}).get_data(as_text=True)
    assert typed.strip() in html


def test_a_survey_with_no_answer_at_all_is_not_sent(client, build, query):
    slug = build()
    html = send(client, slug, {}).get_data(as_text=True)
    assert "You have not answered any question yet" in html
    assert stored(query)["SurveyResponse"] == 0


def test_words_typed_in_other_count_as_choosing_it(client, build, query):
    slug = build()
    send(client, slug, {"q2-other": "Phone credit"})
    assert query(lambda: [a.choice.key for a in SurveyAnswer.select()]) == ["other"]


def test_missing_and_draft_surveys_are_not_found(client, build):
    slug = build(state="draft")
    assert client.get("/surveys/no-such-survey").status_code == 404
    assert client.post("/surveys/no-such-survey", data={"q1": "1"}).status_code == 404
    assert client.get(f"/surveys/{slug}").status_code == 404
    assert slug not in client.get("/surveys").get_data(as_text=True)


def test_a_closed_survey_says_so_and_keeps_nothing(client, build, query):
    slug = build(state="closed")
    assert "This survey is closed." in client.get(f"/surveys/{slug}").get_data(as_text=True)
    answer = send(client, slug, {"q1": "1"})
    assert answer.status_code == 200
    assert "Your answers were not kept" in answer.get_data(as_text=True)
    assert stored(query)["SurveyResponse"] == 0


def test_a_survey_closing_while_someone_answers_keeps_nothing(client, build, query):
    slug = build()
    client.get(f"/surveys/{slug}")
    query(lambda: Survey.update(state="closed").execute())
    answer = send(client, slug, {"q1": "1"})
    assert "This survey is closed." in answer.get_data(as_text=True)
    assert stored(query)["SurveyResponse"] == 0


def test_the_service_itself_refuses_answers_to_a_survey_closed_since_the_page_was_read(app, build,
                                                                                        query):
    """The page checked the survey was open; it closed before the answers were written: the
    write checks again, inside its transaction, and keeps nothing."""
    slug = build()

    def answer_after_closing():
        with app.test_request_context("/"):
            plan = load_plan(Survey.by_slug(slug))
            Survey.update(state="closed").execute()
            with pytest.raises(service.SurveyError):
                service.submit_response(plan, Answers({1: ["1"]}, {}))
    query(answer_after_closing)
    assert stored(query)["SurveyResponse"] == 0


def test_a_survey_before_its_opening_day_says_when_it_opens(client, build):
    import datetime as dt

    from portal.clock import today
    slug = build(opens_on=today() + dt.timedelta(days=3))
    assert "This survey opens on" in client.get(f"/surveys/{slug}").get_data(as_text=True)
    assert slug not in client.get("/surveys").get_data(as_text=True)


def test_the_honeypot_gets_thanks_and_stores_nothing(client, build, query):
    slug = build()
    answer = send(client, slug, {"q1": "1", "website": "http://spam.example"})
    assert "Your answers were sent" in answer.get_data(as_text=True)
    assert stored(query)["SurveyResponse"] == 0


def test_one_submission_is_all_or_nothing_even_when_it_fails_half_way(app, client, build, query,
                                                                        monkeypatch):
    slug = build()
    # the failure comes after the response and its answers are written, before the counts are
    def broken(*args, **kwargs):
        raise RuntimeError("the disk filled up half way")
    monkeypatch.setattr(service, "_add_tallies", broken)
    answer = send(client, slug, {"q1": "1", "q2": ["1", "2"], "q4": "Sundays"})
    assert answer.status_code == 500
    assert "Nothing you typed was saved" in answer.get_data(as_text=True)
    assert stored(query) == {"SurveyResponse": 0, "SurveyAnswer": 0, "SurveyTextAnswer": 0,
                             "SurveyTally": 0}

    def through_the_service():
        with app.test_request_context("/"):
            plan = load_plan(Survey.by_slug(slug))
            with pytest.raises(RuntimeError):
                service.submit_response(plan, Answers({1: ["1"]}, {4: "Sundays"}))
    query(through_the_service)
    assert stored(query)["SurveyAnswer"] == 0


def test_answering_is_rate_limited(client, build, fresh_window):
    from portal.throttle import FORM_LIMIT

    per_minute = int(FORM_LIMIT.split(" per minute")[0])
    slug = build()
    statuses = [send(client, slug, {"q1": "1"}).status_code for _ in range(per_minute + 1)]
    assert statuses[:per_minute] == [200] * per_minute and statuses[per_minute] == 429


def test_a_survey_reads_in_spanish_and_falls_back_to_english(client, build):
    from factories import EVERY_KIND

    from portal.surveys.service import QuestionText
    slug = build(questions=[EVERY_KIND[0], QuestionText("single", "Only in English?", "", ["A", "B"])])
    html = client.get(f"/surveys/{slug}?lang=es").get_data(as_text=True)
    assert "¿Tienes un lugar seguro para dormir?" in html and "A veces" in html
    assert "Prefiero no decirlo" in html
    assert '<span lang="en">Only in English?</span>' in html
