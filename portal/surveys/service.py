"""The rules of needs surveys: building them, opening and closing, answering, and survey codes."""
from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass, field
from itertools import product

from peewee import EXCLUDED, IntegrityError, fn

from portal import clock, codes
from portal.accounts import sealed
from portal.accounts.audit import record
from portal.accounts.models import User
from portal.db import built_once, write_transaction
from portal.i18n import gettext as _
from portal.surveys.models import (
    CHOICE_KINDS,
    DECLINE,
    KINDS,
    OTHER,
    Survey,
    SurveyAnswer,
    SurveyChoice,
    SurveyCode,
    SurveyQuestion,
    SurveyResponse,
    SurveyTally,
    SurveyTextAnswer,
)
from portal.surveys.plan import Answers, Plan

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,58}[a-z0-9])$")
MAX_CHOICES = 20
MAX_CODES = 500
CODE_LENGTH = 12
CODE_PURPOSE = "survey-code"
# random sort keys stay below a billion, so none reads like a Unix time stamp
SHUFFLE_RANGE = 10**9
# 60 random bits, from an alphabet no spreadsheet reads as a formula
PUBLIC_ID_LENGTH = 12


class SurveyError(Exception):
    """A request the rules refuse, with a message fit to show, and the field it concerns."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class SurveyText:
    """What staff write about a survey as a whole."""

    slug: str
    title_en: str = ""
    title_es: str = ""
    intro_en: str = ""
    intro_es: str = ""
    opens_on: dt.date | None = None
    closes_on: dt.date | None = None
    uses_codes: bool = False


@dataclass
class QuestionText:
    """What staff write about one question."""

    kind: str
    text_en: str = ""
    text_es: str = ""
    choices_en: list[str] = field(default_factory=list)
    choices_es: list[str] = field(default_factory=list)
    allow_other: bool = False
    low_label_en: str = ""
    low_label_es: str = ""
    high_label_en: str = ""
    high_label_es: str = ""
    condition_choice_id: int | None = None


# --- reading ---------------------------------------------------------------------------------

def get_survey(slug: str) -> Survey | None:
    """A survey by its short name."""
    return Survey.by_slug(slug or "")


def all_surveys() -> list[Survey]:
    """Every survey, newest first, for staff."""
    return list(Survey.select().order_by(Survey.id.desc()))


def response_counts() -> dict[int, int]:
    """How many responses each survey has, from the running counts (no scan of the responses)."""
    rows = (SurveyTally
            .select(SurveyTally.survey, SurveyTally.total)
            .where((SurveyTally.row_question == 0) & (SurveyTally.col_question == 0))
            .tuples())
    return dict(rows)


def response_count(survey: Survey) -> int:
    """How many responses one survey has."""
    row = (SurveyTally
           .select(SurveyTally.total)
           .where((SurveyTally.survey == survey) & (SurveyTally.row_question == 0)
                  & (SurveyTally.col_question == 0))
           .first())
    return row.total if row else 0


def has_responses(survey: Survey) -> bool:
    """True once anyone has answered."""
    return SurveyResponse.select().where(SurveyResponse.survey == survey).exists()


def is_locked(survey: Survey) -> bool:
    """Once a survey is out of draft or has answers, its questions keep their meaning: new
    questions can be added at the end and questions hidden, nothing changed in place."""
    return survey.state != "draft" or has_responses(survey)


# the surveys page and the dashboard read this: its SQL is built once a day (portal/db.py)
_open_now = built_once(Survey.open_now)


def open_surveys() -> list[Survey]:
    """Surveys taking answers today."""
    return _open_now(clock.today())


def published_results() -> list[Survey]:
    """Surveys whose results are public."""
    return list(Survey.with_published_results())


def availability(survey: Survey) -> str:
    """"open", "draft", "not_yet" or "closed": whether a person can answer today."""
    today = clock.today()
    if survey.state == "draft":
        return "draft"
    if survey.state == "closed" or (survey.closes_on and survey.closes_on < today):
        return "closed"
    if survey.opens_on and survey.opens_on > today:
        return "not_yet"
    return "open"


# --- building --------------------------------------------------------------------------------

def _check_survey_text(data: SurveyText, survey: Survey | None = None) -> None:
    """Refuse a bad short name, a missing title or dates the wrong way round."""
    if not SLUG.match(data.slug or ""):
        raise SurveyError(_("Use 3 to 60 lower-case letters, digits and dashes, starting and ending "
                            "with a letter or digit."), "slug")
    clash = Survey.select().where(Survey.slug == data.slug)
    if survey is not None:
        clash = clash.where(Survey.id != survey.id)
    if clash.exists():
        raise SurveyError(_("Another survey already uses this short name."), "slug")
    if not (data.title_en.strip() or data.title_es.strip()):
        raise SurveyError(_("Give the survey a title in English or Spanish."), "title_en")
    if data.opens_on and data.closes_on and data.closes_on < data.opens_on:
        raise SurveyError(_("The closing day cannot come before the opening day."), "closes_on")


def create_survey(actor: User, data: SurveyText) -> Survey:
    """A new draft survey."""
    _check_survey_text(data)
    try:
        with write_transaction():
            survey = Survey.create(created_on=clock.today(), state="draft", **vars(data))
            record(actor, "surveys.create", survey.id)
    except IntegrityError as error:
        raise SurveyError(_("Another survey already uses this short name."), "slug") from error
    return survey


def update_survey(actor: User, survey: Survey, data: SurveyText) -> None:
    """Change a survey's texts, dates and whether it needs codes; its short name only in draft,
    since printed slips carry it."""
    _check_survey_text(data, survey)
    if data.slug != survey.slug and is_locked(survey):
        raise SurveyError(_("The short name can change only while the survey is a draft with no "
                            "answers: printed codes and links use it."), "slug")
    try:
        with write_transaction():
            Survey.update(**vars(data)).where(Survey.id == survey.id).execute()
            record(actor, "surveys.edit", survey.id)
    except IntegrityError as error:
        raise SurveyError(_("Another survey already uses this short name."), "slug") from error
    for name, value in vars(data).items():
        setattr(survey, name, value)


def set_state(actor: User, survey: Survey, state: str) -> None:
    """Open, close, reopen, or take back to draft a survey nobody has answered yet."""
    if state not in ("draft", "open", "closed"):
        raise SurveyError(_("Choose open, closed or draft."))
    if state == survey.state:
        return
    with write_transaction():
        if state == "open" and not (SurveyQuestion.select()
                                    .where((SurveyQuestion.survey == survey) & ~SurveyQuestion.hidden)
                                    .exists()):
            raise SurveyError(_("Add at least one question before opening the survey."))
        if state == "draft" and has_responses(survey):
            raise SurveyError(_("People have answered this survey, so it cannot go back to draft. "
                                "Close it instead."))
        Survey.update(state=state).where(Survey.id == survey.id).execute()
        record(actor, f"surveys.{state}", survey.id)
    survey.state = state


def delete_survey(actor: User, survey: Survey) -> None:
    """Delete a draft nobody has answered."""
    with write_transaction():
        if survey.state != "draft" or has_responses(survey):
            raise SurveyError(_("Only a draft without answers can be deleted."))
        survey.delete_instance(recursive=False)
        record(actor, "surveys.delete", survey.id)


def set_results_published(actor: User, survey: Survey, published: bool) -> None:
    """Show or stop showing the results at /surveys/<slug>/results."""
    if published and survey.state == "draft":
        raise SurveyError(_("Open the survey before publishing its results."))
    day = (survey.results_published_on or clock.today()) if published else None
    with write_transaction():
        Survey.update(results_published_on=day).where(Survey.id == survey.id).execute()
        record(actor, "surveys.publish" if published else "surveys.unpublish", survey.id)
    survey.results_published_on = day


def _questions(survey: Survey) -> list[SurveyQuestion]:
    """Every question of a survey in order."""
    return list(SurveyQuestion
                .select()
                .where(SurveyQuestion.survey == survey)
                .order_by(SurveyQuestion.position, SurveyQuestion.id))


def get_question(survey: Survey, number: int) -> SurveyQuestion | None:
    """A survey's question by its number."""
    return SurveyQuestion.get_or_none((SurveyQuestion.survey == survey)
                                      & (SurveyQuestion.number == number))


