"""A survey as a person answers it: its questions in the reader's language, split into pages
where skip logic needs it, and the answers a form carries read and checked."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from flask import has_request_context

from portal.i18n import current_language
from portal.i18n import gettext as _
from portal.surveys.models import (
    CHOICE_KINDS,
    DECLINE,
    OTHER,
    TEXT_KINDS,
    Survey,
    SurveyChoice,
    SurveyQuestion,
)
from portal.text import CONTROL_CHARACTERS, plain_text

MAX_SHORT_TEXT = 300
MAX_LONG_TEXT = 5000
MAX_OTHER_TEXT = 300


@dataclass(frozen=True)
class Words:
    """A text in the reader's language, or in the other one (with its language) when missing."""

    text: str
    lang: str

    def __str__(self) -> str:
        return self.text


def reader_language() -> str:
    """The language of this request ("en" outside one, as in `flask demo`)."""
    return current_language() if has_request_context() else "en"


def in_reader_language(english: str, spanish: str) -> Words:
    """The reader's language first, the other as a fallback."""
    if reader_language() == "es":
        return Words(spanish, "es") if spanish.strip() else Words(english, "en")
    return Words(english, "en") if english.strip() else Words(spanish, "es")


@dataclass
class ChoiceView:
    """One answer of a list or rating question."""

    id: int
    key: str
    label: Words
    value: int | None


@dataclass
class QuestionView:
    """One question with what the form and the results need."""

    id: int
    number: int
    position: int
    kind: str
    text: Words
    choices: list[ChoiceView]
    low_label: Words
    high_label: Words
    allow_other: bool
    hidden: bool
    # (question number, choice key) that must have been answered for this question to show
    condition: tuple[int, str] | None = None
    condition_text: str = ""
    page: int = 0

    @property
    def name(self) -> str:
        """The form field's name."""
        return f"q{self.number}"

    @property
    def other_name(self) -> str:
        """The field for "other, in your words"."""
        return f"q{self.number}-other"

    @property
    def is_choice(self) -> bool:
        return self.kind in CHOICE_KINDS

    @property
    def is_text(self) -> bool:
        return self.kind in TEXT_KINDS

    def choice(self, key: str) -> ChoiceView | None:
        """The choice with this key."""
        return next((c for c in self.choices if c.key == key), None)

    @property
    def max_length(self) -> int:
        return MAX_LONG_TEXT if self.kind == "long_text" else MAX_SHORT_TEXT


@dataclass
class Plan:
    """Every question of a survey in order (hidden ones included) and the pages of the visible."""

    survey: Survey
    questions: list[QuestionView]
    pages: list[list[QuestionView]]

    def by_number(self, number: int) -> QuestionView | None:
        return next((q for q in self.questions if q.number == number), None)

    def by_id(self, question_id: int) -> QuestionView | None:
        return next((q for q in self.questions if q.id == question_id), None)

    @property
    def visible(self) -> list[QuestionView]:
        return [q for q in self.questions if not q.hidden]


@dataclass
class Answers:
    """What a person has answered so far: choice keys and texts by question number."""

    choices: dict[int, list[str]] = field(default_factory=dict)
    texts: dict[int, str] = field(default_factory=dict)

    def is_empty(self) -> bool:
        return not self.choices and not self.texts

    def fields(self, plan: Plan) -> list[tuple[str, str]]:
        """(name, value) pairs that carry these answers in a form."""
        pairs = []
        for question in plan.questions:
            for key in self.choices.get(question.number, []):
                pairs.append((question.name, key))
            if question.number in self.texts:
                name = question.other_name if question.kind == "multiple" else question.name
                pairs.append((name, self.texts[question.number]))
        return pairs


def load_plan(survey: Survey) -> Plan:
    """Read a survey's questions and choices (two queries) and split the visible ones into pages."""
    rows = list(SurveyQuestion
                .select()
                .where(SurveyQuestion.survey == survey)
                .order_by(SurveyQuestion.position, SurveyQuestion.id))
    choices: dict[int, list[SurveyChoice]] = {}
    if rows:
        for choice in (SurveyChoice
                       .select()
                       .where(SurveyChoice.question.in_([q.id for q in rows]))
                       .order_by(SurveyChoice.position, SurveyChoice.id)):
            choices.setdefault(choice.question_id, []).append(choice)
    views = []
    choice_owner: dict[int, tuple[SurveyQuestion, SurveyChoice]] = {}
    for row in rows:
        for choice in choices.get(row.id, []):
            choice_owner[choice.id] = (row, choice)
    for row in rows:
        view = QuestionView(
            id=row.id, number=row.number, position=row.position, kind=row.kind,
            text=in_reader_language(row.text_en, row.text_es),
            choices=[ChoiceView(c.id, c.key, _choice_label(row, c), c.value)
                     for c in choices.get(row.id, [])],
            low_label=in_reader_language(row.low_label_en, row.low_label_es),
            high_label=in_reader_language(row.high_label_en, row.high_label_es),
            allow_other=row.allow_other, hidden=row.hidden)
        if row.condition_choice_id in choice_owner:
            owner, choice = choice_owner[row.condition_choice_id]
            view.condition = (owner.number, choice.key)
            view.condition_text = _("Only for people who answered “%(answer)s” to question %(number)d.",
                                    answer=_choice_label(owner, choice).text, number=owner.number)
        views.append(view)
    return Plan(survey, views, paginate(views))


