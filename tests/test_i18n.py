"""Every user-facing string is translatable, the Spanish catalogue is complete, and the language
comes from an explicit choice, then the browser."""
from __future__ import annotations

import ast
import builtins
import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import render_template_string
from jinja2 import Environment

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
TRANSLATIONS = ROOT / "translations"
LANGUAGES = ["es"]
UPDATE_HINT = (
    "Run: pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location -o /tmp/messages.pot . && "
    "pybabel update -i /tmp/messages.pot -d translations --ignore-obsolete, translate, then "
    "pybabel compile -d translations"
)
# attributes a person hears or reads
VISIBLE_ATTRIBUTES = {"alt", "title", "placeholder", "aria-label", "aria-description",
                      "aria-roledescription", "aria-valuetext", "label"}
GETTEXT_NAMES = {"_", "gettext", "ngettext", "pgettext", "npgettext", "_l", "lazy_gettext"}


def _read(path: Path):
    with path.open("rb") as handle:
        return read_po(handle, locale=path.parts[-3])


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The messages that `pybabel extract` finds in the code and templates today."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    CommandLineInterface().run([
        "pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext",
        "--no-location", "-o", str(pot), str(ROOT),
    ])
    with pot.open("rb") as handle:
        return read_po(handle)


def _ids(catalog) -> set:
    return {message.id for message in catalog if message.id}


def _plain(value):
    """A message id or string in one comparable form (plural forms as a tuple)."""
    return tuple(value) if isinstance(value, (list, tuple)) else value


