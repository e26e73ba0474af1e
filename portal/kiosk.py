"""Kiosk mode for a shared tablet in a drop-in centre, turned on for one device at a time.

On a device in kiosk mode, the screen clears itself (the session cookie and the browser's storage
for this site are wiped, and the front page shows again) after each feedback or survey is sent,
when the person presses the button under their code, and after two minutes without a touch or a
key (with JavaScript; without it, pages that have nothing typed into them clear after two
minutes). The receipt offers no print or download, so the code is never left on the device.

The device is marked by a cookie holding "1", the same on every kiosk: it says nothing about who
uses it. The setting page is /kiosk.
"""
from __future__ import annotations

from flask import Flask, current_app, g, request, session
from werkzeug.wrappers import Response

COOKIE = "portal_kiosk"
IDLE_SECONDS = 120
ONE_YEAR = 365 * 24 * 3600


def is_on() -> bool:
    """True on a device in kiosk mode."""
    return bool(g.get("kiosk"))


def submission_done() -> None:
    """A view calls this after storing what an anonymous visitor sent: a kiosk clears itself."""
    g.kiosk_submission_done = True


def set_mode(response: Response, on: bool) -> None:
    """Turn kiosk mode on or off for the device that sent the request."""
    secure = bool(current_app.config.get("HTTPS"))
    if on:
        response.set_cookie(COOKIE, "1", max_age=ONE_YEAR, httponly=True, samesite="Lax", secure=secure)
    else:
        response.delete_cookie(COOKIE, httponly=True, samesite="Lax", secure=secure)


def clear(response: Response) -> Response:
    """Wipe what this site left on the device: the session cookie, storage and cache."""
    # an emptied session is deleted from the browser when the response is finished
    session.clear()
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    g.kiosk_cleared = True
    return response


def init_app(app: Flask) -> None:
    """Read the device's mode on every request; clear the device after a submission."""

    @app.before_request
    def _read_mode() -> None:
        g.kiosk = request.cookies.get(COOKIE) == "1"

    @app.after_request
    def _clear_after_submission(response: Response) -> Response:
        if g.get("kiosk") and g.get("kiosk_submission_done") and not g.get("kiosk_cleared"):
            clear(response)
        return response

    @app.context_processor
    def _kiosk_values() -> dict:
        return {"kiosk": bool(g.get("kiosk")), "kiosk_idle_seconds": IDLE_SECONDS}
