"""Sample surveys for `flask --app app demo`: a needs survey with enough answers to show results,
a small one whose counts are hidden, and a draft that uses codes."""
from __future__ import annotations

import random
from collections.abc import Iterator

from flask import current_app

from portal.accounts.models import User
from portal.surveys import service
from portal.surveys.models import Survey
from portal.surveys.plan import Answers, load_plan
from portal.surveys.service import QuestionText, SurveyText

NEEDS = SurveyText(
    slug="what-would-help",
    title_en="What would help you most this year?",
    title_es="¿Qué te ayudaría más este año?",
    intro_en="We want to plan our services around what you need, not what we guess. It takes about "
             "five minutes.\n\n- Every question is optional.\n- We do not ask your name and we do "
             "not keep your address, device or the time you answered.",
    intro_es="Queremos planear nuestros servicios según lo que necesitas, no según lo que "
             "suponemos. Toma unos cinco minutos.\n\n- Todas las preguntas son opcionales.\n- No "
             "pedimos tu nombre y no guardamos tu dirección, tu dispositivo ni la hora en que "
             "respondiste.")
NEEDS_QUESTIONS = [
    QuestionText("single", "Do you have a safe place to sleep most nights?",
                 "¿Tienes un lugar seguro para dormir la mayoría de las noches?",
                 ["Yes", "Sometimes", "No"], ["Sí", "A veces", "No"]),
    QuestionText("multiple", "Which of these would help you most right now?",
                 "¿Cuáles de estas cosas te ayudarían más ahora?",
                 ["Help finding housing", "Legal help (immigration, records)", "Health care",
                  "Work or training", "Food", "Childcare", "Someone to talk to"],
                 ["Ayuda para encontrar vivienda", "Ayuda legal (inmigración, antecedentes)",
                  "Atención médica", "Trabajo o capacitación", "Comida", "Cuidado de niños",
                  "Alguien con quien hablar"], allow_other=True),
    # shown on its own page, only to people who answered "No" to question 1
    QuestionText("single", "If we could offer an emergency bed tonight, would you use it?",
                 "Si pudiéramos ofrecerte una cama de emergencia esta noche, ¿la usarías?",
                 ["Yes", "Maybe", "No"], ["Sí", "Tal vez", "No"]),
    QuestionText("rating", "How safe do you feel when you visit us?",
                 "¿Qué tan seguro te sientes cuando nos visitas?",
                 low_label_en="Not safe at all", low_label_es="Nada seguro",
                 high_label_en="Completely safe", high_label_es="Totalmente seguro"),
    QuestionText("single", "When could you come to the drop-in?", "¿Cuándo podrías venir al centro?",
                 ["Mornings", "Afternoons", "Evenings", "Weekends"],
                 ["Por la mañana", "Por la tarde", "Por la noche", "Fines de semana"]),
    QuestionText("single", "Which language would you like to be served in?",
                 "¿En qué idioma te gustaría que te atendiéramos?",
                 ["English", "Spanish", "Another language"], ["Inglés", "Español", "Otro idioma"]),
    QuestionText("short_text", "One thing we should change:", "Una cosa que deberíamos cambiar:"),
    QuestionText("long_text", "Is there anything else you want us to know?",
                 "¿Hay algo más que quieras que sepamos?"),
]
SMALL = SurveyText(
    slug="drop-in-hours", title_en="Tuesday evening drop-in",
    title_es="Centro abierto del martes por la noche",
    intro_en="Three quick questions about the Tuesday evening drop-in.",
    intro_es="Tres preguntas rápidas sobre el centro abierto del martes por la noche.")
SMALL_QUESTIONS = [
    QuestionText("single", "Is Tuesday evening a good time for you?",
                 "¿El martes por la noche es buen horario para ti?",
                 ["Yes", "No"], ["Sí", "No"]),
    QuestionText("rating", "How welcoming is the drop-in?", "¿Qué tan acogedor es el centro?",
                 low_label_en="Not welcoming", low_label_es="Nada acogedor",
                 high_label_en="Very welcoming", high_label_es="Muy acogedor"),
    QuestionText("short_text", "What would make it better?", "¿Qué lo haría mejor?"),
]
DRAFT = SurveyText(slug="peer-group-2026", title_en="Peer support group: what should it cover?",
                   title_es="Grupo de apoyo entre pares: ¿de qué debería tratar?", uses_codes=True,
                   intro_en="For members of the Thursday group. Your code is on the slip you were given.",
                   intro_es="Para quienes van al grupo del jueves. Tu código está en el papel que te dimos.")
