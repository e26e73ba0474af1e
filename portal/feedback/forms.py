"""Forms for giving feedback, reading replies, and the staff's triage."""
from __future__ import annotations

import secrets

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    Form,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from portal.feedback.models import RATINGS, READERS, STATUSES, TOPICS
from portal.i18n import LANGUAGES
from portal.i18n import lazy_gettext as _l
from portal.text import NoControlCharacters, NotBlank, plain_text

MAX_MESSAGE = 5000
MAX_ACTION = 2000
MAX_TAGS_TEXT = 300
MAX_TAG_FILTER = 30
MAX_SEARCH = 200

# what the client sees about their own thread
CLIENT_STATUS_TEXT = {
    "new": _l("Received. Our team has not read it yet."),
    "read": _l("Read by our team."),
    "replied": _l("Our team has replied. You can read the reply below."),
    "archived": _l("Closed. You can still add a message, and we will see it."),
}

# the same, once the team has replied and the person wrote again: true of the newest message
CLIENT_STATUS_AFTER_REPLY = {
    "new": _l("Your new message has not been read yet. Our team’s earlier reply is below."),
    "read": _l("Our team has read your new message."),
}


def client_status_text(status: str, messages) -> str:
    """What the person is told about their conversation, true of the message they wrote last."""
    replied_before = any(message.author == "staff" for message in messages)
    if replied_before and status in CLIENT_STATUS_AFTER_REPLY:
        return CLIENT_STATUS_AFTER_REPLY[status]
    return CLIENT_STATUS_TEXT[status]


def _message_field(label):
    """A required plain-text message of at most 5000 characters, with something visible in it."""
    return TextAreaField(label, filters=[plain_text], validators=[
        InputRequired(message=_l("Please write a message.")),
        NotBlank(),
        Length(max=MAX_MESSAGE, message=_l("Please shorten this to %(max)d characters or fewer "
                                           "(it has %(length)d).")),
        NoControlCharacters(),
    ])


def _form_token_field():
    """A random token the form carries, new each time the form is shown: sending the same form
    again (Back, Reload) is recognised and stores nothing twice."""
    return HiddenField(default=lambda: secrets.token_urlsafe(18),
                       validators=[Optional(), Length(max=64)])


class FeedbackForm(FlaskForm):
    """The anonymous feedback form; only the message is required."""

    form_token = _form_token_field()
    topic = SelectField(_l("What is your feedback about?"),
                        choices=TOPICS.form_choices(blank=_l("I would rather not say")),
                        validators=[Optional(strip_whitespace=False)])
    message = _message_field(_l("Your message"))
    # only an empty answer is "no answer"; a blank space is not one of the choices
    rating = RadioField(_l("How did we do?"), choices=RATINGS.form_choices(),
                        validators=[Optional(strip_whitespace=False)])
    quotable = BooleanField(_l("You may quote this, without anything that identifies me, "
                               "on the public “you said, we did” page."))
    # a complaint about someone on the team need not reach that person
    readers = RadioField(_l("Who may read it?"), choices=READERS.form_choices(), default="team",
                         validators=[Optional(strip_whitespace=False)])
    # a honeypot: people never see it, some robots fill it in
    website = StringField(_l("Leave this empty"), validators=[Optional(), Length(max=500)])


class LookupForm(FlaskForm):
    """Enter a receipt to read the conversation."""

    receipt = StringField(_l("Your receipt code"),
                          validators=[InputRequired(message=_l("Enter the code from your receipt."))])


class FollowUpForm(FlaskForm):
    """Add to one's own conversation; the receipt travels in the form, never in the address."""

    receipt = HiddenField(validators=[InputRequired()])
    message = _message_field(_l("Your message"))
    form_token = _form_token_field()


class WithdrawQuoteForm(FlaskForm):
    """Take back permission to quote."""

    receipt = HiddenField(validators=[InputRequired()])


class DeleteConversationForm(FlaskForm):
    """Delete one's own conversation: asked, then confirmed, with the receipt in the form."""

    receipt = HiddenField(validators=[InputRequired()])


