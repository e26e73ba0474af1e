"""Survey results: counts read from the running tallies (a few hundred rows, whatever the number of
responses), small counts hidden through portal.privacy, and the CSV exports."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from peewee import JOIN, Tuple, fn

from portal.accounts import sealed
from portal.i18n import gettext as _
from portal.privacy import (
    SafeTable,
    is_safe_base,
    min_cell_size,
    safe_average,
    suppress_small_counts,
    suppress_table,
)
from portal.surveys.models import (
    DECLINE,
    SurveyAnswer,
    SurveyChoice,
    SurveyResponse,
    SurveyTally,
    SurveyTextAnswer,
)
from portal.surveys.plan import ChoiceView, Plan, QuestionView

TEXT_PAGE = 50
TEXT_PREVIEW = 5
EXPORT_BATCH = 500
Key = tuple[int, int]


@dataclass
class ChoiceResult:
    """One answer's count and share; count None when it is too small to show."""

    choice: ChoiceView
    count: int | None
    percent: int | None


@dataclass
class QuestionResult:
    """One question's results, or the reason there are none to show."""

    question: QuestionView
    answered: int | None
    rows: list[ChoiceResult] = field(default_factory=list)
    average: float | None = None
    average_hidden: bool = False
    texts: list[str] = field(default_factory=list)
    shown: bool = True


@dataclass
class Results:
    """A survey's results, whole or for the people who gave one answer."""

    plan: Plan
    total: int | None
    questions: list[QuestionResult]
    minimum: int
    # (question, choice) the results are limited to, and whether that group is big enough
    filter: tuple[QuestionView, ChoiceView] | None = None
    filter_base: int | None = None


def _canonical(a: Key, b: Key) -> tuple[int, int, int, int]:
    """The tally row of a pair of answers (the lower question first)."""
    return (*a, *b) if a <= b else (*b, *a)


class Tallies:
    """The running counts of one survey, read with one indexed query."""

    def __init__(self, survey_id: int, touching: Key | None = None) -> None:
        query = (SurveyTally
                 .select(SurveyTally.row_question, SurveyTally.row_choice,
                         SurveyTally.col_question, SurveyTally.col_choice, SurveyTally.total)
                 .where(SurveyTally.survey == survey_id))
        if touching is None:
            # one answer's own count, "answered at all" and the number of responses
            query = query.where((SurveyTally.row_question == SurveyTally.col_question)
                                & (SurveyTally.row_choice == SurveyTally.col_choice))
        else:
            question, choice = touching
            query = query.where(
                ((SurveyTally.row_question == question) & (SurveyTally.row_choice == choice))
                | ((SurveyTally.col_question == question) & (SurveyTally.col_choice == choice)))
        self.counts = {row[:4]: row[4] for row in query.tuples()}

    def single(self, key: Key) -> int:
        return self.counts.get((*key, *key), 0)

    def pair(self, a: Key, b: Key) -> int:
        return self.counts.get(_canonical(a, b), 0)


def _percent(count: int | None, base: int | None) -> int | None:
    """A whole-number share, only of counts that are shown."""
    if count is None or not base:
        return None
    return round(100 * count / base)


def _question_result(question: QuestionView, answered: int, counts: dict[str, int],
                     minimum: int) -> QuestionResult:
    """Suppress one question's counts and work out the shares and the rating average."""
    if not is_safe_base(answered, minimum):
        return QuestionResult(question, None, shown=False)
    shown = suppress_small_counts(counts, minimum)
    rows = [ChoiceResult(c, shown[c.key], _percent(shown[c.key], answered)) for c in question.choices]
    result = QuestionResult(question, answered, rows)
    if question.kind == "rating":
        distribution = {c.value: counts[c.key] for c in question.choices if c.key != DECLINE}
        result.average = safe_average(distribution, minimum)
        result.average_hidden = result.average is None and sum(distribution.values()) > 0
    return result


