"""Results against counts worked out by hand: shares, averages, filters and cross-tabs, with every
small count hidden (and whatever would give it away), the same on the page, in the CSV and in public."""
from __future__ import annotations

import csv
import io

import pytest
from factories import make_survey

from portal.clock import today
from portal.db import db
from portal.surveys import results as survey_results
from portal.surveys import service
from portal.surveys.models import Survey, SurveyResponse
from portal.surveys.plan import Answers, load_plan

# (how many people, question 1, question 2, question 3, "other" words): 20 responses
GROUPS = [
    (6, "1", ["1", "2"], "5", None),      # Yes; housing and legal help; rating 5
    (4, "1", ["1"], "4", None),           # Yes; housing; 4
    (7, "2", ["2", "3"], "4", None),      # Sometimes; legal help and food; 4
    (3, "3", ["1", "other"], "4", "A dentist who listens"),  # No; housing and other; 4
]


@pytest.fixture
def answered(app):
    """The survey of GROUPS, answered; returns its slug."""
    with app.test_request_context("/"), db.connection_context():
        survey = make_survey("counted")
        plan = load_plan(survey)
        for people, first, second, rating, words in GROUPS:
            for _ in range(people):
                texts = {2: words} if words else {}
                service.submit_response(plan, Answers({1: [first], 2: list(second), 3: [rating]}, texts))
        return survey.slug


@pytest.fixture
def staff(client, auth, make_user):
    auth.login(make_user("staff"))
    return client


def results_of(app, slug, **kwargs):
    with app.test_request_context("/"), db.connection_context():
        return survey_results.survey_results(load_plan(Survey.by_slug(slug)), **kwargs)


def table(result) -> dict[str, tuple]:
    return {row.choice.key: (row.count, row.percent) for row in result.rows}


def test_counts_shares_and_average_match_the_hand_count(app, answered):
    results = results_of(app, answered)
    assert results.total == 20
    first, second, rating = results.questions[:3]
    # question 1: Yes 10, Sometimes 7, No 3. The 3 is hidden; alone it would be 20 - 10 - 7, so
    # the next smallest (7) is hidden with it
    assert first.answered == 20
    assert table(first) == {"1": (10, 50), "2": (None, None), "3": (None, None), "decline": (0, 0)}
    # question 2: housing 13, legal 13, food 7, other 3: the 3 and its complement 7 are hidden
    assert table(second) == {"1": (13, 65), "2": (13, 65), "3": (None, None), "other": (None, None),
                             "decline": (0, 0)}
    # question 3: 4 fourteen times, 5 six times: average (14 x 4 + 6 x 5) / 20 = 4.3
    assert table(rating) == {"1": (0, 0), "2": (0, 0), "3": (0, 0), "4": (14, 70), "5": (6, 30),
                             "decline": (0, 0)}
    assert rating.average == pytest.approx(4.3)
    # text questions nobody answered show nothing
    assert [q.shown for q in results.questions[3:]] == [False, False]


def test_the_running_counts_equal_a_count_of_the_answers_themselves(app, answered):
    with app.test_request_context("/"), db.connection_context():
        plan = load_plan(Survey.by_slug(answered))
        tallies = survey_results.Tallies(plan.survey.id)
        grouped = survey_results.counts_from_answers(plan)
        assert grouped and all(tallies.single(key) == count for key, count in grouped.items())
        first, second = plan.by_number(1), plan.by_number(2)
        pairs = survey_results.Tallies(plan.survey.id, touching=(first.id, first.choice("1").id))
        joined = survey_results.cross_counts_from_answers(first, second)
        for (a, b), count in joined.items():
            if a == first.choice("1").id:
                assert pairs.pair((first.id, a), (second.id, b)) == count
        assert joined[(first.choice("1").id, second.choice("1").id)] == 10


