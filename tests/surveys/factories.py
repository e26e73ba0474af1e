"""Surveys made in one call, the way staff make them (through the service)."""
from __future__ import annotations

from portal.accounts.models import User
from portal.surveys import service
from portal.surveys.models import Survey
from portal.surveys.plan import load_plan
from portal.surveys.service import QuestionText, SurveyText

# one question of each kind: 1 one answer, 2 any number with "other", 3 rating, 4 short, 5 long
EVERY_KIND = [
    QuestionText("single", "Do you have a safe place to sleep?", "¿Tienes un lugar seguro para dormir?",
                 ["Yes", "Sometimes", "No"], ["Sí", "A veces", "No"]),
    QuestionText("multiple", "What would help?", "¿Qué te ayudaría?",
                 ["Housing", "Legal help", "Food"], ["Vivienda", "Ayuda legal", "Comida"], allow_other=True),
    QuestionText("rating", "How safe do you feel here?", "¿Qué tan seguro te sientes aquí?",
                 low_label_en="Not safe", low_label_es="Nada seguro",
                 high_label_en="Very safe", high_label_es="Muy seguro"),
    QuestionText("short_text", "One thing to change", "Una cosa que cambiar"),
    QuestionText("long_text", "Anything else?", "¿Algo más?"),
]


def staff_actor() -> User:
    """A staff account to act as (made once)."""
    user = User.by_username("survey-builder")
    if user is None:
        from portal.clock import utc_now

        user = User.create(username="survey-builder", role="staff", password_hash="x",
                           created_on=utc_now().date())
    return user


def make_survey(slug: str = "needs", questions: list[QuestionText] | None = None, state: str = "open",
                condition: tuple[int, int, str] | None = None, **settings) -> Survey:
    """A survey with questions (EVERY_KIND by default), optionally one condition
    (question number, on question number, choice key), in a state. Call inside a request context."""
    actor = staff_actor()
    text = SurveyText(slug=slug, title_en=settings.pop("title_en", "Needs survey"),
                      title_es=settings.pop("title_es", "Encuesta de necesidades"), **settings)
    survey = service.create_survey(actor, text)
    for question in (EVERY_KIND if questions is None else questions):
        service.add_question(actor, survey, question)
    if condition:
        number, on, key = condition
        choice = load_plan(survey).by_number(on).choice(key)
        dependent = service.get_question(survey, number)
        dependent.condition_choice_id = choice.id
        dependent.save()
    if state != "draft":
        service.set_state(actor, survey, state if state != "closed" else "open")
        if state == "closed":
            service.set_state(actor, survey, "closed")
    return Survey.get_by_id(survey.id)


def plain_survey(slug: str, questions: list[tuple], uses_codes: bool = False,
                 condition: tuple[int, int, str] | None = None) -> Survey:
    """A survey written straight into the tables, with no staff action recorded (for flows that
    must find only what a visitor leaves): questions are (kind, text, [choice labels])."""
    from portal.clock import today
    from portal.surveys.models import SurveyChoice, SurveyQuestion

    survey = Survey.create(slug=slug, title_en=f"Survey {slug}", title_es=f"Encuesta {slug}",
                           state="open", uses_codes=uses_codes, created_on=today())
    for number, (kind, text, labels) in enumerate(questions, start=1):
        question = SurveyQuestion.create(survey=survey, number=number, position=number, kind=kind,
                                         text_en=text, text_es=text)
        keys = [str(n) for n in range(1, len(labels) + 1)] if kind != "rating" else ["1", "2", "3", "4", "5"]
        if kind in ("single", "multiple", "rating"):
            keys.append("decline")
        for position, key in enumerate(keys, start=1):
            SurveyChoice.create(question=question, key=key, position=position,
                                label_en=labels[position - 1] if key.isdigit() and kind != "rating" else "",
                                value=int(key) if kind == "rating" else None)
    if condition:
        number, on, key = condition
        target = SurveyQuestion.get(survey=survey, number=on)
        choice = SurveyChoice.get(question=target, key=key)
        SurveyQuestion.update(condition_choice_id=choice.id).where(
            (SurveyQuestion.survey == survey) & (SurveyQuestion.number == number)).execute()
    return survey
