"""Accounts, one-time links and recovery codes."""
from __future__ import annotations

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
)

from portal.db import BaseModel
from portal.roles import is_staff


class User(BaseModel):
    """A staff member, admin or council member who logs in."""

    username = CharField(max_length=64, unique=True)
    display_name = CharField(max_length=100, default="")
    role = CharField(max_length=16)
    password_hash = CharField(max_length=255, default="")
    is_active = BooleanField(default=True)
    # bumped to end every session of this account at once
    session_version = IntegerField(default=1)
    totp_secret = CharField(max_length=64, null=True)
    totp_enabled = BooleanField(default=False)
    totp_last_step = IntegerField(default=0)
    created_on = DateField()
    # bumped when a password is accepted and at each code tried: a pending login works in one
    # browser, once, and a copy of its cookie is worthless
    pending_login = IntegerField(default=0)

    @classmethod
    def by_username(cls, username: str) -> User | None:
        """The account with this user name, ignoring case."""
        return cls.get_or_none(cls.username == username.strip().lower())

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