def test_a_filter_shows_one_group_and_hides_its_small_counts(app, answered):
    results = results_of(app, answered, filter_key=(1, "1"))
    assert results.filter_base == 10
    second, rating = results.questions[:2]
    assert table(second)["1"] == (10, 100) and table(second)["2"] == (6, 60)
    # among the ten: 4 gave a 4 (hidden) and 6 gave a 5 (hidden with it), so no average either
    assert table(rating)["4"] == (None, None) and table(rating)["5"] == (None, None)
    assert rating.average is None and rating.average_hidden


def test_a_filter_whose_group_is_below_the_minimum_shows_nothing(app, answered, staff):
    results = results_of(app, answered, filter_key=(1, "3"))
    assert results.filter_base is None and results.questions == []
    html = staff.get(f"/staff/surveys/{answered}/results?answer=1:3").get_data(as_text=True)
    assert "Fewer than 5 people gave this answer, so nothing is shown about them." in html


def test_a_cross_tab_hides_a_small_cell_and_what_would_give_it_away(app, answered, staff):
    with app.test_request_context("/"), db.connection_context():
        crosstab = survey_results.cross_tab(load_plan(Survey.by_slug(answered)), 1, 3)
    safe = crosstab.table
    assert safe.total == 20
    assert safe.cells[("3", "4")] is None, "No and 4: 3 people"
    assert safe.row_totals["3"] is None, "everyone who said No: 3 people"
    assert safe.cells[("1", "4")] is None, "Yes and 4: 4 people"
    # Yes: 4 hidden, so the 6 beside it goes too, or 10 - 6 would give the 4 away
    assert safe.cells[("1", "5")] is None
    assert safe.row_totals["1"] == 10
    html = staff.get(f"/staff/surveys/{answered}/crosstab?rows=1&cols=3").get_data(as_text=True)
    assert "fewer than 5" in html and "20 people answered both questions." in html


def test_a_question_fewer_than_the_minimum_answered_shows_not_even_how_many(app):
    """Six people answered the survey, three of them the rating: the rating shows no count, no
    share and not how many answered it, though the survey as a whole is shown."""
    with app.test_request_context("/"), db.connection_context():
        plan = load_plan(make_survey("few-rated"))
        for n in range(6):
            service.submit_response(plan, Answers({1: ["1"], **({3: ["5"]} if n < 3 else {})}))
        shown = survey_results.survey_results(plan)
    by_number = {result.question.number: result for result in shown.questions}
    assert shown.total == 6 and by_number[1].shown
    rating = by_number[3]
    assert not rating.shown and rating.answered is None and not rating.rows


def test_a_cross_tab_whose_base_is_below_the_minimum_shows_nothing(app, staff):
    with app.test_request_context("/"), db.connection_context():
        survey = make_survey("tiny")
        plan = load_plan(survey)
        for _ in range(4):
            service.submit_response(plan, Answers({1: ["1"], 3: ["5"]}))
        assert survey_results.cross_tab(plan, 1, 3).table is None
        assert survey_results.survey_results(plan).total is None
    html = staff.get("/staff/surveys/tiny/crosstab?rows=1&cols=3").get_data(as_text=True)
    assert "Fewer than 5 people answered both questions, so nothing is shown." in html
    assert "Results appear once at least 5 people have answered." in staff.get(
        "/staff/surveys/tiny/results").get_data(as_text=True)


def test_the_staff_page_shows_the_words_and_the_public_page_never_does(app, answered, staff, client):
    assert client.get(f"/surveys/{answered}/results").status_code == 404, "not published yet"
    staff_page = staff.get(f"/staff/surveys/{answered}/results").get_data(as_text=True)
    assert "fewer than 5" in staff_page and "<svg class=\"bar\"" in staff_page
    words = staff.get(f"/staff/surveys/{answered}/questions/2/answers").get_data(as_text=True)
    assert words.count("A dentist who listens") == 3
    assert today().isoformat() not in words, "no dates beside the words"
    assert staff.post(f"/staff/surveys/{answered}/publish", data={"publish": "yes"}).status_code == 302
    public = app.test_client().get(f"/surveys/{answered}/results").get_data(as_text=True)
    assert "fewer than 5" in public and "20 people answered this survey." in public
    assert "A dentist who listens" not in public
    assert ">50%<" in public


