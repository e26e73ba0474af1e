"""Schema steps of the surveys area, each with frozen copies of the models of its time.

Never edit a released step: add a new one.
"""
from __future__ import annotations

from peewee import (
    BlobField,
    BooleanField,
    CharField,
    DateField,
    ForeignKeyField,
    IntegerField,
    Model,
    SmallIntegerField,
    TextField,
)

from portal.db import db


def _v1_surveys() -> None:
    """Surveys, their questions and choices, responses, answers, running counts and codes."""

    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Survey(Base):
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

    class SurveyQuestion(Base):
        survey = ForeignKeyField(Survey, on_delete="CASCADE", index=False)
        number = SmallIntegerField()
        position = SmallIntegerField()
        kind = CharField(max_length=16)
        text_en = CharField(max_length=500, default="")
        text_es = CharField(max_length=500, default="")
        low_label_en = CharField(max_length=100, default="")
        low_label_es = CharField(max_length=100, default="")
        high_label_en = CharField(max_length=100, default="")
        high_label_es = CharField(max_length=100, default="")
        allow_other = BooleanField(default=False)
        condition_choice_id = IntegerField(null=True)
        hidden = BooleanField(default=False)

        class Meta:
            table_name = "survey_question"
            indexes = ((("survey", "number"), True), (("survey", "position"), False))

    class SurveyChoice(Base):
        question = ForeignKeyField(SurveyQuestion, on_delete="CASCADE", index=False)
        key = CharField(max_length=8)
        position = SmallIntegerField()
        label_en = CharField(max_length=200, default="")
        label_es = CharField(max_length=200, default="")
        value = SmallIntegerField(null=True)

        class Meta:
            table_name = "survey_choice"
            indexes = ((("question", "key"), True),)

    class SurveyResponse(Base):
        survey = ForeignKeyField(Survey, on_delete="CASCADE", index=False)
        public_id = CharField(max_length=16, unique=True)
        submitted_on = DateField()

        class Meta:
            table_name = "survey_response"
            indexes = ((("survey", "public_id"), False),)

    class SurveyAnswer(Base):
        response = ForeignKeyField(SurveyResponse, on_delete="CASCADE")
        question = ForeignKeyField(SurveyQuestion, on_delete="CASCADE", index=False)
        choice = ForeignKeyField(SurveyChoice, on_delete="CASCADE", index=False)

        class Meta:
            table_name = "survey_answer"
            indexes = ((("question", "choice", "response"), False),)

    class SurveyTextAnswer(Base):
        response = ForeignKeyField(SurveyResponse, on_delete="CASCADE")
        question = ForeignKeyField(SurveyQuestion, on_delete="CASCADE", index=False)
        body = BlobField()
        shuffle = IntegerField()

        class Meta:
            table_name = "survey_text_answer"
            indexes = ((("question", "shuffle", "id"), False),)

    class SurveyTally(Base):
        survey = ForeignKeyField(Survey, on_delete="CASCADE", index=False)
        row_question = IntegerField()
        row_choice = IntegerField()
        col_question = IntegerField()
        col_choice = IntegerField()
        total = IntegerField(default=0)

        class Meta:
            table_name = "survey_tally"
            indexes = ((("survey", "row_question", "row_choice", "col_question", "col_choice"), True),)

    class SurveyCode(Base):
        survey = ForeignKeyField(Survey, on_delete="CASCADE", index=False)
        code_hash = CharField(max_length=64)
        used = BooleanField(default=False)

        class Meta:
            table_name = "survey_code"
            indexes = ((("survey", "code_hash"), True),)

    db.create_tables([Survey, SurveyQuestion, SurveyChoice, SurveyResponse, SurveyAnswer,
                      SurveyTextAnswer, SurveyTally, SurveyCode])


MIGRATIONS = ((1, _v1_surveys),)
