"""Needs surveys: the questions staff write, the answers people give (the day, nothing else) and
the running counts the results are read from."""
from __future__ import annotations

from peewee import (
    BooleanField,
    CharField,
    DateField,
    ForeignKeyField,
    IntegerField,
    SmallIntegerField,
    TextField,
)

from portal.accounts.sealed import SealedTextField
from portal.choices import Choices
from portal.db import BaseModel, lookup_by
from portal.i18n import lazy_gettext as _l

STATES = Choices(
    ("draft", _l("Draft")),
    ("open", _l("Taking answers")),
    ("closed", _l("Closed")),
)
KINDS = Choices(
    ("single", _l("One answer from a list")),
    ("multiple", _l("Any number of answers from a list")),
    ("rating", _l("A rating from 1 to 5")),
    ("short_text", _l("A short answer in their own words")),
    ("long_text", _l("A longer answer in their own words")),
)
CHOICE_KINDS = ("single", "multiple", "rating")
TEXT_KINDS = ("short_text", "long_text")
# the keys of the answers every list question offers besides the ones staff write
DECLINE = "decline"
OTHER = "other"


class Survey(BaseModel):
    """A survey: its texts in English and Spanish, its state and its dates."""

    slug = CharField(max_length=60, unique=True)
    title_en = CharField(max_length=200, default="")
    title_es = CharField(max_length=200, default="")
    intro_en = TextField(default="")
    intro_es = TextField(default="")
    state = CharField(max_length=8, default="draft", index=True)
    opens_on = DateField(null=True)
    closes_on = DateField(null=True)
    uses_codes = BooleanField(default=False)
    results_published_on = DateField(null=True)
    created_on = DateField()

    class Meta:
        table_name = "survey"

    @classmethod
    def by_slug(cls, slug: str) -> Survey | None:
        """The survey with this short name."""
        return _survey_by_slug(slug)

    @classmethod
    def open_now(cls, today):
        """Surveys taking answers today, newest first."""
        return (cls
                .select()
                .where((cls.state == "open")
                       & (cls.opens_on.is_null() | (cls.opens_on <= today))
                       & (cls.closes_on.is_null() | (cls.closes_on >= today)))
                .order_by(cls.id.desc()))

    @classmethod
    def with_published_results(cls):
        """Surveys whose results the organisation has published, newest first."""
        return (cls
                .select()
                .where(cls.results_published_on.is_null(False) & (cls.state != "draft"))
                .order_by(cls.results_published_on.desc(), cls.id.desc()))


class SurveyQuestion(BaseModel):
    """One question. `number` names its fields in the form and never changes; `position` orders."""

    survey = ForeignKeyField(Survey, backref="questions", on_delete="CASCADE", index=False)
    number = SmallIntegerField()
    position = SmallIntegerField()
    kind = CharField(max_length=16)
    text_en = CharField(max_length=500, default="")
    text_es = CharField(max_length=500, default="")
    # the words at each end of a rating scale
    low_label_en = CharField(max_length=100, default="")
    low_label_es = CharField(max_length=100, default="")
    high_label_en = CharField(max_length=100, default="")
    high_label_es = CharField(max_length=100, default="")
    allow_other = BooleanField(default=False)
    # shown only to people who gave this answer (a choice of an earlier one-answer question)
    condition_choice_id = IntegerField(null=True)
    hidden = BooleanField(default=False)

    class Meta:
        table_name = "survey_question"
        indexes = (
            (("survey", "number"), True),
            (("survey", "position"), False),
        )


class SurveyChoice(BaseModel):
    """One answer offered by a list or rating question; `key` is what the form sends."""

    question = ForeignKeyField(SurveyQuestion, backref="choices", on_delete="CASCADE", index=False)
    key = CharField(max_length=8)
    position = SmallIntegerField()
    label_en = CharField(max_length=200, default="")
    label_es = CharField(max_length=200, default="")
    # 1 to 5 on a rating scale
    value = SmallIntegerField(null=True)

    class Meta:
        table_name = "survey_choice"
        indexes = ((("question", "key"), True),)


class SurveyResponse(BaseModel):
    """One person's answers, sent at once: a random public id and the day, nothing else."""

    survey = ForeignKeyField(Survey, backref="responses", on_delete="CASCADE", index=False)
    public_id = CharField(max_length=16, unique=True)
    submitted_on = DateField()

    class Meta:
        table_name = "survey_response"
        # the export pages through a survey's responses in public id order (random, not by time)
        indexes = ((("survey", "public_id"), False),)


class SurveyAnswer(BaseModel):
    """One chosen answer (a list question may have several per response)."""

    response = ForeignKeyField(SurveyResponse, backref="answers", on_delete="CASCADE")
    question = ForeignKeyField(SurveyQuestion, backref="+", on_delete="CASCADE", index=False)
    choice = ForeignKeyField(SurveyChoice, backref="+", on_delete="CASCADE", index=False)

    class Meta:
        table_name = "survey_answer"
        # counting answers per choice, and pairing two questions' answers by response
        indexes = ((("question", "choice", "response"), False),)


class SurveyTextAnswer(BaseModel):
    """An answer in a person's own words (a text question, or "other" on a list), sealed."""

    response = ForeignKeyField(SurveyResponse, backref="texts", on_delete="CASCADE")
    question = ForeignKeyField(SurveyQuestion, backref="+", on_delete="CASCADE", index=False)
    body = SealedTextField()
    # a random number to list answers by: random order, yet the same from one page to the next
    shuffle = IntegerField()

    class Meta:
        table_name = "survey_text_answer"
        indexes = ((("question", "shuffle", "id"), False),)


class SurveyTally(BaseModel):
    """How many responses hold both of two answers, kept up to date with each submission.

    An answer is (question id, choice id); choice 0 means "answered the question at all" and
    (0, 0) counts responses. A row with the same answer twice is that answer's own count.
    """

    survey = ForeignKeyField(Survey, backref="+", on_delete="CASCADE", index=False)
    row_question = IntegerField()
    row_choice = IntegerField()
    col_question = IntegerField()
    col_choice = IntegerField()
    total = IntegerField(default=0)

    class Meta:
        table_name = "survey_tally"
        indexes = (
            (("survey", "row_question", "row_choice", "col_question", "col_choice"), True),
        )


class SurveyCode(BaseModel):
    """A one-use code handed out on paper: only its keyed hash, and whether it has been used."""

    survey = ForeignKeyField(Survey, backref="+", on_delete="CASCADE", index=False)
    code_hash = CharField(max_length=64)
    used = BooleanField(default=False)

    class Meta:
        table_name = "survey_code"
        indexes = ((("survey", "code_hash"), True),)


MODELS = (Survey, SurveyQuestion, SurveyChoice, SurveyResponse, SurveyAnswer, SurveyTextAnswer,
          SurveyTally, SurveyCode)


# read through SQL built once (portal/db.py): every survey page starts with this lookup
_survey_by_slug = lookup_by(Survey, Survey.slug)