DRAFT_QUESTIONS = [
    QuestionText("multiple", "Which topics would you like the group to cover?",
                 "¿De qué temas te gustaría que hablara el grupo?",
                 ["Money and debt", "Dealing with the police", "Family", "Health", "Feeling safe"],
                 ["Dinero y deudas", "Cómo tratar con la policía", "Familia", "Salud", "Sentirse seguro"],
                 allow_other=True),
]
CHANGES = ["Longer opening hours on Fridays", "A private room to talk at the front desk",
           "Bus passes for appointments", "More staff who speak Spanish", "Food that lasts the weekend",
           "Text reminders that don't say who they are from"]
WORDS = ["The case workers never rush me. Please keep that.",
         "I was scared the first time. The peer mentor walked me in and that made all the difference.",
         "My kids are with me most days, so anything with childcare helps.",
         "I need help with a criminal record from when I was being trafficked.",
         "Please don't make me tell my story again every time I see someone new.",
         "Me gustaría tener clases de inglés por la noche.",
         "The phone line should answer on weekends too."]


def _build(actor: User, text: SurveyText, questions: list[QuestionText]) -> Survey:
    survey = service.create_survey(actor, text)
    made = []
    for question in questions:
        made.append(service.add_question(actor, survey, question))
    return survey


def _answer_needs(rng: random.Random, plan) -> Answers:
    """One made-up person's answers to the needs survey (some questions left out, as people do)."""
    answers = Answers()
    q = {question.number: question for question in plan.questions}
    if rng.random() < 0.95:
        answers.choices[1] = [rng.choices(["1", "2", "3", "decline"], weights=(45, 25, 25, 5))[0]]
    picks = rng.sample(["1", "2", "3", "4", "5", "6", "7"], k=rng.randint(1, 3))
    if rng.random() < 0.9:
        answers.choices[2] = sorted(picks, key=[c.key for c in q[2].choices].index)
        if rng.random() < 0.1:
            answers.choices[2].append("other")
            answers.texts[2] = rng.choice(["Phone credit", "A lawyer who speaks Tagalog", "Dental care"])
    if answers.choices.get(1) == ["3"] and rng.random() < 0.9:
        answers.choices[3] = [rng.choices(["1", "2", "3"], weights=(60, 30, 10))[0]]
    if rng.random() < 0.9:
        answers.choices[4] = [rng.choices(["1", "2", "3", "4", "5", "decline"],
                                          weights=(3, 6, 20, 40, 30, 4))[0]]
    if rng.random() < 0.85:
        answers.choices[5] = [rng.choices(["1", "2", "3", "4"], weights=(20, 25, 40, 15))[0]]
    if rng.random() < 0.85:
        answers.choices[6] = [rng.choices(["1", "2", "3"], weights=(50, 42, 8))[0]]
    if rng.random() < 0.4:
        answers.texts[7] = rng.choice(CHANGES)
    if rng.random() < 0.2:
        answers.texts[8] = rng.choice(WORDS)
    return answers


def demo_surveys() -> Iterator[str]:
    """Create the sample surveys once, answered by made-up people."""
    if Survey.select().exists():
        yield "Surveys already exist; left as they are."
        return
    # the questions' labels are read as an English-speaking visitor would read them
    with current_app.test_request_context("/"):
        yield _fill()


def _fill() -> str:
    """Build and answer the sample surveys; one line saying what was made."""
    staff = User.by_username("demo-staff")
    # made-up answers, the same on every run: not for anything secret
    rng = random.Random(2024)  # noqa: S311 # nosec B311
    needs = _build(staff, NEEDS, NEEDS_QUESTIONS)
    plan = load_plan(needs)
    first_no = next(c.id for c in plan.by_number(1).choices if c.key == "3")
    # question 3 only for people without a safe place to sleep
    question = service.get_question(needs, 3)
    question.condition_choice_id = first_no
    question.save()
    service.set_state(staff, needs, "open")
    plan = load_plan(needs)
    for _ in range(140):
        service.submit_response(plan, _answer_needs(rng, plan))
    service.set_results_published(staff, needs, True)

    small = _build(staff, SMALL, SMALL_QUESTIONS)
    service.set_state(staff, small, "open")
    small_plan = load_plan(small)
    for yes, rating in (("1", "5"), ("1", "4"), ("2", "4"), ("1", "5"), ("1", "3"), ("1", "4"), ("2", "2")):
        answers = Answers({1: [yes], 2: [rating]})
        service.submit_response(small_plan, answers)
    service.set_results_published(staff, small, True)

    draft = _build(staff, DRAFT, DRAFT_QUESTIONS)
    return (f"Created 3 surveys: /surveys/{needs.slug} (140 answers, results published), "
           f"/surveys/{small.slug} (7 answers: most counts are hidden as too small), and the draft "
           f"/staff/surveys/{draft.slug}, which uses printed codes.")
