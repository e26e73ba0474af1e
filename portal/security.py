"""Passwords, access rules, sessions and the response headers every page carries."""
from __future__ import annotations

import functools
import time
from collections.abc import Callable
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, abort, current_app, g, redirect, request, session, url_for

from portal.i18n import lazy_gettext as _l
from portal.roles import ADMIN, COUNCIL, ROLES, STAFF_ROLES

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


# --- passwords -------------------------------------------------------------------------------

def _hasher() -> PasswordHasher:
    """An argon2id hasher with the configured cost."""
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"],
        memory_cost=config["ARGON2_MEMORY_COST"],
        parallelism=config["ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """Check a password against its hash without raising."""
    try:
        return _hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with other parameters than today's."""
    return _hasher().check_needs_rehash(stored_hash)


@functools.lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    """The bundled list of passwords that are too common to allow."""
    path = Path(__file__).parent / "data" / "common-passwords.txt"
    words = (line.strip().lower() for line in path.read_text(encoding="utf-8").splitlines())
    return frozenset(word for word in words if word and not word.startswith("#"))


def password_problems(password: str, username: str = "") -> list[str]:
    """Why a new password is refused (empty when it is fine); length and commonness only."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(_l("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))
    elif len(password) > MAX_PASSWORD_LENGTH:
        problems.append(_l("Use at most %(n)d characters.", n=MAX_PASSWORD_LENGTH))
    lowered = password.lower()
    if lowered in _common_passwords() or len(set(lowered)) <= 2:
        problems.append(_l("This password is too common. Try a few unrelated words together."))
    elif username and username.lower() in lowered:
        problems.append(_l("The password must not contain your user name."))
    return [str(p) for p in problems]


# --- roles -----------------------------------------------------------------------------------

def public(view: Callable) -> Callable:
    """Mark a view as open to everyone (every other view is closed by default)."""
    view._access = ("public",)
    return view


def indexable(view: Callable) -> Callable:
    """Let search engines index a public page; every other page asks them not to (noindex)."""
    view._indexable = True
    return view


def is_indexable(endpoint: str | None) -> bool:
    """True when the view behind an endpoint was marked `indexable`."""
    if endpoint is None:
        return False
    view = current_app.view_functions.get(endpoint)
    return bool(getattr(view, "_indexable", False))


def roles_required(*roles: str) -> Callable:
    """Allow only logged-in users holding one of the roles."""
    def decorate(view: Callable) -> Callable:
        view._access = tuple(roles)
        return view
    return decorate


login_required = roles_required(*ROLES)
staff_required = roles_required(*STAFF_ROLES)
admin_required = roles_required(ADMIN)
council_required = roles_required(COUNCIL)


def view_access(endpoint: str | None) -> tuple[str, ...] | None:
    """The roles a view admits, ('public',) for open views, None when undeclared."""
    if endpoint is None:
        return ("public",)
    if endpoint == "static":
        return ("public",)
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "_access", None)


def enforce_access():
    """Before each request: refuse what the view's declared roles do not allow."""
    access = view_access(request.endpoint)
    if access is None:
        # a view that forgot its decorator is closed, never open
        current_app.logger.error("view %s declares no access rule", request.endpoint)
        abort(403)
    if "public" in access:
        return None
    user = g.get("user")
    if user is None:
        if request.method == "GET":
            return redirect(url_for("accounts.login", next=request.path))
        abort(403)
    if user.role not in access:
        abort(403)
    return None


# --- sessions --------------------------------------------------------------------------------

def start_session(user) -> None:
    """Begin a fresh session for the user (a new cookie and CSRF token; old data dropped)."""
    session.clear()
    now = int(time.time())
    session["uid"] = user.id
    session["ver"] = user.session_version
    session["started"] = now
    session["seen"] = now


def end_session() -> None:
    """Forget everything in this browser's session."""
    session.clear()


def load_session_user(lookup: Callable[[int], object]) -> None:
    """Before each request: set g.user from a session that is valid, current and not stale."""
    g.user = None
    uid = session.get("uid")
    if uid is None:
        return
    now = int(time.time())
    config = current_app.config
    idle = now - int(session.get("seen", 0)) > config["SESSION_IDLE_MINUTES"] * 60
    expired = now - int(session.get("started", 0)) > config["SESSION_MAX_HOURS"] * 3600
    user = lookup(uid)
    if (
        idle
        or expired
        or user is None
        or not user.is_active
        or user.session_version != session.get("ver")
    ):
        session.clear()
        return
    g.user = user
    if now - int(session.get("seen", 0)) > 60:
        session["seen"] = now


def is_safe_next(target: str | None) -> bool:
    """Only local paths are followed after login, never another site."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    return "\\" not in target and "\n" not in target and "\r" not in target


# --- headers ---------------------------------------------------------------------------------

def set_security_headers(response):
    """After each request: the same protective headers on every response."""
    headers = response.headers
    headers["Content-Security-Policy"] = CSP
    headers["Referrer-Policy"] = "no-referrer"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Permissions-Policy"] = PERMISSIONS_POLICY
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    if current_app.config.get("HTTPS"):
        headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    if request.endpoint == "static" and response.status_code < 400:
        headers["Cache-Control"] = "public, max-age=86400"
    else:
        # pages may show or take a client's words: never keep them in any cache
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    headers.pop("Server", None)
    return response


def init_app(app: Flask) -> None:
    """Register the access check and the headers."""
    app.before_request(enforce_access)
    app.after_request(set_security_headers)
