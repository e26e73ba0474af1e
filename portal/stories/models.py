"""Stories, the consent each storyteller gave, every use of a story and the takedowns withdrawal asks for.

Everything a storyteller said or chose in words (the story, its title and content notes, their
names, the conditions on each channel) and what staff wrote about each use is encrypted with the
story's own key; that key is sealed to the organisation and wrapped for the withdrawal code.
"""
from __future__ import annotations

from peewee import (
    BigIntegerField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
)

from portal.accounts.keys import BytesField
from portal.accounts.models import User
from portal.accounts.sealed import ItemTextField, SealedKeyField
from portal.choices import Choices
from portal.clock import utc_now
from portal.db import BaseModel, new_public_id
from portal.i18n import lazy_gettext as _l

ATTRIBUTIONS = Choices(
    ("real_name", _l("Their real name, as they gave it")),
    ("pseudonym", _l("A name they chose (a pseudonym)")),
    ("initials", _l("Their initials")),
    ("anonymous", _l("Anonymous: no name at all")),
)
CHANNELS = Choices(
    ("training", _l("Internal training")),
    ("funders", _l("Funder and grant reports")),
    ("website", _l("The organisation's website")),
    ("social", _l("Social media")),
    ("print", _l("Print materials")),
    ("press", _l("Press and media")),
    ("advocacy", _l("Policy advocacy and testimony")),
)
METHODS = Choices(
    ("in_person", _l("In person")),
    ("phone", _l("By phone")),
    ("written", _l("In writing")),
)
LANGUAGES = Choices(
    ("en", _l("English")),
    ("es", _l("Spanish")),
    ("other", _l("Another language, with an interpreter")),
)
WITHDRAWN_BY = Choices(
    ("code", _l("By the storyteller, with their code")),
    ("staff", _l("Told to staff")),
)


class Story(BaseModel):
    """One storyteller's story and the consent they gave for it (after the Kantara Consent Receipt)."""

    public_id = BigIntegerField(unique=True, default=new_public_id)
    # HMAC-SHA256 of the withdrawal code; the code itself is never stored
    code_hash = CharField(max_length=64, unique=True)
    # the story's own key, sealed to the organisation key, and wrapped for the withdrawal code
    sealed_key = SealedKeyField()
    code_key = BytesField()
    # encrypted with the story's key; the text is read only through service.read_story_text
    title = ItemTextField(null=True)
    sealed_text = ItemTextField(null=True)
    content_notes = ItemTextField(null=True)
    attribution = CharField(max_length=16)
    real_name = ItemTextField(null=True)
    credit_name = ItemTextField(null=True)
    # the consent itself
    consent_given_on = DateField()
    consent_method = CharField(max_length=16)
    consent_language = CharField(max_length=8)
    wording_version = CharField(max_length=40)
    consent_expires_on = DateField(index=True)
    edits_need_approval = BooleanField(default=True)
    recorded_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    created_on = DateField(index=True)
    renewed_on = DateField(null=True)
    # the day the story's words were erased by the retention step (the record of uses stays)
    erased_on = DateField(null=True)

    class Meta:
        table_name = "story"
        indexes = ((("created_on", "public_id"), False),)

    @classmethod
    def by_code_hash(cls, digest: str) -> Story | None:
        """The story with this withdrawal-code hash: one indexed lookup."""
        return cls.get_or_none(cls.code_hash == digest)


class StoryChannel(BaseModel):
    """A channel the storyteller consented to, its conditions, and its withdrawal if any."""

    story = ForeignKeyField(Story, backref="channels", on_delete="CASCADE", index=False)
    channel = CharField(max_length=16)
    conditions = ItemTextField(null=True)
    withdrawn_on = DateField(null=True)
    withdrawn_by = CharField(max_length=8, null=True)

    class Meta:
        table_name = "story_channel"
        indexes = ((("story", "channel"), True),)


class StoryUse(BaseModel):
    """One allowed use of a story, written by the gate (service.use_story) and nowhere else."""

    public_id = BigIntegerField(unique=True, default=new_public_id)
    story = ForeignKeyField(Story, backref="uses", on_delete="CASCADE")
    channel = CharField(max_length=16)
    # what for and where it appeared, encrypted with the story's key
    purpose = ItemTextField()
    place = ItemTextField()
    attribution = CharField(max_length=16)
    used_on = DateField()
    used_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    created_at = DateTimeField(default=utc_now)

    class Meta:
        table_name = "story_use"


class StoryTakedown(BaseModel):
    """What staff must do about a past use once its channel is withdrawn."""

    public_id = BigIntegerField(unique=True, default=new_public_id)
    story = ForeignKeyField(Story, backref="takedowns", on_delete="CASCADE")
    use = ForeignKeyField(StoryUse, backref="takedowns", on_delete="CASCADE")
    channel = CharField(max_length=16)
    created_on = DateField(index=True)
    done_on = DateField(null=True, index=True)
    done_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")

    class Meta:
        table_name = "story_takedown"


MODELS = (Story, StoryChannel, StoryUse, StoryTakedown)