class FilterForm(Form):
    """The staff list's filters, read from the query string."""

    status = SelectField(_l("Status"), choices=STATUSES.form_choices(blank=_l("Any status")),
                         validate_choice=False)
    topic = SelectField(_l("Topic"), choices=[*TOPICS.form_choices(blank=_l("Any topic")),
                                          SelectChoice("none", _l("Not said"))],
                        validate_choice=False)
    mine = BooleanField(_l("Only those assigned to me"))
    tag = StringField(_l("Tag"), validators=[Optional(), Length(max=MAX_TAG_FILTER),
                                              NoControlCharacters()])
    since = DateField(_l("Received from (day)"), validators=[Optional(strip_whitespace=False)])
    until = DateField(_l("Received until (day)"), validators=[Optional(strip_whitespace=False)])
    q = StringField(_l("Words in the conversation"),
                    validators=[Optional(), Length(max=MAX_SEARCH), NoControlCharacters()])

    def chosen(self):
        """The filters to apply: what was valid of what was asked (a bad value is left out and
        its field says why)."""
        from portal.feedback.service import ThreadFilters

        self.validate()

        def good(field):
            return field.data if not field.errors and field.data else None
        return ThreadFilters(status=self.status.data or "", topic=self.topic.data or "",
                             mine=bool(self.mine.data), tag=good(self.tag) or "",
                             since=good(self.since), until=good(self.until),
                             text=" ".join((good(self.q) or "").split()))


class AssignForm(FlaskForm):
    """Who on the team follows the thread up."""

    assignee = SelectField(_l("Assigned to"), validate_choice=False)


class ReplyForm(FlaskForm):
    """A staff reply, plain text."""

    message = _message_field(_l("Your reply"))


class EditReplyForm(FlaskForm):
    """A reply changed in the minutes after it was sent."""

    message = _message_field(_l("Your reply, changed"))


class RedactForm(FlaskForm):
    """The person's message with someone else's details taken out; it replaces the original."""

    message = _message_field(_l("The message without the other person’s details"))


class TemplateForm(FlaskForm):
    """A reply template the organisation writes."""

    title = StringField(_l("Name of the template"), filters=[plain_text], validators=[
        InputRequired(message=_l("Give the template a short name.")),
        NotBlank(_l("Give the template a short name.")), Length(max=100), NoControlCharacters()])
    body = _message_field(_l("Text of the reply"))


class NoteForm(FlaskForm):
    """A private note for the team, plain text."""

    note = _message_field(_l("Private note"))


class StatusForm(FlaskForm):
    """Move the thread to another status."""

    status = SelectField(_l("Status"), choices=STATUSES.form_choices())


class TagsForm(FlaskForm):
    """Short comma-separated tags."""

    tags = StringField(_l("Tags"),
                       description=_l("Separated by commas, for example: waiting times, evenings"),
                       validators=[Optional(), Length(max=MAX_TAGS_TEXT), NoControlCharacters()])


def _published_text(label, max_length, required_message=None):
    """Text for the public list: plain, and required only when a message says so."""
    if required_message is None:
        validators = [Optional(strip_whitespace=False)]
    else:
        validators = [InputRequired(message=required_message), NotBlank(required_message)]
    return TextAreaField(label, filters=[plain_text],
                         validators=[*validators, Length(max=max_length), NoControlCharacters()])


class ProposeForm(FlaskForm):
    """What staff ask the person to approve for the public list, in two languages."""

    language = SelectField(_l("Language it is written in"),
                           choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()])
    quote = _published_text(_l("Quote to publish"), MAX_MESSAGE, _l("Write the quote to publish."))
    quote_translation = _published_text(_l("The quote, translated"), MAX_MESSAGE)
    action_taken = _published_text(_l("What we did about it"), MAX_ACTION,
                                   _l("Write what we did about it."))
    action_translation = _published_text(_l("What we did about it, translated"), MAX_ACTION)


class QuoteAnswerForm(FlaskForm):
    """The person's answer to a proposed quote; `seen` names the exact text they read."""

    receipt = HiddenField(validators=[InputRequired()])
    seen = HiddenField(validators=[Optional(), Length(max=64)])


class ActionForm(FlaskForm):
    """A button that changes something; CSRF only."""
