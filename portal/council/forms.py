"""Forms of the council area: the roster, a member's own profile, proposals and responses,
meetings, participation and the settings."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    Form,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.council.categories import CATEGORIES, TEXT_FIELDS, TEXT_LIMITS
from portal.council.models import KINDS, POSITIONS, VISIBILITY
from portal.i18n import lazy_gettext as _l
from portal.text import NoControlCharacters, NotBlank, plain_text

TOO_LONG = _l("Please shorten this to %(max)d characters or fewer (it has %(length)d).")
MAX_MINUTES = 24 * 60
MAX_RATE_CENTS = 100_000_00


def one_line(form, field) -> None:
    """Refuse line breaks in a field meant for one line."""
    if field.data and ("\n" in field.data or "\r" in field.data):
        raise ValidationError(_l("Keep this on one line."))


def _line(label, max_length: int, description=None, required: bool = False) -> StringField:
    """A one-line text field."""
    first = (InputRequired(message=_l("Fill this in.")) if required
             else Optional(strip_whitespace=False))
    checks = [first, Length(max=max_length, message=TOO_LONG), one_line, NoControlCharacters()]
    if required:
        checks.append(NotBlank(_l("Fill this in.")))
    return StringField(label, description=description, validators=checks)


def _lines(label, max_length: int, description=None, required: bool = False) -> TextAreaField:
    """A text area, with line endings unified."""
    first = (InputRequired(message=_l("Fill this in.")) if required
             else Optional(strip_whitespace=False))
    checks = [first, Length(max=max_length, message=TOO_LONG), NoControlCharacters()]
    if required:
        checks.append(NotBlank(_l("Fill this in.")))
    return TextAreaField(label, description=description, filters=[plain_text], validators=checks)


def _day(label, description=None, required: bool = False) -> DateField:
    """A day (a date picker where the browser has one, YYYY-MM-DD otherwise)."""
    first = (InputRequired(message=_l("Give a date as YYYY-MM-DD.")) if required
             else Optional(strip_whitespace=False))
    return DateField(label, description=description, validators=[first])


class CheckboxesField(SelectMultipleField):
    """Several choices, each a checkbox (the page draws them)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _visibility(label) -> SelectField:
    return SelectField(label, choices=VISIBILITY.form_choices(), default="council")


class MemberForm(FlaskForm):
    """Staff add a council account to the roster, or change a member's name and term."""

    account = SelectField(_l("Council account"), choices=[], validate_choice=True,
                          description=_l("Council accounts are invited by an admin on the "
                                         "accounts page."))
    name = _line(_l("Name the member wants used"), 100,
                 _l("A first name, a nickname or a pseudonym: whatever they asked for."),
                 required=True)
    term_starts = _day(_l("Term starts"), required=True)
    term_ends = _day(_l("Term ends"), _l("Optional. Leave empty for an open term."))

    def validate_term_ends(self, field) -> None:
        """A term ends after it starts."""
        if field.data and self.term_starts.data and field.data < self.term_starts.data:
            raise ValidationError(_l("The term cannot end before it starts."))


class ProfileForm(FlaskForm):
    """A member's own page: name, contact, and a self-description, field by field."""

    name = _line(_l("Name to use"), 100, _l("A pseudonym is fine."), required=True)
    name_public = BooleanField(_l("Show this name on the public council page"))
    email = StringField(_l("Email address for reminders"),
                        description=_l("Optional. We send only a short note that there is "
                                       "something to read, never what it says."),
                        validators=[Optional(), Length(max=254, message=TOO_LONG),
                                    Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                                           message=_l("This does not look like an email address.")),
                                    NoControlCharacters()])


def _profile_fields() -> None:
    """One text (or choice) and one visibility per field, added to ProfileForm."""
    for key, label in TEXT_FIELDS:
        if key == "about":
            text = _lines(label, TEXT_LIMITS[key])
        else:
            text = _line(label, TEXT_LIMITS[key])
        setattr(ProfileForm, f"text_{key}", text)
        setattr(ProfileForm, f"vis_{key}", _visibility(_l("Who may see this")))
    for category in CATEGORIES:
        setattr(ProfileForm, f"cat_{category.key}",
                SelectField(category.label,
                            choices=category.choices.form_choices(blank=_l("(not answered)")),
                            default=""))
        setattr(ProfileForm, f"vis_{category.key}", _visibility(_l("Who may see this")))