def survey_results(plan: Plan, filter_key: tuple[int, str] | None = None,
                   with_texts: bool = False) -> Results:
    """Every question's results, or those of the people who gave one answer (a filter)."""
    minimum = min_cell_size()
    survey_id = plan.survey.id
    chosen = None
    if filter_key:
        question = plan.by_number(filter_key[0])
        choice = question.choice(filter_key[1]) if question and question.is_choice else None
        chosen = (question, choice) if choice else None
    if chosen:
        base_key = (chosen[0].id, chosen[1].id)
        tallies = Tallies(survey_id, touching=base_key)
        base = tallies.single(base_key)
        results = Results(plan, None, [], minimum, chosen, base if is_safe_base(base, minimum) else None)
        if results.filter_base is None:
            return results
        for question in plan.questions:
            if question.id == chosen[0].id or not question.is_choice:
                continue
            counts = {c.key: tallies.pair(base_key, (question.id, c.id)) for c in question.choices}
            answered = tallies.pair(base_key, (question.id, 0))
            results.questions.append(_question_result(question, answered, counts, minimum))
        return results
    tallies = Tallies(survey_id)
    total = tallies.single((0, 0))
    results = Results(plan, total if is_safe_base(total, minimum) else None, [], minimum)
    if results.total is None:
        return results
    for question in plan.questions:
        answered = tallies.single((question.id, 0))
        if question.is_text:
            result = QuestionResult(question, answered if is_safe_base(answered, minimum) else None)
            result.shown = result.answered is not None
            if with_texts and result.shown:
                result.texts = text_answers(question, limit=TEXT_PREVIEW)[0]
            results.questions.append(result)
            continue
        counts = {c.key: tallies.single((question.id, c.id)) for c in question.choices}
        results.questions.append(_question_result(question, answered, counts, minimum))
    return results


@dataclass
class CrossTab:
    """Two list questions against each other, suppressed; table None when the base is too small."""

    rows_question: QuestionView
    cols_question: QuestionView
    table: SafeTable | None
    minimum: int


def cross_tab(plan: Plan, row_number: int, col_number: int) -> CrossTab | None:
    """How the answers to two list questions go together (None when either is not a list)."""
    first, second = plan.by_number(row_number), plan.by_number(col_number)
    if not (first and second and first.is_choice and second.is_choice) or first.id == second.id:
        return None
    minimum = min_cell_size()
    counts = (SurveyTally
              .select(SurveyTally.row_question, SurveyTally.row_choice,
                      SurveyTally.col_question, SurveyTally.col_choice, SurveyTally.total)
              .where((SurveyTally.survey == plan.survey.id)
                     & (SurveyTally.row_question == min(first.id, second.id))
                     & (SurveyTally.col_question == max(first.id, second.id)))
              .tuples())
    tallies = {row[:4]: row[4] for row in counts}

    def pair(a: Key, b: Key) -> int:
        return tallies.get(_canonical(a, b), 0)

    cells = {(r.key, c.key): pair((first.id, r.id), (second.id, c.id))
             for r in first.choices for c in second.choices}
    row_totals = {r.key: pair((first.id, r.id), (second.id, 0)) for r in first.choices}
    col_totals = {c.key: pair((first.id, 0), (second.id, c.id)) for c in second.choices}
    base = pair((first.id, 0), (second.id, 0))
    return CrossTab(first, second, suppress_table(cells, row_totals, col_totals, base, minimum), minimum)


def text_answers(question: QuestionView, after: tuple[int, int] | None = None,
                 limit: int = TEXT_PAGE) -> tuple[list[str], tuple[int, int] | None]:
    """Answers in people's own words, in a random order that stays put from page to page, without
    dates; opened for staff. Returns the texts and where the next page starts."""
    query = (SurveyTextAnswer
             .select(SurveyTextAnswer.id, SurveyTextAnswer.shuffle, SurveyTextAnswer.body)
             .where(SurveyTextAnswer.question == question.id))
    if after:
        query = query.where(Tuple(SurveyTextAnswer.shuffle, SurveyTextAnswer.id) > Tuple(*after))
    rows = list(query.order_by(SurveyTextAnswer.shuffle, SurveyTextAnswer.id).limit(limit + 1).tuples())
    texts = [_opened(body) for _, _, body in rows[:limit]]
    following = (rows[limit - 1][1], rows[limit - 1][0]) if len(rows) > limit else None
    return texts, following


def _opened(blob: bytes) -> str:
    """A sealed answer's text, or a note when this session cannot open it."""
    text = sealed.reveal(blob)
    return text if text is not None else _("[sealed: log in again to read it]")


# --- tallies checked against the answers themselves ---------------------------------------------

def counts_from_answers(plan: Plan) -> dict[Key, int]:
    """Each choice's count, grouped in SQL straight from the answers (to check the tallies)."""
    ids = [q.id for q in plan.questions if q.is_choice]
    if not ids:
        return {}
    rows = (SurveyAnswer
            .select(SurveyAnswer.question, SurveyAnswer.choice, fn.COUNT(SurveyAnswer.id))
            .where(SurveyAnswer.question.in_(ids))
            .group_by(SurveyAnswer.question, SurveyAnswer.choice)
            .tuples())
    return {(q, c): n for q, c, n in rows}


