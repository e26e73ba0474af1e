"""Passwords, access rules, sessions and the response headers every page carries."""
from __future__ import annotations

import contextlib
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from urllib.parse import unquote, urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, abort, current_app, g, redirect, request, session, url_for
from flask_wtf.csrf import CSRFError

from portal import drafts, static_files
from portal.i18n import gettext as _
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

class PasswordCheckBusy(Exception):
    """Every password-hashing slot of this process is taken: the request is refused at once."""


def _hashing_slots() -> threading.BoundedSemaphore:
    """This process's password-hashing slots (argon2 takes a core and 64 MiB for most of a second)."""
    slots = current_app.extensions.get("password_slots")
    if slots is None:
        slots = current_app.extensions.setdefault(
            "password_slots", threading.BoundedSemaphore(current_app.config["PASSWORD_CHECKS_AT_ONCE"]))
    return slots


@contextlib.contextmanager
def _hashing_slot() -> Iterator[None]:
    """Hold one hashing slot; with none free soon, refuse rather than queue.

    A queue of password checks would hold every server thread, so /healthz and the public pages
    would wait behind a flood of wrong logins; a refused login is retried a moment later."""
    slots = _hashing_slots()
    if not slots.acquire(timeout=current_app.config["PASSWORD_CHECK_WAIT_MS"] / 1000):
        raise PasswordCheckBusy()
    try:
        yield
    finally:
        slots.release()


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
    with _hashing_slot():
        return _hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """Check a password against its hash without raising (except when every slot is busy)."""
    with _hashing_slot():
        try:
            return _hasher().verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with other parameters than today's."""
    return _hasher().check_needs_rehash(stored_hash)


# zxcvbn's score (0 to 4): 3 is "safely unguessable: moderate protection from offline attacks"
MIN_PASSWORD_SCORE = 3
# zxcvbn's time grows with the length; what matters is in the first hundred characters
ESTIMATE_LENGTH = 100
# zxcvbn's own feedback, in the catalogue so it reaches people in their language
STRENGTH_FEEDBACK = (
    _l("Use a few words, avoid common phrases."),
    _l("No need for symbols, digits, or uppercase letters."),
    _l("Add another word or two. Uncommon words are better."),
    _l("Straight rows of keys are easy to guess."),
    _l("Short keyboard patterns are easy to guess."),
    _l("Use a longer keyboard pattern with more turns."),
    _l('Repeats like "aaa" are easy to guess.'),
    _l('Repeats like "abcabcabc" are only slightly harder to guess than "abc".'),
    _l("Avoid repeated words and characters."),
    _l('Sequences like "abc" or "6543" are easy to guess.'),
    _l("Avoid sequences."),
    _l("Recent years are easy to guess."),
    _l("Avoid recent years."),
    _l("Avoid years that are associated with you."),
    _l("Dates are often easy to guess."),
    _l("Avoid dates and years that are associated with you."),
    _l("This is a top-10 common password."),
    _l("This is a top-100 common password."),
    _l("This is a very common password."),
    _l("This is similar to a commonly used password."),
    _l("A word by itself is easy to guess."),
    _l("Names and surnames by themselves are easy to guess."),
    _l("Common names and surnames are easy to guess."),
    _l("Capitalization doesn't help very much."),
    _l("All-uppercase is almost as easy to guess as all-lowercase."),
    _l("Reversed words aren't much harder to guess."),
    _l("Predictable substitutions like '@' instead of 'a' don't help very much."),
)


