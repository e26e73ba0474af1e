"""Forms for the staff's funding, restriction, partnership, service and statement pages."""
from __future__ import annotations

import datetime as dt
import re

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.i18n import lazy_gettext as _l
from portal.text import NoControlCharacters, plain_text
from portal.transparency.models import (
    AMOUNT_BANDS,
    AMOUNT_DISPLAY,
    FUNDER_TYPES,
    NOT_REQUIRED,
    PARTNER_BASIS,
    PARTNER_KINDS,
    RESTRICTION_KINDS,
    SHARING,
)

MAX_NAME = 200
MAX_SUMMARY = 300
MAX_TEXT = 5000
MAX_INTRODUCTION = 20000
MAX_AMOUNT = 10**13
EARLIEST_YEAR, LATEST_YEAR = 1900, 2200
AMOUNT_PATTERN = re.compile(r"^(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)$")
CURRENCY_PATTERN = re.compile(r"^[A-Z]{3}$")
TOO_LONG = _l("Please shorten this to %(max)d characters or fewer (it has %(length)d).")


def stripped(value: str | None) -> str:
    """A one-line answer without blanks around it."""
    return (value or "").strip()


def parse_amount(text: str | None) -> int | None:
    """A typed amount in whole units ("250000" or "250,000"); None when blank.

    Raises ValueError for anything else: decimals, signs, other digits than 0-9."""
    text = (text or "").strip()
    if not text:
        return None
    if not AMOUNT_PATTERN.match(text):
        raise ValueError(text)
    amount = int(text.replace(",", ""))
    if not 0 < amount < MAX_AMOUNT:
        raise ValueError(text)
    return amount


def parse_currency(text: str | None) -> str:
    """A three-letter ISO 4217 code, upper-cased; ValueError otherwise."""
    code = (text or "").strip().upper()
    if not CURRENCY_PATTERN.match(code):
        raise ValueError(text)
    return code


def _name_field(label, message):
    """A required one-line name."""
    return StringField(label, filters=[stripped], validators=[
        DataRequired(message=message), Length(max=MAX_NAME, message=TOO_LONG), NoControlCharacters()])


def _text_field(label, message=None, limit: int = MAX_TEXT):
    """Plain text over several lines; required when a message is given."""
    first = InputRequired(message=message) if message else Optional(strip_whitespace=False)
    return TextAreaField(label, filters=[plain_text], validators=[
        first, Length(max=limit, message=TOO_LONG), NoControlCharacters()])


def _not_blank(field, message) -> None:
    """Refuse an answer made only of spaces and line breaks."""
    if field.data is not None and not field.data.strip():
        raise ValidationError(message)