def _locked_error() -> SurveyError:
    return SurveyError(_("This survey is open or has answers, so its questions can no longer change: "
                         "answers must keep their meaning. Add a new question at the end, or hide "
                         "this one."))


def _dependants(question: SurveyQuestion) -> list[SurveyQuestion]:
    """Questions shown only after an answer to this one."""
    choice_ids = [c.id for c in SurveyChoice.select(SurveyChoice.id)
                  .where(SurveyChoice.question == question)]
    if not choice_ids:
        return []
    return list(SurveyQuestion
                .select()
                .where((SurveyQuestion.survey == question.survey_id)
                       & SurveyQuestion.condition_choice_id.in_(choice_ids))
                .order_by(SurveyQuestion.position))


def _check_question_text(data: QuestionText) -> None:
    """Refuse a question without text, choices that do not pair up, or a rating without ends."""
    if data.kind not in KINDS:
        raise SurveyError(_("Choose one of the kinds of question."), "kind")
    if not (data.text_en.strip() or data.text_es.strip()):
        raise SurveyError(_("Write the question in English or Spanish."), "text_en")
    if data.kind in ("single", "multiple"):
        english = [c.strip() for c in data.choices_en if c.strip()]
        spanish = [c.strip() for c in data.choices_es if c.strip()]
        if not (english or spanish):
            raise SurveyError(_("Write at least one answer to choose from, one a line."), "choices_en")
        if english and spanish and len(english) != len(spanish):
            raise SurveyError(_("Write as many answers in Spanish as in English (one a line, in the "
                                "same order), or leave one language empty."), "choices_es")
        if max(len(english), len(spanish)) > MAX_CHOICES:
            raise SurveyError(_("Offer at most %(n)d answers.", n=MAX_CHOICES), "choices_en")
        for name, labels in (("choices_en", english), ("choices_es", spanish)):
            if len({label.casefold() for label in labels}) != len(labels):
                raise SurveyError(_("Each answer may appear only once."), name)
            if any(len(label) > 200 for label in labels):
                raise SurveyError(_("Keep each answer to 200 characters or fewer."), name)
    if data.kind == "rating":
        if not (data.low_label_en.strip() or data.low_label_es.strip()):
            raise SurveyError(_("Say what 1 means, in English or Spanish."), "low_label_en")
        if not (data.high_label_en.strip() or data.high_label_es.strip()):
            raise SurveyError(_("Say what 5 means, in English or Spanish."), "high_label_en")