def password_problems(password: str, username: str = "", user_inputs: Iterable[str] = ()) -> list[str]:
    """Why a new password is refused (empty when it is fine): its length, then how guessable
    it is by zxcvbn (common passwords, words, names, repeats, sequences, keyboard walks, dates,
    and the person's own user name or display name)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return [_("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)]
    if len(password) > MAX_PASSWORD_LENGTH:
        return [_("Use at most %(n)d characters.", n=MAX_PASSWORD_LENGTH)]
    # zxcvbn matches whole entries: the names as typed, run together and word by word
    own_words = []
    for name in (username, *user_inputs):
        words = [word for word in re.split(r"[\W_]+", (name or "").lower()) if word]
        own_words += [name.lower(), "".join(words), *words] if words else []
    if username and username.lower() in password.lower():
        return [_("The password must not contain your user name.")]
    # imported here, not with the app: its word lists take about 20 MB in every worker, and
    # passwords are set a few times a year, not on every request
    from zxcvbn import zxcvbn

    estimate = zxcvbn(password[:ESTIMATE_LENGTH], user_inputs=own_words)
    if estimate["score"] >= MIN_PASSWORD_SCORE:
        return []
    feedback = estimate["feedback"]
    problems = [_("This password would be easy to guess. Try a few unrelated words together.")]
    problems += [_(text) for text in (feedback.get("warning"), *feedback.get("suggestions", ()))
                 if text]
    return problems


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
        # a reply sent just after the session ended is kept for after the next login
        kept = drafts.keep_after_expiry(g.get("ended_uid"))
        if kept is not None:
            return kept
        abort(403)
    if user.role not in access:
        abort(403)
    return None


# --- sessions --------------------------------------------------------------------------------

def start_session(user) -> None:
    """Begin a fresh session for the user (a new cookie and CSRF token; old data dropped but for
    a draft kept from an ended session, which only its own account gets back)."""
    previous = dict(session)
    session.clear()
    drafts.carry_over(previous)
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
        # whose session just ended: only to keep a draft for that same account
        if user is not None and user.is_active and (idle or expired):
            g.ended_uid = user.id
        return
    g.user = user
    if now - int(session.get("seen", 0)) > 60:
        session["seen"] = now


# whitespace and control characters: browsers drop some of them (a tab, a line break) and
# then read what is left, so "/\t/evil.example" becomes "//evil.example", another site
_UNSAFE_IN_NEXT = ("Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp")
MAX_NEXT_LENGTH = 2000


def _is_local_path(target: str) -> bool:
    """One form of a target: a path on this site, nothing a browser could read as another."""
    if not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ch.isspace() or unicodedata.category(ch) in _UNSAFE_IN_NEXT
                              for ch in target):
        return False
    parts = urlsplit(target.strip())
    return not parts.scheme and not parts.netloc


def is_safe_next(target: str | None) -> bool:
    """Only local paths are followed after login, never another site: the target as given and
    every percent-decoded form of it must be a plain path."""
    if not target or len(target) > MAX_NEXT_LENGTH:
        return False
    seen = target
    for _round in range(4):
        if not _is_local_path(seen):
            return False
        decoded = unquote(seen)
        if decoded == seen:
            return True
        seen = decoded
    # encoded within encoded within encoded: no honest link looks like that
    return False


# --- cross-site requests -----------------------------------------------------------------------

# Sec-Fetch-Site values a form of this site sends ("none": typed or bookmarked by the person)
_OWN_FETCH_SITES = ("same-origin", "none")


def _origin_of(url: str) -> tuple[str, str, int | None] | None:
    """(scheme, host, port) of a URL with default ports filled in, or None when it has none."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname:
        return None
    scheme = parts.scheme.lower()
    return scheme, parts.hostname.lower(), port or {"http": 80, "https": 443}.get(scheme)


class CrossSiteRequest(CSRFError):
    """A form sent from another site: refused, never answered with the form it carried."""


def check_same_origin() -> None:
    """Before each state-changing request: the CSRF token is checked by Flask-WTF; this checks
    that the browser says the form came from this site.

    Flask-WTF's own HTTPS check wants a Referer, which browsers do not send under our referrer
    policy; the signals, best first: Origin (unless "null"), then Sec-Fetch-Site, then a
    Referer (sent to this site alone under `Referrer-Policy: same-origin`)."""
    config = current_app.config
    if not config.get("WTF_CSRF_ENABLED", True) or request.method not in config["WTF_CSRF_METHODS"]:
        return
    here = _origin_of(request.host_url)
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        if _origin_of(origin) != here:
            raise CrossSiteRequest("The Origin header names another site.")
        return
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site:
        if fetch_site not in _OWN_FETCH_SITES:
            raise CrossSiteRequest("Sec-Fetch-Site says the request came from another site.")
        return
    if request.referrer:
        if _origin_of(request.referrer) != here:
            raise CrossSiteRequest("The Referer names another site.")
        return
    # every browser of today sends one of the three over HTTPS; only the token stands over HTTP
    if request.is_secure:
        raise CrossSiteRequest("The request does not say which site it came from.")


# --- headers ---------------------------------------------------------------------------------

def constant_headers(https: bool) -> list[tuple[str, str]]:
    """The protective headers every response carries, the same on every request."""
    headers = [
        ("Content-Security-Policy", CSP),
        # no Referer to any other site; this site's own forms carry one for the same-origin check
        ("Referrer-Policy", "same-origin"),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Permissions-Policy", PERMISSIONS_POLICY),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Cross-Origin-Resource-Policy", "same-origin"),
    ]
    if https:
        headers.append(("Strict-Transport-Security", "max-age=63072000; includeSubDomains"))
    return headers


class ConstantHeaders:
    """WSGI middleware: appends the headers built once at start-up to every response.

    A plain list extended at the WSGI boundary costs a fraction of setting each header on the
    response object, and also covers answers that bypass the app's after_request hooks."""

    def __init__(self, wsgi_app, headers: list[tuple[str, str]]):
        self.wsgi_app, self.headers = wsgi_app, headers

    def __call__(self, environ, start_response):
        def start(status, response_headers, exc_info=None):
            response_headers.extend(self.headers)
            return start_response(status, response_headers, exc_info)
        return self.wsgi_app(environ, start)


def set_security_headers(response):
    """After each request: what the constant headers cannot say, caching by kind of answer."""
    headers = response.headers
    if request.endpoint == "static" and response.status_code < 400:
        headers["Cache-Control"] = static_files.cache_control()
    else:
        # pages may show or take a client's words: never keep them in any cache
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    headers.pop("Server", None)
    return response


def init_app(app: Flask) -> None:
    """Register the session cookie, the same-origin and access checks, and the headers."""
    app.before_request(check_same_origin)
    app.before_request(enforce_access)
    app.after_request(set_security_headers)
    app.wsgi_app = ConstantHeaders(app.wsgi_app, constant_headers(bool(app.config.get("HTTPS"))))
