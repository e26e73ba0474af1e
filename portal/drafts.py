"""Work kept across a session that ended: a staff reply sent after the idle timeout comes back,
filled in, once the person has logged in again.

A view marked with `keeps_draft` names the fields worth keeping and the page its form lives on.
When its POST arrives from a session that has just ended, the text is put, encrypted with a key
derived from the app's secret (the session cookie is only signed) and compressed, into the
session with the account it belongs to, and the person is sent to log in and then back to the
page, where `restore` fills the form in again. Only the same account gets it back. A text too long
for a cookie is shown on the login page instead, to copy.
"""
from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Callable

from flask import current_app, flash, g, redirect, render_template, request, session, url_for

from portal import sealing
from portal.i18n import gettext as _

SESSION_KEY = "draft"
PURPOSE = "kept-draft"
# what fits in the session cookie beside the rest (browsers refuse cookies over 4 KB)
MAX_STORED = 2800


def keeps_draft(fields: tuple[str, ...], page: Callable[..., str]) -> Callable:
    """Mark a view whose form text survives the end of a session; `page(**view_args)` is the
    address of the page that shows the form. Put it directly under the route decorator."""
    def decorate(view: Callable) -> Callable:
        view._keeps_draft = (fields, page)
        return view
    return decorate


def _seal(value: dict) -> str:
    packed = zlib.compress(json.dumps(value).encode("utf-8"), 9)
    return sealing.encrypt_with_app_key(base64.b64encode(packed).decode("ascii"),
                                        current_app.secret_key, PURPOSE)


def _open(token: str) -> dict | None:
    try:
        packed = sealing.decrypt_with_app_key(token, current_app.secret_key, PURPOSE)
        return json.loads(zlib.decompress(base64.b64decode(packed)))
    except (sealing.SealingError, ValueError, zlib.error):
        return None


def keep_after_expiry(uid: int | None):
    """For a POST from an ended session to a view that keeps drafts: the response that keeps the
    text and asks the person to log in again, or None when the view keeps nothing."""
    view = current_app.view_functions.get(request.endpoint or "")
    kept = getattr(view, "_keeps_draft", None)
    if kept is None or uid is None:
        return None
    fields, page = kept
    values = {name: request.form.get(name, "") for name in fields}
    if not any(values.values()):
        return None
    back_to = page(**(request.view_args or {}))
    token = _seal({"uid": uid, "action": request.path, "fields": values})
    if len(token) > MAX_STORED:
        return render_template("accounts/draft_kept.html", values=values, back_to=back_to), 401
    session[SESSION_KEY] = token
    flash(_("Your session ended, so this was not sent yet. Log in again: what you wrote is kept "
            "and comes back on the page."), "info")
    return redirect(url_for("accounts.login", next=back_to))


def carry_over(previous: dict) -> None:
    """When a session starts afresh, keep a draft the old one held (restore checks its owner)."""
    token = previous.get(SESSION_KEY)
    if token:
        session[SESSION_KEY] = token


def restore(form, action: str) -> bool:
    """Fill the form in from a draft kept for this action by the account now logged in."""
    token = session.get(SESSION_KEY)
    if not token:
        return False
    value = _open(token)
    user = g.get("user")
    if value is None or user is None or value.get("uid") != user.id:
        session.pop(SESSION_KEY, None)
        return False
    if value.get("action") != action:
        return False
    session.pop(SESSION_KEY, None)
    for name, text in value.get("fields", {}).items():
        if name in form:
            form[name].data = text
    return True