def condition_options(survey: Survey, before_position: int | None = None) -> list[tuple[int, str]]:
    """(choice id, description) of every answer a question may depend on: a choice of an earlier
    one-answer question that itself depends on nothing (one level of skip logic)."""
    from portal.surveys.plan import load_plan

    plan = load_plan(survey)
    options = []
    for question in plan.questions:
        if before_position is not None and question.position >= before_position:
            break
        if question.kind != "single" or question.condition or question.hidden:
            continue
        for choice in question.choices:
            options.append((choice.id, _("Question %(number)d: %(question)s → %(answer)s",
                                         number=question.number, question=question.text.text,
                                         answer=choice.label.text)))
    return options


def _check_condition(survey: Survey, choice_id: int | None, position: int,
                     question: SurveyQuestion | None = None) -> None:
    """A condition names a choice of an earlier, visible one-answer question without its own."""
    if choice_id is None:
        return
    choice = SurveyChoice.get_or_none(SurveyChoice.id == choice_id)
    owner = SurveyQuestion.get_or_none(SurveyQuestion.id == choice.question_id) if choice else None
    if (owner is None or owner.survey_id != survey.id or owner.kind != "single" or owner.hidden
            or owner.condition_choice_id is not None or owner.position >= position):
        raise SurveyError(_("A question can depend only on an answer to an earlier one-answer "
                            "question that does not depend on another."), "condition")
    if question is not None and _dependants(question):
        raise SurveyError(_("Other questions depend on this one, so it cannot depend on another."),
                          "condition")