def _choice_label(question: SurveyQuestion, choice: SurveyChoice) -> Words:
    """A choice's label; the answers every list offers have theirs in the catalogue."""
    if choice.key == DECLINE:
        return Words(_("Prefer not to say"), reader_language())
    if choice.key == OTHER:
        return Words(_("Other, in my own words"), reader_language())
    if question.kind == "rating":
        return Words(str(choice.value), reader_language())
    return in_reader_language(choice.label_en, choice.label_es)


def paginate(questions: list[QuestionView]) -> list[list[QuestionView]]:
    """Visible questions in pages: a new page starts where a question depends on one above it on
    the same page, so its answer is known before the question is shown (no JavaScript needed)."""
    pages: list[list[QuestionView]] = [[]]
    for question in questions:
        if question.hidden:
            continue
        if question.condition and any(q.number == question.condition[0] for q in pages[-1]):
            pages.append([])
        question.page = len(pages)
        pages[-1].append(question)
    return pages if pages[0] else []


def applies(question: QuestionView, answers: Answers) -> bool:
    """True when the question is shown to a person with these answers."""
    if question.hidden:
        return False
    if question.condition is None:
        return True
    number, key = question.condition
    return answers.choices.get(number) == [key]


def read_answers(plan: Plan, data: Mapping) -> tuple[Answers, dict[int, list[str]]]:
    """The answers a form sent, checked against the survey, with a message for each problem.

    `data` is a multi-dict (werkzeug's). Answers to questions the person is not shown are
    dropped, as are fields the survey does not have; nothing else is changed silently.
    """
    answers, errors = Answers(), {}
    for question in plan.visible:
        problem = _read_one(question, data, answers)
        if problem:
            errors[question.number] = [problem]
    for question in plan.visible:
        if not applies(question, answers):
            answers.choices.pop(question.number, None)
            answers.texts.pop(question.number, None)
            errors.pop(question.number, None)
    return answers, errors


def _read_one(question: QuestionView, data, answers: Answers) -> str | None:
    """Read one question's fields into `answers`; the message for what is wrong, if anything."""
    values = [v for v in data.getlist(question.name) if v != ""]
    if question.is_text:
        if len(values) > 1:
            return _("Send one answer to this question.")
        text = plain_text(values[0]) if values else ""
        problem = _text_problem(text, question.max_length)
        if problem:
            return problem
        if text.strip():
            answers.texts[question.number] = text
        return None
    keys = {c.key for c in question.choices}
    if any(v not in keys for v in values):
        return _("Choose one of the listed answers.")
    if question.kind in ("single", "rating"):
        if len(values) > 1:
            return _("Choose only one answer.")
    elif len(set(values)) != len(values):
        return _("Each answer can be chosen only once.")
    elif DECLINE in values and len(values) > 1:
        return _("Choose “Prefer not to say” on its own, or the answers that fit.")
    if question.kind == "multiple" and question.allow_other:
        others = [v for v in data.getlist(question.other_name) if v != ""]
        if len(others) > 1:
            return _("Send one answer to this question.")
        text = plain_text(others[0]) if others else ""
        problem = _text_problem(text, MAX_OTHER_TEXT)
        if problem:
            return problem
        if text.strip():
            if DECLINE in values:
                return _("Choose “Prefer not to say” on its own, or the answers that fit.")
            # words typed in "other" count as choosing it, ticked or not
            if OTHER not in values:
                values.append(OTHER)
            answers.texts[question.number] = text
    if values:
        answers.choices[question.number] = sorted(values, key=[c.key for c in question.choices].index)
    return None


def _text_problem(text: str, limit: int) -> str | None:
    """What is wrong with a typed answer, if anything."""
    if len(text) > limit:
        return _("Please shorten this to %(max)d characters or fewer (it has %(length)d).",
                 max=limit, length=len(text))
    if CONTROL_CHARACTERS.search(text):
        return _("Remove the invisible control characters from this text.")
    return None


def page_number(raw: str | None, plan: Plan) -> int:
    """The page a form says it came from (1 when it says nothing sensible)."""
    try:
        number = int(raw or "1")
    except ValueError:
        return 1
    return number if 1 <= number <= len(plan.pages) + 1 else 1


def next_page(plan: Plan, after: int, answers: Answers) -> int | None:
    """The next page after `after` with a question this person is shown (None: no more)."""
    for number in range(after + 1, len(plan.pages) + 1):
        if any(applies(q, answers) for q in plan.pages[number - 1]):
            return number
    return None


def previous_page(plan: Plan, before: int, answers: Answers) -> int:
    """The page before `before` with a question this person is shown (1 at the start)."""
    for number in range(min(before, len(plan.pages) + 1) - 1, 0, -1):
        if any(applies(q, answers) for q in plan.pages[number - 1]):
            return number
    return 1


def may_be_last(plan: Plan, page: int) -> bool:
    """True when no later page could have a question for anyone (its button says "Send")."""
    return page >= len(plan.pages)
