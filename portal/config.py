"""Configuration: every setting comes from a PORTAL_* environment variable, read here only."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

TRUE_WORDS = {"1", "true", "yes", "on"}
# shown (translated) until the operator or an admin names the organisation
DEFAULT_SITE_NAME = "Community Services"
# where "Leave this site" goes until the operator or an admin says otherwise
DEFAULT_QUICK_EXIT_URL = "https://www.bbc.co.uk/weather"
DEFAULT_QUICK_EXIT_URL_ES = "https://weather.com/es-US"


def _flag(environ: dict, name: str, default: bool) -> bool:
    """Read an on/off environment variable."""
    raw = environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in TRUE_WORDS


def _int(environ: dict, name: str, default: int) -> int:
    """Read a whole-number environment variable, refusing nonsense at start-up."""
    raw = environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise RuntimeError(f"{name} must be a whole number, not {raw!r}") from exc


def default_instance_path(environ: dict | None = None) -> str:
    """Where the instance folder lives (database, generated secret key)."""
    environ = os.environ if environ is None else environ
    path = environ.get("PORTAL_INSTANCE_PATH")
    if path:
        return str(Path(path).resolve())
    return str(Path(__file__).resolve().parent.parent / "instance")


def load_secret_key(instance_path: str, environ: dict) -> str:
    """Use PORTAL_SECRET_KEY, else a key generated once and kept in the instance folder."""
    if environ.get("PORTAL_SECRET_KEY"):
        return environ["PORTAL_SECRET_KEY"]
    key_file = Path(instance_path) / "secret_key"
    if not key_file.exists():
        # the instance folder holds the key and the database: only the server's user enters it
        key_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # O_EXCL: two workers starting together must not write two different keys
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    key = key_file.read_text().strip()
    if not key:
        raise RuntimeError(f"{key_file} is empty; delete it to generate a new key")
    return key


def from_environment(instance_path: str, environ: dict | None = None) -> dict:
    """Build the Flask config mapping from the environment."""
    environ = os.environ if environ is None else environ
    https = _flag(environ, "PORTAL_HTTPS", False)
    database_url = environ.get("PORTAL_DATABASE_URL") or (
        "sqlite:///" + str(Path(instance_path) / "portal.sqlite")
    )
    return {
        "SECRET_KEY": load_secret_key(instance_path, environ),
        "DATABASE_URL": database_url,
        "HTTPS": https,
        "BASE_URL": environ.get("PORTAL_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "PROXY_COUNT": _int(environ, "PORTAL_PROXY_COUNT", 0),
        "RATELIMIT_ENABLED": _flag(environ, "PORTAL_RATELIMIT_ENABLED", True),
        # empty: a store in the instance folder that every worker shares (see portal/throttle.py)
        "RATELIMIT_STORAGE_URI": environ.get("PORTAL_RATELIMIT_STORAGE_URL", ""),
        "FEEDBACK_RETENTION_DAYS": _int(environ, "PORTAL_FEEDBACK_RETENTION_DAYS", 365),
        "STORIES_RETENTION_DAYS": _int(environ, "PORTAL_STORIES_RETENTION_DAYS", 90),
        "MIN_CELL_SIZE": _int(environ, "PORTAL_MIN_CELL_SIZE", 5),
        "SMTP_URL": environ.get("PORTAL_SMTP_URL", ""),
        "MAIL_FROM": environ.get("PORTAL_MAIL_FROM", ""),
        "DEFAULT_LANGUAGE": environ.get("PORTAL_DEFAULT_LANGUAGE", "en"),
        "SITE_NAME": environ.get("PORTAL_SITE_NAME") or DEFAULT_SITE_NAME,
        "NEUTRAL_TITLE": environ.get("PORTAL_NEUTRAL_TITLE", ""),
        # pages for clients name only themselves in the tab and history, never the organisation
        "NEUTRAL_TITLES": _flag(environ, "PORTAL_NEUTRAL_TITLES", True),
        "QUICK_EXIT_URL": environ.get("PORTAL_QUICK_EXIT_URL") or DEFAULT_QUICK_EXIT_URL,
        "QUICK_EXIT_URL_ES": environ.get("PORTAL_QUICK_EXIT_URL_ES", ""),
        "MAX_CONTENT_LENGTH": _int(environ, "PORTAL_MAX_CONTENT_LENGTH", 1024 * 1024),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # staff must use a second factor too (admins always must)
        "STAFF_SECOND_FACTOR": _flag(environ, "PORTAL_STAFF_SECOND_FACTOR", False),
        "SESSION_IDLE_MINUTES": _int(environ, "PORTAL_SESSION_IDLE_MINUTES", 30),
        "SESSION_MAX_HOURS": _int(environ, "PORTAL_SESSION_MAX_HOURS", 12),
        "SETUP_LINK_HOURS": _int(environ, "PORTAL_SETUP_LINK_HOURS", 72),
        "SYNCHRONOUS": environ.get("PORTAL_SQLITE_SYNCHRONOUS", "FULL").upper(),
        "LOG_REQUESTS": _flag(environ, "PORTAL_LOG_REQUESTS", True),
        # argon2id parameters (RFC 9106 second recommended option by default)
        "ARGON2_TIME_COST": _int(environ, "PORTAL_ARGON2_TIME_COST", 3),
        "ARGON2_MEMORY_COST": _int(environ, "PORTAL_ARGON2_MEMORY_COST", 65536),
        "ARGON2_PARALLELISM": _int(environ, "PORTAL_ARGON2_PARALLELISM", 4),
        # at most this many password hashes at once per server process; a login that finds them
        # all taken for this long is answered "busy, try again" instead of holding a thread
        "PASSWORD_CHECKS_AT_ONCE": max(1, _int(environ, "PORTAL_PASSWORD_CHECKS_AT_ONCE", 1)),
        "PASSWORD_CHECK_WAIT_MS": _int(environ, "PORTAL_PASSWORD_CHECK_WAIT_MS", 0),
        "AUTO_INIT_DB": True,
        "WTF_CSRF_TIME_LIMIT": None,
        # Flask-WTF's HTTPS check wants a Referer; security.check_same_origin does it instead
        "WTF_CSRF_SSL_STRICT": False,
    }