def _write_choices(question: SurveyQuestion, data: QuestionText) -> None:
    """Create or update the question's choices in place, keeping each one's key (and so any
    condition naming it) where the list keeps its place."""
    existing = {c.key: c for c in SurveyChoice.select().where(SurveyChoice.question == question)}
    wanted: list[dict] = []
    if data.kind in ("single", "multiple"):
        english = [c.strip() for c in data.choices_en if c.strip()]
        spanish = [c.strip() for c in data.choices_es if c.strip()]
        for n in range(max(len(english), len(spanish))):
            wanted.append({"key": str(n + 1), "label_en": english[n] if english else "",
                           "label_es": spanish[n] if spanish else "", "value": None})
        if data.kind == "multiple" and data.allow_other:
            wanted.append({"key": OTHER, "label_en": "", "label_es": "", "value": None})
    elif data.kind == "rating":
        wanted = [{"key": str(v), "label_en": "", "label_es": "", "value": v} for v in range(1, 6)]
    if data.kind in CHOICE_KINDS:
        wanted.append({"key": DECLINE, "label_en": "", "label_es": "", "value": None})
    keep = {w["key"] for w in wanted}
    gone = [c.id for key, c in existing.items() if key not in keep]
    if gone:
        used = (SurveyQuestion.select()
                .where((SurveyQuestion.survey == question.survey_id)
                       & SurveyQuestion.condition_choice_id.in_(gone)).exists())
        if used:
            raise SurveyError(_("Another question depends on an answer you removed. Change that "
                                "question first."), "choices_en")
        SurveyChoice.delete().where(SurveyChoice.id.in_(gone)).execute()
    for position, values in enumerate(wanted, start=1):
        current = existing.get(values["key"])
        if current is None:
            SurveyChoice.create(question=question, position=position, **values)
        else:
            (SurveyChoice.update(position=position, **values)
             .where(SurveyChoice.id == current.id).execute())


def _question_fields(data: QuestionText) -> dict:
    """The question's own columns from what staff wrote."""
    rating = data.kind == "rating"
    return {"kind": data.kind, "text_en": data.text_en.strip(), "text_es": data.text_es.strip(),
            "allow_other": data.kind == "multiple" and data.allow_other,
            "low_label_en": data.low_label_en.strip() if rating else "",
            "low_label_es": data.low_label_es.strip() if rating else "",
            "high_label_en": data.high_label_en.strip() if rating else "",
            "high_label_es": data.high_label_es.strip() if rating else "",
            "condition_choice_id": data.condition_choice_id}


def add_question(actor: User, survey: Survey, data: QuestionText) -> SurveyQuestion:
    """Add a question at the end; allowed at any time, since it changes no earlier answer."""
    _check_question_text(data)
    with write_transaction():
        last = (SurveyQuestion
                .select(fn.MAX(SurveyQuestion.position), fn.MAX(SurveyQuestion.number))
                .where(SurveyQuestion.survey == survey)
                .tuples()
                .first())
        position, number = (last[0] or 0) + 1, (last[1] or 0) + 1
        _check_condition(survey, data.condition_choice_id, position)
        question = SurveyQuestion.create(survey=survey, number=number, position=position,
                                         **_question_fields(data))
        _write_choices(question, data)
        record(actor, "surveys.question_add", survey.id)
    return question


def edit_question(actor: User, survey: Survey, question: SurveyQuestion, data: QuestionText) -> None:
    """Change a question in place: only in a draft nobody has answered."""
    _check_question_text(data)
    with write_transaction():
        if is_locked(survey):
            raise _locked_error()
        if question.kind == "single" and data.kind != "single" and _dependants(question):
            raise SurveyError(_("Other questions depend on the answers to this one, so it must stay a "
                                "one-answer question."), "kind")
        _check_condition(survey, data.condition_choice_id, question.position, question)
        (SurveyQuestion.update(**_question_fields(data))
         .where(SurveyQuestion.id == question.id).execute())
        _write_choices(question, data)
        record(actor, "surveys.question_edit", survey.id)


