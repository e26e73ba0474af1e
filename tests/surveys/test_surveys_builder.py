"""Building a survey: staff write it in two languages, change it freely while it is a draft, and
once it is open or answered only add questions at the end or hide them."""
from __future__ import annotations

import pytest
from factories import EVERY_KIND, make_survey, staff_actor

from portal.db import db
from portal.surveys import service
from portal.surveys.models import Survey, SurveyChoice, SurveyQuestion
from portal.surveys.plan import Answers, load_plan
from portal.surveys.service import QuestionText, SurveyError


@pytest.fixture
def staff(client, auth, make_user):
    auth.login(make_user("staff"))
    return client


@pytest.fixture
def within(app):
    """Run a function in a request context with the database open."""
    def _run(fn):
        with app.test_request_context("/"), db.connection_context():
            return fn()
    return _run


def questions_of(slug: str) -> list[tuple]:
    survey = Survey.by_slug(slug)
    return [(q.number, q.position, q.kind, q.text_en, q.hidden) for q in
            SurveyQuestion.select().where(SurveyQuestion.survey == survey).order_by(SurveyQuestion.position)]


def test_staff_build_a_survey_with_a_question_of_each_kind(staff, query):
    created = staff.post("/staff/surveys/new", data={
        "title_en": "Winter needs", "title_es": "Necesidades de invierno", "slug": "winter",
        "intro_en": "Five minutes. *Every* question is optional.", "intro_es": ""})
    assert created.status_code == 302 and created.location.endswith("/staff/surveys/winter")
    forms = [
        {"kind": "single", "text_en": "Do you have a coat?", "text_es": "¿Tienes abrigo?",
         "choices_en": "Yes\nNo\n\n", "choices_es": "Sí\nNo", "condition": ""},
        {"kind": "multiple", "text_en": "What do you need?", "choices_en": "Boots\nGloves",
         "allow_other": "y", "condition": ""},
        {"kind": "rating", "text_en": "How warm is the shelter?", "low_label_en": "Freezing",
         "high_label_en": "Warm", "condition": ""},
        {"kind": "short_text", "text_es": "¿Una cosa que cambiar?", "condition": ""},
        {"kind": "long_text", "text_en": "Anything else?", "condition": ""},
    ]
    for form in forms:
        assert staff.post("/staff/surveys/winter/questions/new", data=form).status_code == 302

    def check():
        assert [q[:3] for q in questions_of("winter")] == [
            (1, 1, "single"), (2, 2, "multiple"), (3, 3, "rating"), (4, 4, "short_text"), (5, 5, "long_text")]
        keys = {q.number: [c.key for c in q.choices.order_by(SurveyChoice.position)]
                for q in SurveyQuestion.select()}
        assert keys == {1: ["1", "2", "decline"], 2: ["1", "2", "other", "decline"],
                        3: ["1", "2", "3", "4", "5", "decline"], 4: [], 5: []}
        first = SurveyQuestion.get(number=1)
        labels = [(c.label_en, c.label_es) for c in SurveyChoice.select()
                  .where(SurveyChoice.question == first, SurveyChoice.key != "decline")]
        assert labels == [("Yes", "Sí"), ("No", "No")]
    query(check)
    page = staff.get("/staff/surveys/winter").get_data(as_text=True)
    assert "Do you have a coat?" in page and '<span lang="es">¿Una cosa que cambiar?</span>' in page
    assert staff.post("/staff/surveys/winter/state", data={"state": "open"}).status_code == 302
    assert "<em>Every</em> question" in staff.get("/surveys/winter").get_data(as_text=True)


@pytest.mark.parametrize(("data", "message"), [
    ({"slug": "Has Spaces", "title_en": "T"}, "Use 3 to 60 lower-case letters"),
    ({"slug": "ok-slug", "title_en": "", "title_es": ""}, "Give the survey a title"),
    ({"slug": "taken", "title_en": "T"}, "Another survey already uses this short name."),
    ({"slug": "ok-slug", "title_en": "T", "opens_on": "2030-05-02", "closes_on": "2030-05-01"},
     "The closing day cannot come before the opening day."),
    ({"slug": "ok-slug", "title_en": "T", "opens_on": "next week"}, "Not a valid date value."),
    ({"slug": "ok-slug", "title_en": "Two\nlines"}, "Keep this on one line."),
])
def test_bad_survey_settings_are_refused_with_the_form_kept(staff, within, data, message):
    within(lambda: make_survey("taken", questions=[], state="draft"))
    answer = staff.post("/staff/surveys/new", data=data)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and message in html
    assert f'value="{data["slug"]}"' in html


