"""Flask's signed-cookie session, shaped for the common request: a visitor with no cookie.

The signature is dated to the day, not the second.
Flask builds a new signing serializer (and derives its key) for every request, even when there
is no cookie to read; here it is built once per secret key. A request without a session cookie
gets an empty session without any of that work, and a session that stayed empty and unchanged
writes nothing back: no Set-Cookie on a page that needed no CSRF token or login.
"""
from __future__ import annotations

import time

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import TimestampSigner, URLSafeTimedSerializer


class DayStampSigner(TimestampSigner):
    """A signer whose time stamp is the start of the day (UTC), never the second of the visit."""

    def get_timestamp(self) -> int:
        now = int(time.time())
        return now - now % 86400


class PortalSessionInterface(SecureCookieSessionInterface):
    """The standard signed cookie, dated to the day only, with the serializer kept and the empty
    case made cheap.

    Flask's own cookie carries the second it was signed: a visitor's cookie would tell when they
    came. The idle and absolute limits of a logged-in session live in the session itself."""

    def __init__(self) -> None:
        self._serializers: dict[tuple, object] = {}

    def get_signing_serializer(self, app: Flask):
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        serializer = self._serializers.get(key)
        if serializer is None and app.secret_key:
            serializer = self._serializers[key] = URLSafeTimedSerializer(
                app.secret_key, salt=self.salt, serializer=self.serializer, signer=DayStampSigner,
                signer_kwargs={"key_derivation": self.key_derivation,
                               "digest_method": self.digest_method})
        return serializer

    def open_session(self, app: Flask, request):
        if request.path.startswith(self._static_prefix(app)):
            # a stylesheet or script needs no session: nothing read, nothing written, no Vary
            return self.null_session_class()
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)

    @staticmethod
    def _static_prefix(app: Flask) -> str:
        return f"{app.static_url_path}/" if app.static_url_path else "\0"

    def save_session(self, app: Flask, session, response) -> None:
        if not session and not session.modified:
            # nothing was stored and nothing removed: only say the page depended on the cookie
            if session.accessed:
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    """Use the session interface above."""
    app.session_interface = PortalSessionInterface()