def move_question(actor: User, survey: Survey, question: SurveyQuestion, direction: str) -> None:
    """Swap a question with the one above or below it: only in a draft nobody has answered."""
    with write_transaction():
        if is_locked(survey):
            raise _locked_error()
        questions = _questions(survey)
        index = next(i for i, q in enumerate(questions) if q.id == question.id)
        other_index = index - 1 if direction == "up" else index + 1
        if direction not in ("up", "down") or not 0 <= other_index < len(questions):
            return
        other = questions[other_index]
        first, second = (other, question) if direction == "up" else (question, other)
        # after the swap `second` comes first: it must not depend on `first`
        if second.condition_choice_id is not None and second.condition_choice_id in {
                c.id for c in SurveyChoice.select(SurveyChoice.id).where(SurveyChoice.question == first)}:
            raise SurveyError(_("Question %(a)d depends on question %(b)d, so it must stay after it.",
                                a=second.number, b=first.number))
        positions = (first.position, second.position)
        SurveyQuestion.update(position=positions[1]).where(SurveyQuestion.id == first.id).execute()
        SurveyQuestion.update(position=positions[0]).where(SurveyQuestion.id == second.id).execute()
        record(actor, "surveys.question_move", survey.id)


def remove_question(actor: User, survey: Survey, question: SurveyQuestion) -> None:
    """Delete a question: only in a draft nobody has answered, and not one others depend on."""
    with write_transaction():
        if is_locked(survey):
            raise _locked_error()
        dependants = _dependants(question)
        if dependants:
            raise SurveyError(_("Question %(n)d depends on this one. Change or remove it first.",
                                n=dependants[0].number))
        question.delete_instance()
        record(actor, "surveys.question_remove", survey.id)


def set_question_hidden(actor: User, survey: Survey, question: SurveyQuestion, hidden: bool) -> None:
    """Hide a question from people answering (its answers stay), or show it again."""
    with write_transaction():
        if hidden:
            visible = [q for q in _dependants(question) if not q.hidden]
            if visible:
                raise SurveyError(_("Question %(n)d depends on this one. Hide it first.",
                                    n=visible[0].number))
        elif question.condition_choice_id is not None:
            owner = (SurveyQuestion
                     .select()
                     .join(SurveyChoice, on=(SurveyChoice.question == SurveyQuestion.id))
                     .where(SurveyChoice.id == question.condition_choice_id)
                     .first())
            if owner is not None and owner.hidden:
                raise SurveyError(_("This question depends on question %(n)d. Show that one first.",
                                    n=owner.number))
        (SurveyQuestion.update(hidden=hidden)
         .where(SurveyQuestion.id == question.id).execute())
        record(actor, "surveys.question_hide" if hidden else "surveys.question_show", survey.id)
    question.hidden = hidden


# --- codes -----------------------------------------------------------------------------------

def _code_hash(survey: Survey, typed: str) -> str:
    """The keyed hash kept for a code, bound to its survey."""
    return codes.keyed_hash(f"{CODE_PURPOSE}:{survey.id}", codes.normalise(typed))


def create_codes(actor: User, survey: Survey, count: int) -> list[str]:
    """Make one-use codes for a survey; only their hashes are kept, and nothing of who gets one."""
    if not survey.uses_codes:
        raise SurveyError(_("Turn on “Answering needs a code” in the survey's settings first."))
    if not 1 <= count <= MAX_CODES:
        raise SurveyError(_("Make between 1 and %(n)d codes at a time.", n=MAX_CODES), "count")
    made = [codes.generate(CODE_LENGTH) for _ in range(count)]
    with write_transaction():
        SurveyCode.insert_many([{"survey": survey.id, "code_hash": _code_hash(survey, code)}
                                for code in made]).execute()
        record(actor, "surveys.codes", survey.id)
    return [codes.format_code(code) for code in made]


def code_counts(survey: Survey) -> tuple[int, int]:
    """(codes made, codes used) for a survey."""
    row = (SurveyCode
           .select(fn.COUNT(SurveyCode.id), fn.SUM(SurveyCode.used.cast("integer")))
           .where(SurveyCode.survey == survey)
           .tuples()
           .first())
    return int(row[0] or 0), int(row[1] or 0)


