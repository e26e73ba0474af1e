"""Forms for building surveys, answering them (the questions themselves are read by plan.py) and
reading their results."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    Form,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from portal.i18n import lazy_gettext as _l
from portal.surveys.models import KINDS
from portal.text import NoControlCharacters, plain_text

MAX_INTRO = 5000
TOO_LONG = _l("Please shorten this to %(max)d characters or fewer (it has %(length)d).")


def _buttons(*values: str) -> list[SelectChoice]:
    """The values a form's buttons send (their words are on the buttons)."""
    return [SelectChoice(value, value) for value in values]


def one_line(form, field) -> None:
    """Refuse line breaks in a field meant for one line."""
    if field.data and ("\n" in field.data or "\r" in field.data):
        raise ValidationError(_l("Keep this on one line."))


def _line(label, max_length: int, description=None, required: bool = False) -> StringField:
    """A one-line text field."""
    first = InputRequired(message=_l("Fill this in.")) if required else Optional(strip_whitespace=False)
    return StringField(label, description=description, validators=[
        first, Length(max=max_length, message=TOO_LONG), one_line, NoControlCharacters()])


def _lines(label, max_length: int, description=None) -> TextAreaField:
    """A text area, with line endings unified."""
    return TextAreaField(label, description=description, filters=[plain_text], validators=[
        Optional(strip_whitespace=False), Length(max=max_length, message=TOO_LONG), NoControlCharacters()])


def _day(label, description=None) -> DateField:
    """An optional day (a date picker where the browser has one, YYYY-MM-DD otherwise)."""
    return DateField(label, description=description, validators=[Optional(strip_whitespace=False)])


class SurveyForm(FlaskForm):
    """A survey's title, introduction, short name, dates and codes."""

    title_en = _line(_l("Title in English"), 200)
    title_es = _line(_l("Title in Spanish"), 200)
    intro_en = _lines(_l("Introduction in English"), MAX_INTRO,
                      _l("What the survey is for, how long it takes and that every question is "
                         "optional. Simple formatting: *emphasis*, lists with -, links."))
    intro_es = _lines(_l("Introduction in Spanish"), MAX_INTRO)
    slug = _line(_l("Short name in the address"), 60,
                 _l("Lower-case letters, digits and dashes, as in food-bank-2025. The survey will be "
                    "at /surveys/<short name>."), required=True)
    opens_on = _day(_l("Opens on"), _l("Optional. Leave empty to open it as soon as you choose "
                                       "“Open”."))
    closes_on = _day(_l("Closes on"), _l("Optional. The last day people can answer."))
    uses_codes = BooleanField(_l("Answering needs a code"),
                              description=_l("Each printed code answers once, so the survey cannot be "
                                             "filled in over and over. Nothing records who got "
                                             "which code."))


class QuestionForm(FlaskForm):
    """One question: its kind, its text in both languages, its answers and when it shows."""

    kind = SelectField(_l("Kind of question"), choices=KINDS.form_choices())
    text_en = _line(_l("Question in English"), 500)
    text_es = _line(_l("Question in Spanish"), 500)
    choices_en = _lines(_l("Answers to choose from, in English"), 5000,
                        _l("One a line. “Prefer not to say” is always added."))
    choices_es = _lines(_l("Answers to choose from, in Spanish"), 5000,
                        _l("One a line, in the same order as the English ones."))
    allow_other = BooleanField(_l("Offer “Other, in my own words” (questions with any number of "
                                  "answers)"))
    low_label_en = _line(_l("What 1 means, in English"), 100)
    low_label_es = _line(_l("What 1 means, in Spanish"), 100)
    high_label_en = _line(_l("What 5 means, in English"), 100)
    high_label_es = _line(_l("What 5 means, in Spanish"), 100)
    condition = SelectField(_l("Show this question"), choices=[], validate_choice=True,
                            description=_l("A question that depends on an earlier answer is shown "
                                           "on the next page, after that answer is given."))


class StateForm(FlaskForm):
    """Open, close or take back to draft."""

    state = SelectField(choices=_buttons("open", "closed", "draft"))


class MoveForm(FlaskForm):
    """Move a question up or down."""

    direction = SelectField(choices=_buttons("up", "down"))


class VisibilityForm(FlaskForm):
    """Hide a question or show it again."""

    visibility = SelectField(choices=_buttons("hide", "show"))


class PublishForm(FlaskForm):
    """Publish the results, or take them down."""

    publish = SelectField(choices=_buttons("yes", "no"))


class ActionForm(FlaskForm):
    """A button that changes something; CSRF only."""


class CodesForm(FlaskForm):
    """How many one-use codes to print."""

    count = IntegerField(_l("How many codes"), default=40, validators=[
        InputRequired(message=_l("Say how many codes to make.")),
        NumberRange(min=1, max=500, message=_l("Make between 1 and 500 codes at a time."))])
    qr = BooleanField(_l("Print a QR code of the survey's address on each slip"), default=True)


class AnswerForm(FlaskForm):
    """What travels with the answers: the page, the code and a honeypot."""

    page = HiddenField()
    code = StringField(_l("Your survey code"), validators=[Optional(), Length(max=200)])
    # a honeypot: people never see it, some robots fill it in
    website = StringField(_l("Leave this empty"), validators=[Optional(), Length(max=500)])


class FilterForm(Form):
    """Limit the results to the people who gave one answer (from the query string)."""

    answer = SelectField(_l("Only people who answered"), choices=[], validate_choice=False)


class CrossTabForm(Form):
    """Two list questions to set against each other (from the query string)."""

    rows = SelectField(_l("Rows"), choices=[], validate_choice=False)
    cols = SelectField(_l("Columns"), choices=[], validate_choice=False)
