"""Language choice: an explicit ?lang= choice kept in a cookie that holds only the language,
then the browser's Accept-Language. Dates and numbers use Flask-Babel's locale-aware filters
(`dateformat`, `datetimeformat`, `numberformat`)."""
from __future__ import annotations

import contextlib
import datetime as dt
import functools
from collections.abc import Iterator
from urllib.parse import urlencode

from babel import Locale, support
from flask import Flask, Request, current_app, g, has_request_context, request
from flask_babel import Babel, force_locale, get_locale, get_translations
from flask_babel.speaklater import LazyString
from jinja2 import pass_context
from markupsafe import Markup
from werkzeug.utils import cached_property
from wtforms.i18n import messages_path

from portal import clock

LANGUAGES = {"en": "English", "es": "Español"}
COOKIE = "lang"
babel = Babel()


# parsed once: Flask-Babel would parse the code (and look for its data on disk) on every request
_LOCALES = {code: Locale.parse(code) for code in LANGUAGES}


def _chosen_in_query() -> str | None:
    """The ?lang= choice, without parsing a query string that names no language."""
    if b"lang=" not in request.query_string:
        return None
    chosen = request.args.get("lang")
    return chosen if chosen in LANGUAGES else None


def select_locale() -> Locale:
    """?lang= first, then the preference cookie, then the browser, then the default."""
    chosen = _chosen_in_query()
    if chosen:
        g.set_language = chosen
        return _LOCALES[chosen]
    cookie = request.cookies.get(COOKIE)
    if cookie in LANGUAGES:
        return _LOCALES[cookie]
    best = request.accept_languages.best_match(list(LANGUAGES))
    code = best or current_app.config.get("DEFAULT_LANGUAGE", "en")
    return _LOCALES.get(code) or Locale.parse(code)


def _catalogue():
    """This request's translations, looked up on first use and kept on the request."""
    if not has_request_context():
        return get_translations()
    catalogue = getattr(request, "portal_catalogue", None)
    if catalogue is None:
        catalogue = request.portal_catalogue = get_translations()
    return catalogue


@functools.lru_cache(maxsize=len(LANGUAGES) + 1)
def _wtforms_catalogue(language: str) -> support.Translations:
    """WTForms' own messages ("This field is required.") in a language, read from disk once."""
    return support.Translations.load(messages_path(), [language], domain="wtforms")


class PortalRequest(Request):
    """A request that finds WTForms' catalogue in memory instead of reading it from disk.

    Flask-WTF looks for `request.wtforms_translations` and loads the file itself when it is
    missing: once per request, the largest single cost of a page with a form."""

    @cached_property
    def wtforms_translations(self) -> support.Translations:
        return _wtforms_catalogue(current_language())


def gettext(string: str, **variables) -> str:
    """Translate a message with this request's catalogue, then fill in its %(name)s values."""
    text = _catalogue().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    """The singular or plural of a message for `num`, translated, with %(num)d filled in."""
    text = _catalogue().ungettext(singular, plural, num)
    return text % {"num": num, **variables}


def lazy_gettext(string: str, **variables) -> LazyString:
    """A message translated when it is shown (form labels, module-level texts)."""
    return LazyString(gettext, string, **variables)


def _language_now() -> str:
    return str(get_locale() or current_app.config.get("DEFAULT_LANGUAGE", "en"))


def current_language() -> str:
    """The language code of this request ("en", "es"), worked out once per request."""
    if not has_request_context():
        return _language_now()
    language = getattr(request, "portal_language", None)
    if language is None:
        language = request.portal_language = _language_now()
    return language


@contextlib.contextmanager
def speaking(language: str) -> Iterator[None]:
    """Inside the block, messages are translated into `language` (an admin page showing the
    default of a text in every language at once)."""
    if language == current_language():
        yield
        return
    kept = ((getattr(request, "portal_catalogue", None), getattr(request, "portal_language", None))
            if has_request_context() else None)
    try:
        with force_locale(language):
            if has_request_context():
                request.portal_catalogue = request.portal_language = None
            yield
    finally:
        if has_request_context():
            request.portal_catalogue, request.portal_language = kept


def language_links() -> list[tuple[str, str, str]]:
    """(code, name, url) for every other language: this page again with ?lang= set.

    The rest of the query string is kept, so a one-time link still works after switching."""
    here = current_language()
    links = []
    for code, name in LANGUAGES.items():
        if code == here:
            continue
        args = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
        args.append(("lang", code))
        links.append((code, name, f"{request.path}?{urlencode(args)}"))
    return links


def apply_language_choice() -> None:
    """Before each request: a ?lang= choice counts even when the view only redirects."""
    if _chosen_in_query():
        get_locale()


def cookie_expiry(today: dt.date | None = None) -> dt.datetime:
    """Midnight (UTC) a year from today: the cookie tells the day it was set, never the time."""
    today = today or clock.today()
    return dt.datetime.combine(today + dt.timedelta(days=365), dt.time(), tzinfo=dt.UTC)


def remember_language(response):
    """After a request that chose a language: keep only that choice, for a year.

    An Expires at midnight and no Max-Age (which a browser counts from the second it arrived)."""
    chosen = g.get("set_language")
    if chosen and request.cookies.get(COOKIE) != chosen:
        response.set_cookie(COOKIE, chosen, expires=cookie_expiry(), httponly=True,
                            samesite="Lax", secure=current_app.config.get("HTTPS", False))
    return response


def _template_gettext(translate):
    """`_()` and `gettext()` for templates, as Jinja's "newstyle" ones behave: the message
    translated, marked safe where autoescaping is on, then always %-formatted."""
    @pass_context
    def gettext_(context, string, **variables):
        text = translate(string)
        if context.eval_ctx.autoescape:
            # the catalogue is ours, as in Jinja's own newstyle gettext
            text = Markup(text)  # noqa: S704  # nosec B704
        if not variables and "%" not in text:
            # what formatting would give back: most messages fill nothing in
            return text
        return text % variables
    return gettext_


def _template_ngettext(translate):
    """`ngettext()` for templates, newstyle: `num` is filled in unless given."""
    @pass_context
    def ngettext_(context, singular, plural, num, **variables):
        variables.setdefault("num", num)
        text = translate(singular, plural, num)
        if context.eval_ctx.autoescape:
            # the catalogue is ours, as in Jinja's own newstyle gettext
            text = Markup(text)  # noqa: S704  # nosec B704
        return text % variables
    return ngettext_


def _bound_translations() -> dict:
    """A page's `gettext` and `ngettext`, bound to this request's catalogue when the page starts
    rendering (they come before the environment's own, which look the catalogue up each time)."""
    catalogue = _catalogue()
    return {"gettext": _template_gettext(catalogue.ugettext),
            "ngettext": _template_ngettext(catalogue.ungettext)}


def init_app(app: Flask) -> None:
    """Attach Flask-Babel with the catalogues in translations/."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "../translations")
    babel.init_app(app, locale_selector=select_locale)
    app.request_class = PortalRequest
    # templates look the catalogue up once per request, not once per string
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _catalogue().ugettext(s),
        ngettext=lambda s, p, n: _catalogue().ungettext(s, p, n),
        pgettext=lambda c, s: _catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: _catalogue().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.context_processor(_bound_translations)
    app.jinja_env.globals["get_locale"] = current_language
    app.jinja_env.globals["language_links"] = language_links
    app.before_request(apply_language_choice)
    app.after_request(remember_language)