def cross_counts_from_answers(first: QuestionView, second: QuestionView) -> dict[tuple[int, int], int]:
    """Pairs of choices of two questions, counted in SQL by joining the answers on the response."""
    other = SurveyAnswer.alias()
    rows = (SurveyAnswer
            .select(SurveyAnswer.choice, other.choice, fn.COUNT(SurveyAnswer.id))
            .join(other, on=((other.response == SurveyAnswer.response) & (other.question == second.id)))
            .where(SurveyAnswer.question == first.id)
            .group_by(SurveyAnswer.choice, other.choice)
            .tuples())
    return {(a, b): n for a, b, n in rows}


# --- exports -----------------------------------------------------------------------------------

def _question_heading(question: QuestionView) -> str:
    return f"Q{question.number} {question.text.text}"


def responses_header(plan: Plan) -> list[str]:
    """The columns of the responses export: one per question, and one more for "other" words."""
    header = [_("response"), _("day")]
    for question in plan.questions:
        header.append(_question_heading(question))
        if question.kind == "multiple" and question.allow_other:
            header.append(_("Q%(n)d other, in their own words", n=question.number))
    return header


def responses_rows(plan: Plan) -> Iterator[list]:
    """One row per response in public id order (random), read a batch at a time: choice labels,
    the day only, words opened for staff."""
    labels = {c.id: c.label.text for q in plan.questions for c in q.choices}
    last = ""
    while True:
        batch = list(SurveyResponse
                     .select(SurveyResponse.id, SurveyResponse.public_id, SurveyResponse.submitted_on)
                     .where((SurveyResponse.survey == plan.survey.id) & (SurveyResponse.public_id > last))
                     .order_by(SurveyResponse.public_id)
                     .limit(EXPORT_BATCH)
                     .tuples())
        if not batch:
            return
        ids = [row[0] for row in batch]
        chosen: dict[tuple[int, int], list[str]] = {}
        for response, question, choice in (SurveyAnswer
                                           .select(SurveyAnswer.response, SurveyAnswer.question,
                                                   SurveyAnswer.choice)
                                           .join(SurveyChoice, JOIN.INNER,
                                                 on=(SurveyChoice.id == SurveyAnswer.choice))
                                           .where(SurveyAnswer.response.in_(ids))
                                           .order_by(SurveyAnswer.response, SurveyChoice.position)
                                           .tuples()):
            chosen.setdefault((response, question), []).append(labels.get(choice, ""))
        words = {(response, question): _opened(body) for response, question, body in (
            SurveyTextAnswer
            .select(SurveyTextAnswer.response, SurveyTextAnswer.question, SurveyTextAnswer.body)
            .where(SurveyTextAnswer.response.in_(ids))
            .tuples())}
        for response, public_id, day in batch:
            row: list = [public_id, day.isoformat()]
            for question in plan.questions:
                key = (response, question.id)
                if question.is_text:
                    row.append(words.get(key, ""))
                    continue
                row.append("; ".join(chosen.get(key, [])))
                if question.kind == "multiple" and question.allow_other:
                    row.append(words.get(key, ""))
            yield row
        last = batch[-1][1]


AGGREGATE_HEADER_NAMES = ("question", "answer", "people", "percent")


def aggregate_header() -> list[str]:
    return [_("question"), _("answer"), _("people"), _("percent")]


def aggregate_rows(results: Results) -> Iterator[list]:
    """The results table as rows, hidden counts written as "fewer than N", never as numbers."""
    hidden = fewer_than(results.minimum)
    if results.total is None:
        yield ["", _("Responses"), hidden, ""]
        return
    yield ["", _("Responses"), results.total, ""]
    for result in results.questions:
        heading = _question_heading(result.question)
        if not result.shown:
            yield [heading, _("Answered"), hidden, ""]
            continue
        yield [heading, _("Answered"), result.answered, ""]
        for row in result.rows:
            yield [heading, row.choice.label.text, row.count if row.count is not None else hidden,
                   row.percent if row.percent is not None else ""]
        if result.question.kind == "rating":
            average = f"{result.average:.1f}" if result.average is not None else hidden
            yield [heading, _("Average (1 to 5)"), average, ""]


def fewer_than(minimum: int) -> str:
    """How a hidden count reads."""
    return _("fewer than %(n)d", n=minimum)
