"""Forms for logging in, setting passwords and managing accounts."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, Form, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import EqualTo, InputRequired, Length, Optional, Regexp

from portal.i18n import lazy_gettext as _l
from portal.roles import ROLE_CHOICES
from portal.text import NoControlCharacters

USERNAME_RULE = Regexp(r"^[A-Za-z0-9._-]+$",
                       message=_l("Use letters, numbers, dots, dashes or underscores."))


class LoginForm(FlaskForm):
    """User name and password."""

    # control characters are refused before the name reaches the database (PostgreSQL refuses NUL)
    username = StringField(_l("User name"),
                           validators=[InputRequired(), Length(max=64), NoControlCharacters()])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=256)])
    next = HiddenField()


class SecondFactorForm(FlaskForm):
    """A code from the authenticator app, or a recovery code."""

    code = StringField(_l("Code from your authenticator app, or a recovery code"),
                       validators=[InputRequired(), Length(max=32)])


def _stripped(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class SetupForm(FlaskForm):
    """Choose a password through a one-time link."""

    token = HiddenField(validators=[InputRequired(), Length(max=200)])
    # spaces a phone keyboard adds before or after the name are dropped, not refused
    username = StringField(_l("User name"), filters=[_stripped],
                           validators=[Optional(), Length(min=2, max=64), USERNAME_RULE])
    display_name = StringField(_l("Name to show (optional)"),
                               validators=[Optional(), Length(max=100), NoControlCharacters()])
    password = PasswordField(_l("New password"), validators=[InputRequired(), Length(max=256)])
    confirm = PasswordField(_l("New password again"),
                            validators=[InputRequired(),
                                        EqualTo("password", message=_l("The two passwords differ."))])


class ChangePasswordForm(FlaskForm):
    """Change one's own password."""

    current = PasswordField(_l("Current password"), validators=[InputRequired(), Length(max=256)])
    password = PasswordField(_l("New password"), validators=[InputRequired(), Length(max=256)])
    confirm = PasswordField(_l("New password again"),
                            validators=[InputRequired(),
                                        EqualTo("password", message=_l("The two passwords differ."))])


class EnableTotpForm(FlaskForm):
    """Confirm a new authenticator app with one code."""

    secret = HiddenField(validators=[InputRequired(), Length(min=16, max=64)])
    code = StringField(_l("6-digit code from the app"), validators=[InputRequired(), Length(max=10)])


class DisableTotpForm(FlaskForm):
    """Turn the second factor off with the password."""

    password = PasswordField(_l("Current password"), validators=[InputRequired(), Length(max=256)])


class InviteForm(FlaskForm):
    """An admin invites a new staff or council member (or admin)."""

    # only a suggestion: the person chooses their own when they open the link
    username = StringField(_l("Suggested user name"),
                           validators=[InputRequired(), Length(min=2, max=64), USERNAME_RULE])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES.form_choices())


class AccountActionForm(FlaskForm):
    """A button on the user list (deactivate, reactivate, reset link); CSRF only."""


class AuditFilterForm(Form):
    """The audit trail's filters, read from the query string (choices filled in by the view)."""

    person = SelectField(_l("Who"), choices=[], validate_choice=False)
    action = SelectField(_l("What"), choices=[], validate_choice=False)
    since = DateField(_l("From (day)"), validators=[Optional(strip_whitespace=False)])
    until = DateField(_l("Until (day)"), validators=[Optional(strip_whitespace=False)])
