"""Accounts, one-time links and recovery codes."""
from __future__ import annotations

from flask import current_app
from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
)

from portal.db import BaseModel, lookup_by
from portal.roles import is_staff
from portal.sealing import decrypt_with_app_key, encrypt_with_app_key

# the purpose the second-factor secrets' key is derived for (accounts migration 3 uses it too)
TOTP_PURPOSE = "totp-secret"


class AppKeyEncryptedField(CharField):
    """Text stored encrypted with a key derived from the app's secret key, which is never in the
    database: a copy of the database or a backup alone does not give away what it holds."""

    def __init__(self, purpose: str, **kwargs) -> None:
        self.purpose = purpose
        super().__init__(**kwargs)

    def db_value(self, value: str | None) -> str | None:
        if value is None:
            return None
        return encrypt_with_app_key(value, current_app.config["SECRET_KEY"], self.purpose)

    def python_value(self, value: str | None) -> str | None:
        if value is None:
            return None
        return decrypt_with_app_key(value, current_app.config["SECRET_KEY"], self.purpose)


class User(BaseModel):
    """A staff member, admin or council member who logs in."""

    username = CharField(max_length=64, unique=True)
    display_name = CharField(max_length=100, default="")
    role = CharField(max_length=16)
    password_hash = CharField(max_length=255, default="")
    is_active = BooleanField(default=True)
    # bumped to end every session of this account at once
    session_version = IntegerField(default=1)
    # the authenticator app's secret, encrypted (see AppKeyEncryptedField)
    totp_secret = AppKeyEncryptedField(TOTP_PURPOSE, max_length=255, null=True)
    totp_enabled = BooleanField(default=False)
    totp_last_step = IntegerField(default=0)
    created_on = DateField()
    # bumped when a password is accepted and at each code tried: a pending login works in one
    # browser, once, and a copy of its cookie is worthless
    pending_login = IntegerField(default=0)
    # named by an admin to read complaints the writer kept from the rest of the team
    handles_complaints = BooleanField(default=False)

    @classmethod
    def by_username(cls, username: str) -> User | None:
        """The account with this user name, ignoring case."""
        return _user_by_username(username.strip().lower())

    @classmethod
    def roster(cls):
        """Every account, admins first, then by name."""
        return cls.select().order_by(cls.is_active.desc(), cls.role, cls.username)

    @property
    def is_staff(self) -> bool:
        """Staff and admins manage the portal."""
        return is_staff(self.role)

    @property
    def name(self) -> str:
        """What to call this person on screen."""
        return self.display_name or self.username


class OneTimeLink(BaseModel):
    """A link that sets up the first admin, invites someone or resets a password, used once."""

    token_hash = CharField(max_length=64, unique=True)
    purpose = CharField(max_length=16)  # setup, invite, reset
    role = CharField(max_length=16)
    username = CharField(max_length=64, null=True)
    user = ForeignKeyField(User, null=True, backref="links", on_delete="CASCADE")
    created_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)

    class Meta:
        table_name = "one_time_link"


class RecoveryCode(BaseModel):
    """A one-use code that stands in for the second factor."""

    user = ForeignKeyField(User, backref="recovery_codes", on_delete="CASCADE")
    code_hash = CharField(max_length=64)
    used_at = DateTimeField(null=True)

    class Meta:
        table_name = "recovery_code"


# read through SQL built once (portal/db.py): every login runs this lookup
_user_by_username = lookup_by(User, User.username)