def code_is_usable(survey: Survey, typed: str) -> bool:
    """True when the code belongs to this survey and has not answered yet."""
    if not codes.normalise(typed):
        return False
    return (SurveyCode.select()
            .where((SurveyCode.survey == survey) & (SurveyCode.code_hash == _code_hash(survey, typed))
                   & (SurveyCode.used == False))  # noqa: E712
            .exists())


def code_problem() -> str:
    """The one message for a code that does not open the survey."""
    return _("This code does not work for this survey, or it has already been used. Check it and "
             "try again: it has 12 letters and numbers.")


# --- answering -------------------------------------------------------------------------------

def tally_keys(plan: Plan, answers: Answers) -> list[tuple[int, int, int, int]]:
    """The running counts one response adds to: every answer with itself, and every pair of
    answers (or "answered at all") across two list questions, for cross-tabs and filters."""
    singles: list[tuple[int, int]] = [(0, 0)]
    per_question: list[list[tuple[int, int]]] = []
    for question in plan.questions:
        keys = []
        if question.number in answers.choices:
            keys = [(question.id, 0)] + [(question.id, question.choice(k).id)
                                         for k in answers.choices[question.number]]
            per_question.append(keys)
        elif question.is_text and question.number in answers.texts:
            keys = [(question.id, 0)]
        singles.extend(keys)
    pairs = [(q, c, q, c) for q, c in singles]
    for i, first in enumerate(per_question):
        for second in per_question[i + 1:]:
            for a, b in product(first, second):
                low, high = (a, b) if a[0] < b[0] else (b, a)
                pairs.append((*low, *high))
    return sorted(pairs)


def _add_tallies(survey_id: int, keys: list[tuple[int, int, int, int]]) -> None:
    """Add one to each running count (created at one when new), in one statement per batch."""
    rows = [{"survey": survey_id, "row_question": a, "row_choice": b, "col_question": c,
             "col_choice": d, "total": 1} for a, b, c, d in keys]
    for start in range(0, len(rows), 500):
        (SurveyTally
         .insert_many(rows[start:start + 500])
         .on_conflict(conflict_target=[SurveyTally.survey, SurveyTally.row_question,
                                       SurveyTally.row_choice, SurveyTally.col_question,
                                       SurveyTally.col_choice],
                      update={SurveyTally.total: SurveyTally.total + EXCLUDED.total})
         .execute())


def submit_response(plan: Plan, answers: Answers, code: str = "") -> str:
    """Store one person's answers at once (all of them or none) and return its public id.

    The survey must be open today; a survey with codes takes a code that has not answered yet,
    marked used in the same transaction, so a code answers once even when two arrive together.
    """
    survey = plan.survey
    if answers.is_empty():
        raise SurveyError(_("You have not answered any question yet. Answer at least one, or leave "
                            "the survey: nothing is kept."))
    # sealed before the write lock is taken: only the public key is needed
    blobs = {number: sealed.seal(text) for number, text in answers.texts.items()}
    public_id = codes.generate(PUBLIC_ID_LENGTH)
    with write_transaction():
        current = Survey.get_or_none(Survey.id == survey.id)
        if current is None or availability(current) != "open":
            raise SurveyError(_("This survey is closed, so your answers were not kept. Thank you "
                                "for wanting to take part."))
        if current.uses_codes:
            used = (SurveyCode
                    .update(used=True)
                    .where((SurveyCode.survey == survey.id)
                           & (SurveyCode.code_hash == _code_hash(current, code))
                           & (SurveyCode.used == False))  # noqa: E712
                    .execute())
            if used != 1:
                raise SurveyError(code_problem(), "code")
        response = SurveyResponse.create(survey=survey.id, public_id=public_id,
                                         submitted_on=clock.today())
        rows = [{"response": response.id, "question": question.id,
                 "choice": question.choice(key).id}
                for question in plan.questions
                for key in answers.choices.get(question.number, [])]
        if rows:
            SurveyAnswer.insert_many(rows).execute()
        texts = [{"response": response.id, "question": plan.by_number(number).id, "body": blob,
                  "shuffle": secrets.randbelow(SHUFFLE_RANGE)} for number, blob in blobs.items()]
        if texts:
            SurveyTextAnswer.insert_many(texts).execute()
        _add_tallies(survey.id, tally_keys(plan, answers))
    return public_id

