"""The admin's form for the organisation's texts: one field per registered text and language."""
from __future__ import annotations

import functools

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, ValidationError

from portal import sitetexts
from portal.i18n import LANGUAGES
from portal.i18n import lazy_gettext as _l
from portal.text import NoControlCharacters, is_blank, plain_text

# a field's label inside the fieldset of its text
LANGUAGE_LABELS = {"en": _l("In English"), "es": _l("In Spanish")}


def field_name(key: str, language: str) -> str:
    """The form field of one text in one language."""
    return f"{key.replace('.', '__')}_{language}"


def _visible_or_empty(form, field) -> None:
    """Empty means "show the default"; blanks alone would look empty and show nothing."""
    if field.data and is_blank(field.data):
        raise ValidationError(_l("Leave this empty to show the default, or write something "
                                 "people can see."))


def _one_line(form, field) -> None:
    if field.data and ("\n" in field.data or "\r" in field.data):
        raise ValidationError(_l("Keep this to one line."))


def _https_address(form, field) -> None:
    if field.data and not sitetexts.is_https_url(field.data):
        raise ValidationError(_l("Write a full address that starts with https://, for example "
                                 "https://weather.example/."))


def _field(entry: sitetexts.TextKey, language: str):
    """The field of one text in one language, with the rules of its kind."""
    rules = [Length(max=entry.max_length, message=_l("Please shorten this to %(max)d characters "
                                                     "or fewer (it has %(length)d).")),
             NoControlCharacters(), _visible_or_empty]
    label = LANGUAGE_LABELS.get(language, LANGUAGES[language])
    if entry.kind == sitetexts.MARKDOWN:
        return TextAreaField(label, filters=[plain_text], validators=rules)
    rules.append(_one_line)
    if entry.kind == sitetexts.URL:
        rules.append(_https_address)
    return StringField(label, validators=rules)


@functools.cache
def settings_form_class() -> type[FlaskForm]:
    """The form, built once every area has registered its texts."""
    fields = {field_name(entry.key, language): _field(entry, language)
              for entry in sitetexts.REGISTRY.values() for language in LANGUAGES}
    return type("SiteTextsForm", (FlaskForm,), fields)


def settings_form() -> FlaskForm:
    """The form filled with what the organisation set (or, on a post, what the admin sent)."""
    stored = {field_name(key, language): sitetexts.stored_text(key, language)
              for key in sitetexts.REGISTRY for language in LANGUAGES}
    return settings_form_class()(data=stored)


def submitted_values(form: FlaskForm) -> dict[tuple[str, str], str]:
    """What the form says for each (text, language)."""
    return {(key, language): form[field_name(key, language)].data or ""
            for key in sitetexts.REGISTRY for language in LANGUAGES}
