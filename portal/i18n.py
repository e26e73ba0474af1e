"""Language choice: an explicit ?lang= choice kept in a cookie that holds only the language."""
from __future__ import annotations

from flask import Flask, current_app, g, request
from flask_babel import Babel, get_locale

LANGUAGES = {"en": "English", "es": "Español"}
COOKIE = "lang"
babel = Babel()


def select_locale() -> str:
    """?lang= first, then the preference cookie, then the browser, then the default."""
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        g.set_language = chosen
        return chosen
    cookie = request.cookies.get(COOKIE)
    if cookie in LANGUAGES:
        return cookie
    best = request.accept_languages.best_match(list(LANGUAGES))
    return best or current_app.config.get("DEFAULT_LANGUAGE", "en")


def remember_language(response):
    """After a request that chose a language: keep only that choice, for a year."""
    chosen = g.get("set_language")
    if chosen and request.cookies.get(COOKIE) != chosen:
        response.set_cookie(COOKIE, chosen, max_age=365 * 24 * 3600, httponly=True,
                            samesite="Lax", secure=current_app.config.get("HTTPS", False))
    return response


def init_app(app: Flask) -> None:
    """Attach Flask-Babel with the catalogues in translations/."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "../translations")
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["get_locale"] = lambda: str(get_locale() or "en")
    app.after_request(remember_language)