_profile_fields()
PROFILE_TEXT_FIELDS = tuple(key for key, _ in TEXT_FIELDS)
PROFILE_CATEGORIES = tuple(category.key for category in CATEGORIES)


class ProposalForm(FlaskForm):
    """What staff ask the council."""

    title = _line(_l("Title"), 200, required=True)
    question = _lines(_l("The question for the council"), 2000, required=True)
    background = _lines(_l("Background"), 20000,
                        _l("Simple formatting: *emphasis*, lists with -, links."))
    attachments = _lines(_l("Attachments"), 20000,
                         _l("Optional. Links or text to read, one a line."))
    closes_on = _day(_l("Closes on"), _l("The last day members can respond."), required=True)


class ResponseForm(FlaskForm):
    """A member's position and comment on a proposal."""

    position = SelectField(_l("Your position"), choices=POSITIONS.form_choices(),
                           validators=[InputRequired(message=_l("Choose a position."))])
    comment = _lines(_l("Your comment"), 5000, _l("Optional."))
    hide_name = BooleanField(_l("Show my response to staff and other members without my name"),
                             description=_l("It still counts in the tally."))


class DecisionForm(FlaskForm):
    """What the organisation decided and will do."""

    decision = _lines(_l("Decision"), 5000, required=True)
    action = _lines(_l("What the organisation will do"), 5000, required=True)


class PublishForm(FlaskForm):
    """Publish a decision as "you said, we did", or take it down."""

    publish = SelectField(choices=[SelectChoice("yes", "yes"), SelectChoice("no", "no")])


class ActionForm(FlaskForm):
    """A button that changes something; CSRF only."""


class MeetingForm(FlaskForm):
    """A meeting: its day, title, agenda, notes and length."""

    held_on = _day(_l("Date"), required=True)
    title = _line(_l("Title"), 200, required=True)
    minutes = IntegerField(_l("Length in minutes"), default=90, validators=[
        InputRequired(message=_l("Give the length in minutes.")),
        NumberRange(min=1, max=MAX_MINUTES, message=_l("Give a length from 1 to 1440 minutes."))])
    agenda = _lines(_l("Agenda"), 20000, _l("Simple formatting: *emphasis*, lists with -, links."))
    notes = _lines(_l("Notes"), 50000, _l("Written after the meeting. Members can read them."))


class AttendanceForm(FlaskForm):
    """Who came to a meeting (each counts the meeting's length as participation)."""

    present = CheckboxesField(_l("Who came"), choices=[], validate_choice=True)


class ParticipationForm(FlaskForm):
    """Time one member gave."""

    member = SelectField(_l("Member"), choices=[], validate_choice=True,
                         validators=[InputRequired(message=_l("Choose a member."))])
    worked_on = _day(_l("Date"), required=True)
    kind = SelectField(_l("Kind of work"), choices=KINDS.form_choices())
    minutes = IntegerField(_l("Minutes"), validators=[
        InputRequired(message=_l("Give the time in minutes.")),
        NumberRange(min=1, max=MAX_MINUTES, message=_l("Give a time from 1 to 1440 minutes."))])
    rate = StringField(_l("Hourly rate"), description=_l("Leave empty for the usual rate."),
                       validators=[Optional(), Length(max=12, message=TOO_LONG)])
    note = _line(_l("Note"), 200)


class PeriodForm(Form):
    """A period to add up (from the query string)."""

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])


class SettingsForm(FlaskForm):
    """What the organisation sets for the council."""

    contact_en = _lines(_l("How to contact the council, in English"), 5000,
                        _l("Shown on the public council page and to members."))
    contact_es = _lines(_l("How to contact the council, in Spanish"), 5000)
    public_diversity = BooleanField(_l("Show the diversity overview on the public council page"),
                                    description=_l("Small numbers are always hidden."))
    wanted = CheckboxesField(_l("Who the organisation wants represented"), choices=[],
                                 validate_choice=True)
    rate = StringField(_l("Usual hourly stipend"), validators=[
        InputRequired(message=_l("Give the hourly rate, for example 25.00.")),
        Length(max=12, message=TOO_LONG)])
    currency = _line(_l("Currency"), 8, required=True)
