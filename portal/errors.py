"""Friendly error pages that reveal nothing about the server."""
from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, g, render_template, request
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import HTTPException

from portal.i18n import lazy_gettext as _l
from portal.security import CrossSiteRequest, PasswordCheckBusy

MESSAGES = {
    400: (_l("Something was wrong with that request"),
          _l("Please go back, reload the page and try again.")),
    401: (_l("Please log in"), _l("This page is for people with an account.")),
    403: (_l("Not allowed"), _l("You do not have access to this page.")),
    404: (_l("Page not found"), _l("We could not find that page. It may have moved.")),
    405: (_l("Not allowed"), _l("That page cannot be used that way.")),
    413: (_l("Too much to send"),
          _l("What you sent is larger than we accept. Please make it shorter and try again.")),
    429: (_l("Please slow down"),
          _l("There have been a lot of tries in a short time. Please wait a few minutes and "
             "try again. Nothing you typed was saved.")),
    500: (_l("Something went wrong on our side"),
          _l("Nothing you typed was saved. Please try again in a little while.")),
    503: (_l("Busy right now"),
          _l("Many people are logging in at this moment. Please try again in a few seconds.")),
}
# how long a browser or a script is asked to wait after a 503
RETRY_AFTER_SECONDS = 5


def render_error(code: int, detail: str | None = None):
    """The error page for a status code."""
    title, message = MESSAGES.get(code, MESSAGES[500])
    try:
        return render_template("errors/error.html", title=title, message=detail or message,
                               code=code), code
    except Exception:  # noqa: BLE001 - the error page itself must never fail
        current_app.logger.exception("error page failed to render")
        body = f"<!doctype html><html lang=\"en\"><title>{escape(title)}</title><h1>{escape(title)}</h1>"
        return body, code, {"Content-Type": "text/html; charset=utf-8"}


def keeps_form_on_expiry(redo: Callable[[], object]) -> Callable:
    """Mark a view whose form, sent after its CSRF token expired, comes back filled in as it was
    sent, with a fresh token, instead of an error page that loses what was typed. `redo` renders
    that page without storing anything. Put it directly under the route decorator."""
    def decorate(view: Callable) -> Callable:
        view._redo_expired_form = redo
        return view
    return decorate


def init_app(app: Flask) -> None:
    """Register handlers for the codes a visitor may meet."""

    @app.errorhandler(CSRFError)
    def _csrf_error(error):
        view = app.view_functions.get(request.endpoint or "")
        redo = getattr(view, "_redo_expired_form", None)
        # a form sent from another site is refused outright; only an expired token is forgiven
        if redo is not None and not isinstance(error, CrossSiteRequest):
            g.form_expired = True
            body = current_app.make_response(redo())
            body.status_code = 400
            return body
        return render_error(400, str(_l("This form expired or was opened in another window. "
                                        "Please go back, reload the page and send it again.")))

    @app.errorhandler(PasswordCheckBusy)
    def _busy(error):
        body, code = render_error(503)
        return body, code, {"Retry-After": str(RETRY_AFTER_SECONDS)}

    @app.errorhandler(HTTPException)
    def _http_error(error):
        code = error.code or 500
        response = render_error(code if code in MESSAGES else 400)
        if code == 405 and error.valid_methods:
            return response[0], code, {"Allow": ", ".join(error.valid_methods)}
        return response

    @app.errorhandler(Exception)
    def _server_error(error):
        if isinstance(error, HTTPException):
            return _http_error(error)
        app.logger.exception("unhandled error")
        return render_error(500)
