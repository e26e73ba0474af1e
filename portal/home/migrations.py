"""Schema steps of the home area, each with frozen copies of the models of its time.

Never edit a released step: add a new one.
"""
from __future__ import annotations

from peewee import CharField, Model, TextField

from portal.db import db


def _v1_site_texts() -> None:
    """The texts the organisation sets (its name, the quick exit, urgent help...), per language."""

    class SiteText(Model):
        key = CharField(max_length=64)
        language = CharField(max_length=8)
        value = TextField(default="")

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "site_text"
            indexes = ((("key", "language"), True),)

    db.create_tables([SiteText])


MIGRATIONS = ((1, _v1_site_texts),)