def test_text_answers_come_in_a_random_order_a_page_at_a_time(app, staff):
    with app.test_request_context("/"), db.connection_context():
        survey = make_survey("words")
        plan = load_plan(survey)
        for n in range(60):
            service.submit_response(plan, Answers({}, {4: f"answer number {n:02d}"}))
    first = staff.get("/staff/surveys/words/questions/4/answers").get_data(as_text=True)
    seen = [n for n in range(60) if f"answer number {n:02d}<" in first]
    assert len(seen) == 50 and seen != list(range(50)), "not in the order they were sent"
    following = first.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    rest = staff.get(following).get_data(as_text=True)
    others = [n for n in range(60) if f"answer number {n:02d}<" in rest]
    assert sorted(seen + others) == list(range(60))


def test_the_responses_csv_has_one_row_per_response_with_labels_and_the_day(app, answered, staff, query):
    answer = staff.post(f"/staff/surveys/{answered}/responses.csv")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True))))
    assert rows[0] == ["response", "day", "Q1 Do you have a safe place to sleep?", "Q2 What would help?",
                       "Q2 other, in their own words", "Q3 How safe do you feel here?",
                       "Q4 One thing to change", "Q5 Anything else?"]
    body = rows[1:]
    assert len(body) == 20
    assert sorted(r[0] for r in body) == sorted(query(lambda: [r.public_id for r in SurveyResponse.select()]))
    assert {r[1] for r in body} == {today().isoformat()}
    no = [r for r in body if r[2] == "No"]
    assert len(no) == 3 and no[0][3:6] == ["Housing; Other, in my own words", "A dentist who listens", "4"]
    assert sorted(r[0] for r in body) == [r[0] for r in body], "ordered by the random public id"


def test_the_results_csv_is_suppressed_the_same_way(answered, staff):
    rows = list(csv.reader(io.StringIO(
        staff.get(f"/staff/surveys/{answered}/results.csv").get_data(as_text=True))))
    assert rows[0] == ["question", "answer", "people", "percent"]
    first = {r[1]: r[2:] for r in rows if r[0].startswith("Q1 ")}
    assert first == {"Answered": ["20", ""], "Yes": ["10", "50"], "Sometimes": ["fewer than 5", ""],
                     "No": ["fewer than 5", ""], "Prefer not to say": ["0", "0"]}
    rating = {r[1]: r[2] for r in rows if r[0].startswith("Q3 ")}
    assert rating["Average (1 to 5)"] == "4.3" and rating["4"] == "14"
    assert ["", "Responses", "20", ""] in rows


def test_the_results_pages_headings_never_skip_a_level(app, answered, staff):
    """Each question's heading sits one level under the page's (public page: h1 then h2; the
    staff page's filtered view: under its own h2), as screen readers' heading lists expect."""
    from support.pages import skipped_heading_levels

    assert staff.post(f"/staff/surveys/{answered}/publish", data={"publish": "yes"}).status_code == 302
    public = app.test_client().get(f"/surveys/{answered}/results").get_data(as_text=True)
    assert 'id="result-q1-title"' in public
    assert skipped_heading_levels(public) == []
    staff_page = staff.get(f"/staff/surveys/{answered}/results").get_data(as_text=True)
    assert 'id="result-q1-title"' in staff_page
    assert skipped_heading_levels(staff_page) == []
    # one group (the 10 who answered "Yes" to question 1): the questions sit under its heading
    group = staff.get(f"/staff/surveys/{answered}/results?answer=1:1").get_data(as_text=True)
    assert "Only people who answered" in group and 'id="result-q2-title"' in group
    assert skipped_heading_levels(group) == []