def _translated(message) -> bool:
    """Every form (singular and plurals) has a translation."""
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return all(strings)


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_has_every_message_translated(extracted, language):
    catalogue = _read(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po")
    missing, untranslated, fuzzy = [], [], []
    for message in extracted:
        if not message.id:
            continue
        entry = catalogue.get(message.id, message.context)
        if entry is None:
            missing.append(message.id)
        elif entry.fuzzy:
            fuzzy.append(message.id)
        elif not _translated(entry):
            untranslated.append(message.id)
    assert not (missing or untranslated or fuzzy), (
        f"{language}: missing {missing}\nuntranslated {untranslated}\nfuzzy {fuzzy}\n{UPDATE_HINT}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_holds_no_stale_entries(extracted, language):
    catalogue = _read(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po")
    stale = sorted(str(m) for m in _ids(catalogue) - _ids(extracted))
    assert not stale, f"{language}: entries no code uses any more: {stale}\n{UPDATE_HINT}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_their_placeholders(language):
    catalogue = _read(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po")
    problems = [(message.id, [str(e) for e in errors]) for message, errors in catalogue.check()]
    assert not problems, problems
    # %(name)s placeholders must survive translation even where babel does not flag the message
    for message in catalogue:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(re.findall(r"%\((\w+)\)", ids[-1]))
        for string in strings:
            assert set(re.findall(r"%\((\w+)\)", string)) == wanted, message.id


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_its_source(language):
    folder = TRANSLATIONS / language / "LC_MESSAGES"
    source = _read(folder / "messages.po")
    with (folder / "messages.mo").open("rb") as handle:
        compiled = read_mo(handle)
    wanted = {_plain(m.id): _plain(m.string) for m in source if m.id and m.string and not m.fuzzy}
    found = {_plain(m.id): _plain(m.string) for m in compiled if m.id}
    assert found == wanted, f"{folder / 'messages.mo'} is out of date. Run: pybabel compile -d translations"


# --- templates: no visible text outside gettext ------------------------------------------------

JINJA_TAG = re.compile(r"{#.*?#}|{{.*?}}|{%.*?%}", re.DOTALL)


class _VisibleText(HTMLParser):
    """Collect text nodes and spoken attributes, skipping scripts, styles and code."""

    SKIP = {"script", "style", "code", "pre"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        for name, value in attrs:
            if name in VISIBLE_ATTRIBUTES and value:
                self.found.append(value)
            if name == "value" and tag in ("button", "input") and value and dict(attrs).get(
                    "type") in ("submit", "button", "reset"):
                self.found.append(value)

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.found.append(data)


def _untranslated_markup(source: str) -> list[str]:
    """Words in the HTML of a template once every Jinja tag is taken out."""
    parser = _VisibleText()
    parser.feed(JINJA_TAG.sub("", source))
    parser.close()
    texts = (" ".join(text.split()) for text in parser.found)
    return [text for text in texts
            if re.search(r"[^\W\d_]", text)]


def _untranslated_literals(source: str) -> list[str]:
    """Sentences written as string literals in Jinja code (macro arguments, `set`) outside _()."""
    found = []
    calls: list[str | None] = []
    previous = None
    for token in Environment().lexer.tokenize(source):
        kind, value = token.type, token.value
        if kind == "lparen":
            calls.append(previous if previous in GETTEXT_NAMES else None)
        elif kind == "rparen" and calls:
            calls.pop()
        elif kind == "string":
            inside_gettext = bool(calls) and calls[-1] is not None
            if not inside_gettext and len(re.findall(r"[^\W\d_]{2,}", value)) >= 2 and " " in value:
                found.append(value)
        previous = value if kind == "name" else None
    return found


def _templates():
    return sorted(TEMPLATES.rglob("*.html"))


@pytest.mark.parametrize("template", _templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_template_has_no_untranslated_text(template):
    source = template.read_text(encoding="utf-8")
    problems = _untranslated_markup(source) + _untranslated_literals(source)
    assert not problems, f"wrap these in {{{{ _(...) }}}}: {problems}"


def test_template_scan_catches_plain_text():
    source = ('<p>{{ _("Fine") }}</p><p>Not fine</p><img alt="A photo" src="x">'
              '{{ field(form.x, hint="Also not fine") }}{{ field(form.y, hint=_("Fine too")) }}')
    assert _untranslated_markup(source) == ["Not fine", "A photo"]
    assert _untranslated_literals(source) == ["Also not fine"]


# --- Python: messages for people go through gettext ------------------------------------------

PYTHON_SKIP = {"cli.py", "demo.py"}  # console output for the operator, not for visitors
# ValueError and the like, and errors whose words are never shown (a CSRF refusal shows its own
# translated page), are for programmers, not people
BUILTIN_NAMES = set(dir(builtins)) | {"SealingError", "CSRFError", "PublishedStatementError"}


def _is_text(node) -> bool:
    """A plain string or f-string literal (not a gettext call)."""
    return isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.strip() != "")


def _untranslated_python(source: str) -> list[tuple[int, str]]:
    """Literal strings handed to flash(), form fields, validators and form errors."""
    problems = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        candidates = []
        if name == "flash" and node.args:
            candidates.append(node.args[0])
        # the portal's own errors carry messages for people (FeedbackError, AccountError...)
        if name.endswith("Error") and name not in BUILTIN_NAMES and node.args:
            candidates.append(node.args[0])
        if name.endswith("Field") and node.args:
            candidates.append(node.args[0])
        if name == "append" and isinstance(func, ast.Attribute) and isinstance(func.value, ast.Attribute) \
                and func.value.attr == "errors" and node.args:
            candidates.append(node.args[0])
        for keyword in node.keywords:
            if keyword.arg in ("message", "label", "description"):
                candidates.append(keyword.value)
            if keyword.arg == "choices" and isinstance(keyword.value, (ast.List, ast.Tuple)):
                for choice in keyword.value.elts:
                    if isinstance(choice, ast.Tuple) and len(choice.elts) == 2:
                        candidates.append(choice.elts[1])
        problems += [(c.lineno, ast.unparse(c)) for c in candidates if _is_text(c)]
    return problems


def _python_files():
    return sorted(p for p in (ROOT / "portal").rglob("*.py") if p.name not in PYTHON_SKIP)


@pytest.mark.parametrize("module", _python_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_python_messages_are_translatable(module):
    problems = _untranslated_python(module.read_text(encoding="utf-8"))
    assert not problems, f"wrap these in _() or _l(): {problems}"


def test_python_scan_catches_plain_text():
    source = ('flash("Saved")\nflash(_("Saved"))\nx = StringField("Name")\n'
              'y = StringField(_l("Name"), validators=[Length(message="Too long")])\n'
              'form.code.errors.append(f"Bad {code}")\nz = SelectField(choices=[("a", "Apple")])\n'
              'raise FeedbackError("Nope")\nraise FeedbackError(_("Fine"))\nraise ValueError("dev")\n')
    assert sorted(text for _, text in _untranslated_python(source)) == sorted([
        "'Saved'", "'Name'", "'Too long'", "f'Bad {code}'", "'Apple'", "'Nope'"])


# --- choosing the language -------------------------------------------------------------------

def test_browser_language_is_used_without_a_choice(client):
    html = client.get("/", headers={"Accept-Language": "es-MX,es;q=0.9"}).get_data(as_text=True)
    assert '<html lang="es">' in html
    assert "Salir de este sitio" in html


def test_english_is_the_default(client):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Leave this site" in html


def test_explicit_choice_is_kept_in_a_cookie_holding_only_the_language(client):
    response = client.get("/?lang=es", headers={"Accept-Language": "en"})
    assert '<html lang="es">' in response.get_data(as_text=True)
    cookies = response.headers.getlist("Set-Cookie")
    assert len(cookies) == 1
    assert cookies[0].startswith("lang=es;")
    assert "HttpOnly" in cookies[0] and "SameSite=Lax" in cookies[0]
    later = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="es">' in later


def test_choice_made_on_a_redirecting_page_is_kept(client):
    response = client.get("/logout?lang=es")
    assert response.status_code == 302
    assert any(c.startswith("lang=es;") for c in response.headers.getlist("Set-Cookie"))


def test_unknown_language_is_ignored(client):
    response = client.get("/?lang=xx")
    assert '<html lang="en">' in response.get_data(as_text=True)
    assert not response.headers.getlist("Set-Cookie")


def test_every_page_links_to_the_other_language_keeping_its_query(client):
    html = client.get("/account/setup?token=abc").get_data(as_text=True)
    assert 'href="/account/setup?token=abc&amp;lang=es"' in html
    assert 'lang="es"' in html and ">Español</a>" in html
    spanish = client.get("/login?lang=es").get_data(as_text=True)
    assert 'href="/login?lang=en"' in spanish and ">English</a>" in spanish


def test_form_errors_come_back_in_spanish(client):
    html = client.post("/login?lang=es", data={"username": "", "password": ""}).get_data(as_text=True)
    assert "Revisa el formulario" in html
    assert "Este campo es obligatorio." in html


def test_error_pages_are_translated(client):
    html = client.get("/no-such-page", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Página no encontrada" in html


def test_dates_and_numbers_follow_the_locale(app):
    day = dt.date(2025, 3, 7)
    template = "{{ day|dateformat('long') }} · {{ 12345.5|decimalformat }}"
    with app.test_request_context("/?lang=es"):
        assert render_template_string(template, day=day) == "7 de marzo de 2025 · 12.345,5"
    with app.test_request_context("/?lang=en"):
        assert render_template_string(template, day=day) == "March 7, 2025 · 12,345.5"


# --- the Spanish catalogue reads as US Spanish -----------------------------------------------

# Spain's words and marks that a reader in the United States trips over, with what to use instead
NOT_US_SPANISH = {
    "«": "“", "»": "”", "pulsa": "presiona", "añad": "agreg", "segundo factor": "verificación en dos pasos",
    "caducó": "venció", "caducado": "vencido", "vosotros": "ustedes",
}


def test_spanish_catalogue_keeps_to_us_spanish_and_curly_quotes():
    catalogue = _read(TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.po")
    found = []
    for message in catalogue:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            found += [(word, message.id) for word in NOT_US_SPANISH if word in (string or "").lower()]
    assert not found, f"use {NOT_US_SPANISH} instead: {found}"


def test_template_translations_escape_values_and_follow_the_page_language(app):
    """`_()` and `ngettext()` in a template: values filled in are escaped, the message is in the
    request's language, and a literal %% is always formatted (as Jinja's newstyle gettext)."""
    page = ('{{ _("Your password is set. Welcome.") }}|{{ _("Choose a new password for %(name)s.", '
            'name="<b>x</b>") }}|{{ ngettext("%(num)d thread nobody has read", '
            '"%(num)d threads nobody has read", 2) }}')
    with app.test_request_context("/?lang=en"):
        shown = render_template_string(page)
    assert "Your password is set. Welcome." in shown
    assert "&lt;b&gt;x&lt;/b&gt;" in shown and "<b>" not in shown
    assert "2 threads nobody has read" in shown
    with app.test_request_context("/?lang=es"):
        spanish = render_template_string(page)
    assert "Your password is set" not in spanish and "&lt;b&gt;x&lt;/b&gt;" in spanish
    assert spanish.split("|")[2].startswith("2 ")
