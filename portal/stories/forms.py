"""Forms for recording a story with its consent, using it through the gate, withdrawing and renewing."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from portal.i18n import lazy_gettext as _l
from portal.stories.models import ATTRIBUTIONS, CHANNELS, LANGUAGES, METHODS
from portal.text import NoControlCharacters, NotBlank, plain_text

MAX_TITLE = 200
MAX_STORY = 20000
MAX_NOTES = 500
MAX_NAME = 200
MAX_CONDITIONS = 300
MAX_USE_TEXT = 300
MAX_VERSION = 40
TOO_LONG = _l("Please shorten this to %(max)d characters or fewer (it has %(length)d).")


def _text(label, max_length: int, required: str | None = None, area: bool = False, description=None):
    """A plain-text field: required (with this message) or optional, of at most max_length."""
    checks = ([InputRequired(message=required), NotBlank(required)] if required
              else [Optional(strip_whitespace=False)])
    kind = TextAreaField if area else StringField
    return kind(label, description=description, filters=[plain_text],
                validators=[*checks, Length(max=max_length, message=TOO_LONG), NoControlCharacters()])


def _day(label, required: str, description=None) -> DateField:
    """A required day (a date picker where the browser has one, YYYY-MM-DD otherwise)."""
    return DateField(label, description=description, validators=[InputRequired(message=required)])


class ConsentDetails:
    """When, how, in which language and under which wording consent was given, and until when."""

    consent_given_on = _day(_l("Day consent was given"), _l("Give the day consent was given."))
    consent_method = SelectField(_l("How consent was given"), choices=METHODS.form_choices())
    consent_language = SelectField(_l("Language of the conversation"), choices=LANGUAGES.form_choices())
    wording_version = _text(_l("Version of the consent wording shown"), MAX_VERSION,
                            required=_l("Give the version of the consent wording."))
    consent_expires_on = _day(_l("Consent ends on"), _l("Give the day the consent ends."),
                              description=_l("One year from today unless the storyteller chose otherwise."))


class StoryForm(FlaskForm, ConsentDetails):
    """The consent form: the story, how the storyteller wants to be credited, the uses they allow."""

    title = _text(_l("Title"), MAX_TITLE, required=_l("Give the story a title."))
    story_text = _text(_l("The story"), MAX_STORY, required=_l("Write the story."), area=True,
                       description=_l("In the storyteller's words. Markdown: *italics*, **bold**, lists."))
    content_notes = _text(_l("Content notes"), MAX_NOTES,
                          description=_l("For example: mentions violence, drug use."))
    attribution = RadioField(_l("How the storyteller wants to be credited"),
                             choices=ATTRIBUTIONS.form_choices(),
                             validators=[InputRequired(message=_l("Choose how the storyteller "
                                                                  "wants to be credited."))])
    real_name = _text(_l("Real name, as they gave it"), MAX_NAME,
                      description=_l("Only if they want it used, or if they choose to give it. "
                                     "It never leaves with the story unless they chose their real name."))
    credit_name = _text(_l("Pseudonym or initials they chose"), MAX_NAME)
    edits_need_approval = BooleanField(_l("The storyteller wants to approve any edit before it is used"),
                                       default=True)

    def validate_real_name(self, field) -> None:
        """Their real name, when that is how they want to be credited."""
        if self.attribution.data == "real_name" and not (field.data or "").strip():
            raise ValidationError(_l("Write the storyteller's name as they want it to appear."))

    def validate_credit_name(self, field) -> None:
        """A pseudonym or initials, when that is what they chose."""
        if self.attribution.data in ("pseudonym", "initials") and not (field.data or "").strip():
            raise ValidationError(_l("Write the name or initials the storyteller chose."))

    def channel_fields(self) -> list[tuple]:
        """(checkbox, conditions) for each channel, in order."""
        return [(self[f"channel_{value}"], self[f"conditions_{value}"]) for value in CHANNELS.values]

    def chosen_channels(self) -> dict[str, str]:
        """Each consented channel with its conditions."""
        return {value: (self[f"conditions_{value}"].data or "").strip()
                for value in CHANNELS.values if self[f"channel_{value}"].data}


# one checkbox and one conditions field per channel
for _value, _label in CHANNELS:
    setattr(StoryForm, f"channel_{_value}", BooleanField(_label))
    setattr(StoryForm, f"conditions_{_value}", _text(_l("Conditions for “%(channel)s”", channel=_label),
                                                     MAX_CONDITIONS,
                                                     description=_l("For example: no photo, "
                                                                    "not in my city.")))


class EditForm(FlaskForm):
    """Change the story's words."""

    title = StoryForm.title
    story_text = StoryForm.story_text
    content_notes = StoryForm.content_notes
    approved = BooleanField(_l("The storyteller has seen and approved this version"))


class UseForm(FlaskForm):
    """Use the story in one channel: through the gate."""

    # the page offers only the channels allowed today; anything else is refused by the gate,
    # which says exactly why (not agreed, withdrawn on a day, consent ended)
    channel = SelectField(_l("Channel"), choices=CHANNELS.form_choices(), validate_choice=False)
    purpose = _text(_l("What it is for"), MAX_USE_TEXT, required=_l("Say what the story is used for."),
                    description=_l("For example: 2026 annual report to the city."))
    place = _text(_l("Where it will appear"), MAX_USE_TEXT, required=_l("Say where the story will appear."),
                  description=_l("A page address, a post, a brochure's name and print run."))
    attribution = SelectField(_l("Credit it as"), choices=ATTRIBUTIONS.form_choices())
    conditions_respected = BooleanField(_l("This use respects the conditions the storyteller set "
                                           "for this channel"))
    download = HiddenField()


class StaffWithdrawForm(FlaskForm):
    """Record a withdrawal the storyteller gave to staff in person (a checkbox per channel)."""

    everything = BooleanField(_l("Withdraw every use"))

    def chosen_channels(self) -> list[str]:
        """The channels ticked; empty means every channel when `everything` is ticked."""
        if self.everything.data:
            return []
        return [value for value in CHANNELS.values if self[f"withdraw_{value}"].data]

    def validate_everything(self, field) -> None:
        """At least one use, or every use."""
        if not field.data and not self.chosen_channels():
            raise ValidationError(_l("Choose the uses to withdraw, or withdraw every use."))

    def channel_field(self, channel: str):
        """The checkbox of one channel."""
        return self[f"withdraw_{channel}"]


for _value, _label in CHANNELS:
    setattr(StaffWithdrawForm, f"withdraw_{_value}", BooleanField(_label))


class LookupForm(FlaskForm):
    """The storyteller enters their withdrawal code."""

    code = StringField(_l("Your withdrawal code"),
                       validators=[InputRequired(message=_l("Enter the code from your consent receipt."))])


class WithdrawForm(StaffWithdrawForm):
    """The storyteller withdraws some or all uses; the code travels in the form, never in the address."""

    code = HiddenField(validators=[InputRequired()])


class ReceiptDownloadForm(FlaskForm):
    """The receipt as a text file, with the code the page just showed."""

    code = HiddenField()


class RenewForm(FlaskForm, ConsentDetails):
    """Record a renewal of consent."""


class ActionForm(FlaskForm):
    """A button that changes something; CSRF only."""
