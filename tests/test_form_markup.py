"""The form macros write every field's markup themselves; they must carry every attribute that
WTForms' own widgets would (ids, name, value, required, maxlength, checked, selected...) plus
the hint and error links, for every field of every form of every area, clean and with errors."""
from __future__ import annotations

import datetime as dt
import importlib
import inspect
from html.parser import HTMLParser

import pytest
from flask_wtf import FlaskForm
from wtforms import Form
from wtforms.fields import HiddenField

from portal.areas import AREA_NAMES

# the field macro as it was when it called the widgets: the reference for the markup
WIDGET_MACRO = """
{% macro errors(f) %}
{% if f.errors %}<p class="error" id="{{ f.id }}-error">{% for e in f.errors %}{{ e }} {% endfor %}</p>
{% endif %}
{% endmacro %}
{% macro field(f, hint=None, optional=False) %}
{% set described = ([f.id ~ '-hint'] if hint else []) + ([f.id ~ '-error'] if f.errors else []) %}
{% if f.type == 'BooleanField' %}
{{ f(aria_describedby=described|join(' ') or false, aria_invalid='true' if f.errors else false) }}
{{ f.label() }}
{% if hint %}<p class="hint" id="{{ f.id }}-hint">{{ hint }}</p>{% endif %}
{% elif f.type == 'RadioField' %}
<fieldset{% if described %} aria-describedby="{{ described|join(' ') }}"{% endif %}>
<legend>{{ f.label.text }}</legend>
{% if hint %}<p class="hint" id="{{ f.id }}-hint">{{ hint }}</p>{% endif %}
{{ errors(f) }}
{% for option in f %}{{ option() }} {{ option.label() }}{% endfor %}
</fieldset>
{% else %}
{{ f.label() }}
{% if hint %}<p class="hint" id="{{ f.id }}-hint">{{ hint }}</p>{% endif %}
{{ errors(f) }}
{{ f(aria_describedby=described|join(' ') or false, aria_invalid='true' if f.errors else false, **kwargs) }}
{% endif %}
{% if f.type == 'BooleanField' %}{{ errors(f) }}{% endif %}
{% endmacro %}
"""
CALL = "{{ field(f, hint=hint, **extra) }}"
HIDDEN_CALL = "{{ hidden(f) }}"
KNOWN = {"StringField", "PasswordField", "TextAreaField", "SelectField", "RadioField", "BooleanField",
         "DateField", "IntegerField"}
# fields an area draws with a macro of its own (a list of checkboxes), checked by its own tests
OWN_MARKUP = {"CheckboxesField"}
# attributes pages pass to a field (autocomplete, rows, ...)
EXTRA = {"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false", "rows": "6"}
HOSTILE = '"><script>alert(1)</script>&amp; é'


class _Controls(HTMLParser):
    """Every element with its attributes (order-free) and the text inside it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        # a boolean attribute means the same bare (`required`) or with its name (`required="required"`)
        self.elements.append((tag, tuple(sorted((name, name if value is None else value)
                                                for name, value in attrs))))

    def handle_data(self, data):
        if data.strip():
            self.text.append(data.strip())


def _parsed(html: str) -> tuple[list, list]:
    parser = _Controls()
    parser.feed(html)
    parser.close()
    controls = [e for e in parser.elements if e[0] in ("input", "select", "option", "textarea",
                                                         "label", "fieldset", "p")]
    return controls, parser.text


def _form_classes() -> list[type]:
    found = []
    for name in AREA_NAMES:
        try:
            module = importlib.import_module(f"portal.{name}.forms")
        except ModuleNotFoundError:
            continue
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Form) and cls not in (Form, FlaskForm) and cls.__module__ == module.__name__:
                found.append(cls)
    return found


FORMS = _form_classes()


def _with_data(field) -> None:
    """Give a field a value, and hostile text where it takes text."""
    if field.type in ("SelectField", "RadioField"):
        choices = list(field.iter_choices())
        field.data = choices[-1].value if choices else None
    elif field.type == "BooleanField":
        field.data = True
    elif field.type == "DateField":
        field.data = dt.date(2025, 3, 14)
    elif field.type == "IntegerField":
        field.data = 40
    else:
        field.data = HOSTILE


@pytest.mark.parametrize("form_class", FORMS, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
@pytest.mark.parametrize("state", ["empty", "filled", "errors"])
def test_macro_markup_carries_every_attribute_of_the_widgets(app, form_class, state):
    macros = app.jinja_env.get_template("_forms.html").module
    reference = app.jinja_env.from_string(WIDGET_MACRO).module
    with app.test_request_context("/"):
        form = form_class(formdata=None, meta={"csrf": False}) if issubclass(form_class, FlaskForm) \
            else form_class(formdata=None)
        for field in form:
            if field.type in ("CSRFTokenField", *OWN_MARKUP) or isinstance(field, HiddenField):
                continue
            assert field.type in KNOWN, f"{form_class.__name__}.{field.name}: the macro has no markup " \
                                        f"for {field.type}"
            if state != "empty":
                _with_data(field)
            if state == "errors":
                field.errors = ["This needs <b>a look</b>.", "And another thing."]
            values = {"f": field, "hint": "A hint." if state != "empty" else None, "extra": EXTRA
                      if field.type not in ("RadioField", "BooleanField") else {}}
            ours = app.jinja_env.from_string(CALL, globals={"field": macros.field}).render(values)
            theirs = app.jinja_env.from_string(CALL, globals={"field": reference.field}).render(values)
            assert _parsed(ours) == _parsed(theirs), f"{form_class.__name__}.{field.name} ({state})"
            assert "<script>" not in ours and "<b>" not in ours
            if field.type == "TextAreaField":
                # a value's own first line break survives only after the one a browser drops
                assert ">\r\n" in ours


@pytest.mark.parametrize("form_class", FORMS, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_hidden_and_bare_text_macros_match_the_widgets(app, form_class):
    macros = app.jinja_env.get_template("_forms.html").module
    hidden = app.jinja_env.from_string(HIDDEN_CALL, globals={"hidden": macros.hidden})
    bare = app.jinja_env.from_string('{{ text_input(f, tabindex="-1", autocomplete="off") }}',
                                     globals={"text_input": macros.text_input})
    with app.test_request_context("/"):
        form = form_class(formdata=None)
        for field in form:
            if isinstance(field, HiddenField):
                field.data = HOSTILE
                assert _parsed(hidden.render(f=field)) == _parsed(str(field())), field.name
            elif field.type == "StringField":
                field.data = HOSTILE
                assert _parsed(bare.render(f=field)) == _parsed(
                    str(field(tabindex="-1", autocomplete="off"))), field.name