class CheckboxesField(SelectMultipleField):
    """Several choices, each a checkbox."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class FundingForm(FlaskForm):
    """A funder and what its money pays for."""

    funder_name = _name_field(_l("Funder"), _l("Write the funder's name."))
    funder_type = SelectField(_l("Type of funder"),
                              choices=FUNDER_TYPES.form_choices(blank=_l("Choose one")),
                              validators=[InputRequired(message=_l("Choose the type of funder."))])
    programme = StringField(_l("Programme or grant name"), filters=[stripped], validators=[
        Optional(), Length(max=MAX_NAME, message=TOO_LONG), NoControlCharacters()])
    description = _text_field(_l("What the money pays for"))
    # checked in validate_amount, blank included: an amount or a band is needed
    amount = StringField(_l("Amount"), validators=[Length(max=40, message=TOO_LONG)])
    amount_band = SelectField(_l("Or an amount band"),
                              choices=AMOUNT_BANDS.form_choices(blank=_l("No band: I gave the amount")),
                              validators=[Optional(strip_whitespace=False)])
    currency = StringField(_l("Currency"), default="USD",
                           validators=[InputRequired(message=_l("Write the currency code, such as USD."))])
    starts_on = DateField(_l("Starts on"), validators=[Optional()])
    ends_on = DateField(_l("Ends on"), validators=[Optional()])
    client_data = RadioField(_l("What client information goes to this funder"),
                             choices=SHARING.form_choices(), default="nothing",
                             validators=[InputRequired(message=_l("Choose what goes to the funder."))])
    client_data_detail = _text_field(_l("Exactly what is reported, and how often"))

    def validate_amount(self, field) -> None:
        """Whole numbers only, and either an amount or a band."""
        try:
            amount = parse_amount(field.data)
        except ValueError:
            raise ValidationError(_l("Write the amount in whole numbers, like 250000 or 250,000.")) from None
        if amount is None and not self.amount_band.data:
            raise ValidationError(_l("Give the amount or choose an amount band."))
        if amount is not None and self.amount_band.data:
            raise ValidationError(_l("Give either the amount or a band, not both."))

    def validate_currency(self, field) -> None:
        """Three letters, such as USD or EUR."""
        try:
            parse_currency(field.data)
        except ValueError:
            raise ValidationError(_l("Write the three-letter currency code, such as USD or EUR.")) from None

    def validate_starts_on(self, field) -> None:
        """A plausible year."""
        _plausible(field.data)

    def validate_ends_on(self, field) -> None:
        """A plausible year, not before the start."""
        _plausible(field.data)
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The end date is before the start date."))

    def values(self) -> dict:
        """The cleaned answers, for the service."""
        return {"funder_name": self.funder_name.data, "funder_type": self.funder_type.data,
                "programme": self.programme.data or "", "description": self.description.data or "",
                "amount": parse_amount(self.amount.data), "amount_band": self.amount_band.data or "",
                "currency": parse_currency(self.currency.data), "starts_on": self.starts_on.data,
                "ends_on": self.ends_on.data, "client_data": self.client_data.data,
                "client_data_detail": self.client_data_detail.data or ""}


def _plausible(day: dt.date | None) -> None:
    """Refuse dates far outside any funding period."""
    if day is not None and not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
        raise ValidationError(_l("Check the year of this date."))


class RestrictionForm(FlaskForm):
    """One restriction of a funder, with what its terms actually say."""

    kind = RadioField(_l("Kind of restriction"), choices=RESTRICTION_KINDS.form_choices(),
                      validators=[InputRequired(message=_l("Choose the kind of restriction."))])
    summary = StringField(_l("The restriction in one line"), filters=[stripped], validators=[
        DataRequired(message=_l("Write the restriction in one line.")),
        Length(max=MAX_SUMMARY, message=TOO_LONG), NoControlCharacters()])
    terms_say = _text_field(_l("What the funder's terms actually say"),
                            _l("Write what the funder's terms actually say."))
    we_do = _text_field(_l("What we do about it"), _l("Write what we do about it."))

    def validate_terms_say(self, field) -> None:
        """Not only blanks."""
        _not_blank(field, _l("Write what the funder's terms actually say."))

    def validate_we_do(self, field) -> None:
        """Not only blanks."""
        _not_blank(field, _l("Write what we do about it."))

    def values(self) -> dict:
        """The cleaned answers, for the service."""
        return {"kind": self.kind.data, "summary": self.summary.data,
                "terms_say": self.terms_say.data, "we_do": self.we_do.data}


class PartnershipForm(FlaskForm):
    """A partner, why, what they get and how clients are kept safe."""

    name = _name_field(_l("Partner"), _l("Write the partner's name."))
    kind = SelectField(_l("Kind of partner"), choices=PARTNER_KINDS.form_choices(blank=_l("Choose one")),
                       validators=[InputRequired(message=_l("Choose the kind of partner."))])
    basis = RadioField(_l("Why we have it"), choices=PARTNER_BASIS.form_choices(), default="chosen",
                       validators=[InputRequired(message=_l("Choose why we have this partnership."))])
    purpose = _text_field(_l("What the partnership is for"), _l("Write what the partnership is for."))
    shared = RadioField(_l("What we share with them"), choices=SHARING.form_choices(),
                        validators=[InputRequired(message=_l("Choose what we share with them."))])
    shared_detail = _text_field(_l("Exactly what is shared, when and how"))
    safeguards = _text_field(_l("What we do to keep clients safe in it"),
                             _l("Write what we do to keep clients safe."))

    def validate_purpose(self, field) -> None:
        """Not only blanks."""
        _not_blank(field, _l("Write what the partnership is for."))

    def validate_safeguards(self, field) -> None:
        """Not only blanks."""
        _not_blank(field, _l("Write what we do to keep clients safe."))

    def values(self) -> dict:
        """The cleaned answers, for the service."""
        return {"name": self.name.data, "kind": self.kind.data, "basis": self.basis.data,
                "purpose": self.purpose.data, "shared": self.shared.data,
                "shared_detail": self.shared_detail.data or "", "safeguards": self.safeguards.data}


class ServiceForm(FlaskForm):
    """A service, who can get it, what it does and does not ask, who pays and what limits it."""

    name = _name_field(_l("Service"), _l("Write the name of the service."))
    description = _text_field(_l("What it is"))
    eligibility = _text_field(_l("Who can get it, in plain words"), _l("Write who can get it."))
    requirements = _text_field(_l("What a person needs to get it"))
    not_required = CheckboxesField(_l("What it does not require"), choices=NOT_REQUIRED.form_choices())
    not_required_note = _text_field(_l("Anything else it does not require"))
    funded_by = CheckboxesField(_l("Who pays for it"), choices=[])
    limited_by = SelectField(_l("The restriction that limits it"), choices=[],
                             validators=[Optional(strip_whitespace=False)])
    referrals = _text_field(_l("Where we refer people it cannot serve"))

    def set_choices(self, funders: list[tuple[str, str]], restrictions: list[tuple[str, str]]) -> None:
        """Offer today's funders and restrictions: (id, label) pairs."""
        self.funded_by.choices = funders
        self.limited_by.choices = [("", _l("Nothing limits it")), *restrictions]

    def validate_eligibility(self, field) -> None:
        """Not only blanks."""
        _not_blank(field, _l("Write who can get it."))

    def validate_referrals(self, field) -> None:
        """A service a restriction limits must say where the people it leaves out can go."""
        if self.limited_by.data and not (field.data or "").strip():
            raise ValidationError(_l("A restriction limits this service: say where we refer the "
                                     "people it cannot serve."))

    def values(self) -> dict:
        """The cleaned answers, for the service."""
        return {"name": self.name.data, "description": self.description.data or "",
                "eligibility": self.eligibility.data, "requirements": self.requirements.data or "",
                "not_required": list(self.not_required.data or []),
                "not_required_note": self.not_required_note.data or "",
                "funded_by": list(self.funded_by.data or []),
                "limited_by": self.limited_by.data or None, "referrals": self.referrals.data or ""}


class StatementForm(FlaskForm):
    """The introduction of the statement and how amounts are shown."""

    introduction = _text_field(_l("Introduction"), _l("Write the introduction."), MAX_INTRODUCTION)
    introduction_es = _text_field(_l("Introduction in Spanish"), limit=MAX_INTRODUCTION)
    amounts_shown = RadioField(_l("How to show amounts"), choices=AMOUNT_DISPLAY.form_choices(),
                               default="exact",
                               validators=[InputRequired(message=_l("Choose how to show amounts."))])

    def validate_introduction(self, field) -> None:
        """Not only blanks."""
        _not_blank(field, _l("Write the introduction."))


class DraftActionForm(FlaskForm):
    """Publish or discard the draft that was on the page (not one someone else started since)."""

    draft = HiddenField(validators=[InputRequired()])


class DeleteForm(FlaskForm):
    """Remove a record, once the box is ticked."""

    confirm = BooleanField(_l("Yes, remove it"),
                           validators=[InputRequired(message=_l("Tick the box to confirm."))])

    def validate_confirm(self, field) -> None:
        """Only the box's own value counts as a yes."""
        if field.raw_data != ["yes"]:
            raise ValidationError(_l("Tick the box to confirm."))