@pytest.mark.parametrize(("data", "message"), [
    ({"kind": "single", "text_en": "", "text_es": "", "choices_en": "A"}, "Write the question"),
    ({"kind": "single", "text_en": "Q", "choices_en": ""}, "Write at least one answer"),
    ({"kind": "single", "text_en": "Q", "choices_en": "A\nB", "choices_es": "A"},
     "as many answers in Spanish"),
    ({"kind": "multiple", "text_en": "Q", "choices_en": "A\na"}, "Each answer may appear only once."),
    ({"kind": "rating", "text_en": "Q", "high_label_en": "High"}, "Say what 1 means"),
    ({"kind": "nonsense", "text_en": "Q"}, "Not a valid choice"),
    ({"kind": "single", "text_en": "Q", "choices_en": "A", "condition": "999"}, "Not a valid choice"),
])
def test_bad_questions_are_refused_clearly(staff, within, query, data, message):
    within(lambda: make_survey("draft", questions=[], state="draft"))
    answer = staff.post("/staff/surveys/draft/questions/new", data={"condition": "", **data})
    assert answer.status_code == 200 and message in answer.get_data(as_text=True)
    assert query(lambda: SurveyQuestion.select().count()) == 0


def test_a_draft_can_be_edited_reordered_and_pruned(staff, within, query):
    within(lambda: make_survey("draft", state="draft"))
    edited = staff.post("/staff/surveys/draft/questions/1", data={
        "kind": "single", "text_en": "Where do you sleep?",
        "choices_en": "Home\nShelter\nOutside\nElsewhere", "condition": ""})
    assert edited.status_code == 302
    assert staff.post("/staff/surveys/draft/questions/5/move", data={"direction": "up"}).status_code == 302
    assert staff.post("/staff/surveys/draft/questions/3/remove").status_code == 302

    def check():
        assert [(n, p) for n, p, *_ in questions_of("draft")] == [(1, 1), (2, 2), (5, 4), (4, 5)]
        first = SurveyQuestion.get(number=1)
        assert first.text_en == "Where do you sleep?"
        assert [c.label_en for c in first.choices.order_by(SurveyChoice.position)][:4] == [
            "Home", "Shelter", "Outside", "Elsewhere"]
    query(check)


def _answered_survey():
    survey = make_survey("answered")
    service.submit_response(load_plan(survey), Answers({1: ["1"]}))
    return survey


def test_once_answers_exist_questions_are_never_changed_in_place(within):
    def check():
        survey = _answered_survey()
        actor = staff_actor()
        service.set_state(actor, survey, "closed")
        first = service.get_question(survey, 1)
        before = (first.text_en, first.kind, first.position, [c.key for c in first.choices])
        with pytest.raises(SurveyError, match="can no longer change"):
            service.edit_question(actor, survey, first, QuestionText("single", "New meaning", "", ["X"]))
        with pytest.raises(SurveyError, match="can no longer change"):
            service.move_question(actor, survey, service.get_question(survey, 2), "up")
        with pytest.raises(SurveyError, match="can no longer change"):
            service.remove_question(actor, survey, first)
        with pytest.raises(SurveyError, match="cannot go back to draft"):
            service.set_state(actor, survey, "draft")
        first = service.get_question(survey, 1)
        assert (first.text_en, first.kind, first.position, [c.key for c in first.choices]) == before
        # appending and hiding stay possible
        added = service.add_question(actor, survey, QuestionText("short_text", "Added later"))
        assert (added.number, added.position) == (6, 6)
        service.set_question_hidden(actor, survey, first, True)
        assert [q.number for q in load_plan(survey).visible] == [2, 3, 4, 5, 6]
    within(check)


def test_an_open_survey_without_answers_goes_back_to_draft_to_be_changed(within):
    def check():
        survey = make_survey("early")
        actor = staff_actor()
        first = service.get_question(survey, 1)
        with pytest.raises(SurveyError):
            service.edit_question(actor, survey, first, QuestionText("single", "Changed", "", ["X"]))
        service.set_state(actor, survey, "draft")
        service.edit_question(actor, survey, first, QuestionText("single", "Changed", "", ["X"]))
        assert service.get_question(survey, 1).text_en == "Changed"
    within(check)


def test_editing_after_answers_through_the_page_is_refused_and_changes_nothing(staff, within, query):
    within(_answered_survey)
    page = staff.get("/staff/surveys/answered/questions/1").get_data(as_text=True)
    assert "can no longer change" in page
    answer = staff.post("/staff/surveys/answered/questions/1", data={
        "kind": "single", "text_en": "A new meaning", "choices_en": "X", "condition": ""})
    assert answer.status_code == 200 and "can no longer change" in answer.get_data(as_text=True)
    assert query(lambda: SurveyQuestion.get(number=1).text_en) == "Do you have a safe place to sleep?"
    removed = staff.post("/staff/surveys/answered/questions/1/remove", follow_redirects=True)
    assert "can no longer change" in removed.get_data(as_text=True)
    assert query(lambda: SurveyQuestion.select().count()) == 5


def test_skip_logic_rules_keep_one_level_and_the_order(within):
    def check():
        survey = make_survey("rules", state="draft", condition=(2, 1, "3"))
        actor = staff_actor()
        no = load_plan(survey).by_number(1).choice("3").id
        rating = load_plan(survey).by_number(3).choice("1").id
        # a condition names a choice of an earlier one-answer question
        with pytest.raises(SurveyError, match="earlier one-answer"):
            service.add_question(actor, survey, QuestionText("short_text", "X", condition_choice_id=rating))
        # one level only: question 2 depends on 1, so nothing may depend on 2's... and 1 may not depend
        with pytest.raises(SurveyError):
            service.edit_question(actor, survey, service.get_question(survey, 1),
                                  QuestionText("single", "Q", "", ["A", "B", "C"], condition_choice_id=no))
        with pytest.raises(SurveyError, match="must stay after it"):
            service.move_question(actor, survey, service.get_question(survey, 2), "up")
        with pytest.raises(SurveyError, match="depends on this one"):
            service.remove_question(actor, survey, service.get_question(survey, 1))
        with pytest.raises(SurveyError, match="Hide it first"):
            service.set_question_hidden(actor, survey, service.get_question(survey, 1), True)
        with pytest.raises(SurveyError, match="must stay a one-answer question"):
            service.edit_question(actor, survey, service.get_question(survey, 1),
                                  QuestionText("multiple", "Q", "", ["A", "B", "C"]))
        with pytest.raises(SurveyError, match="depends on an answer you removed"):
            service.edit_question(actor, survey, service.get_question(survey, 1),
                                  QuestionText("single", "Q", "", ["A", "B"]))
        plan = load_plan(survey)
        assert [[q.number for q in page] for page in plan.pages] == [[1], [2, 3, 4, 5]]
    within(check)


def test_a_survey_needs_a_visible_question_to_open(within):
    def check():
        survey = make_survey("empty", questions=[], state="draft")
        with pytest.raises(SurveyError, match="Add at least one question"):
            service.set_state(staff_actor(), survey, "open")
    within(check)


def test_a_draft_can_be_deleted_and_an_answered_survey_cannot(staff, within, query):
    within(lambda: make_survey("gone", state="draft"))
    within(_answered_survey)
    assert staff.post("/staff/surveys/gone/delete").status_code == 302
    kept = staff.post("/staff/surveys/answered/delete", follow_redirects=True)
    assert "Only a draft without answers can be deleted." in kept.get_data(as_text=True)
    assert query(lambda: [s.slug for s in Survey.select()]) == ["answered"]


def test_the_short_name_is_fixed_once_the_survey_is_out_of_draft(staff, within):
    within(_answered_survey)
    answer = staff.post("/staff/surveys/answered/settings", data={"slug": "renamed", "title_en": "T"})
    assert "The short name can change only while" in answer.get_data(as_text=True)
    assert staff.get("/staff/surveys/answered").status_code == 200


def test_staff_see_every_survey_with_its_count(staff, within):
    within(_answered_survey)
    within(lambda: make_survey("draft-one", questions=EVERY_KIND[:1], state="draft"))
    html = staff.get("/staff/surveys").get_data(as_text=True)
    assert "/surveys/answered" in html and "/surveys/draft-one" in html
