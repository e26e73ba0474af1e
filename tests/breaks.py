"""The breaks `tests/mutations.py` applies: one rule each, the text that breaks it, its guards.

Every rule of tests/README.md has at least one row here. When code moves, a row goes stale and
the script says so: move the row with the code, never delete it.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Break:
    number: int
    rule: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]


F = "tests/feedback/"
A = "tests/accounts/"

BREAKS = [
    # --- privacy: small counts ---------------------------------------------------------------------
    Break(1, "counts below the minimum cell size are hidden (boundary at exactly the minimum)",
          "portal/privacy.py", "value == 0 or value >= minimum", "value == 0 or value > minimum",
          ("tests/test_privacy.py",)),
    Break(2, "a lone hidden count takes another with it (complementary suppression)",
          "portal/privacy.py", "if len(hidden) == 1:", "if False:", ("tests/test_privacy.py",)),
    Break(3, "a total below the minimum is hidden", "portal/privacy.py",
          "return total if total >= minimum else None", "return total if total > minimum else None",
          ("tests/test_privacy.py",)),
    Break(4, "the minimum cell size defaults to 5", "portal/config.py",
          '_int(environ, "PORTAL_MIN_CELL_SIZE", 5)', '_int(environ, "PORTAL_MIN_CELL_SIZE", 1)',
          ("tests/test_privacy.py",)),
    # --- exports ------------------------------------------------------------------------------------
    Break(5, "CSV cells that start like a formula are defused", "portal/export.py",
          'FORMULA_STARTS = ("=", "+", "-", "@")', 'FORMULA_STARTS = ("+", "-", "@")',
          ("tests/test_export.py", F + "test_feedback_guards.py")),
    Break(6, "CSV cells starting with a tab, return or newline are defused", "portal/export.py",
          'if text[:1] in ("\\t", "\\r", "\\n") or first in FORMULA_STARTS:',
          "if first in FORMULA_STARTS:", ("tests/test_export.py",)),
    Break(7, "a full-width = is read as = by spreadsheets and defused", "portal/export.py",
          'first = unicodedata.normalize("NFKC", text.lstrip(" \\t\\r\\n;,")[:1])',
          'first = text.lstrip(" \\t\\r\\n;,")[:1]', ("tests/test_export.py",)),
    # --- text and markup --------------------------------------------------------------------------
    Break(8, "Markdown keeps no script link (allowed protocols)", "portal/text.py",
          'ALLOWED_PROTOCOLS = ["https", "http", "mailto"]',
          'ALLOWED_PROTOCOLS = ["https", "http", "mailto", "javascript"]',
          ("tests/test_hostile_input.py", "-k", "markdown")),
    Break(9, "disallowed tags are stripped from Markdown", "portal/text.py",
          'ALLOWED_TAGS = ["p", "br",', 'ALLOWED_TAGS = ["script", "p", "br",',
          ("tests/test_hostile_input.py", "-k", "markdown")),
    # --- codes --------------------------------------------------------------------------------------
    Break(10, "codes come from the secrets module", "portal/codes.py",
          'return "".join(secrets.choice(ALPHABET) for _ in range(length))',
          'return "".join(__import__("random").choice(ALPHABET) for _ in range(length))',
          ("tests/test_codes.py",)),
    Break(11, "receipts are stored as a keyed hash", "portal/codes.py",
          "return hmac.new(key, message, hashlib.sha256).hexdigest()",
          "return hashlib.sha256(message).hexdigest()",
          (F + "test_feedback_guards.py", "-k", "keyed or secret")),
    Break(12, "codes are accepted in any spacing and case", "portal/codes.py",
          "return SEPARATORS.sub(\"\", typed).upper().translate(LOOKALIKES)",
          "return typed.upper()", (F + "test_feedback.py", "-k", "spacing or full_width")),
    # --- headers ------------------------------------------------------------------------------------
    Break(13, "scripts load only from the portal itself (CSP)", "portal/security.py",
          "\"script-src 'self'\",", "\"script-src 'self' https:\",",
          ("tests/test_header_guards.py",)),
    Break(14, "pages may not be framed (X-Frame-Options)", "portal/security.py",
          'headers["X-Frame-Options"] = "DENY"', 'pass', ("tests/test_header_guards.py",)),
    Break(15, "pages are isolated from other origins (COOP)", "portal/security.py",
          'headers["Cross-Origin-Opener-Policy"] = "same-origin"', 'pass',
          ("tests/test_header_guards.py",)),
    Break(16, "resources are not embeddable by other origins (CORP)", "portal/security.py",
          'headers["Cross-Origin-Resource-Policy"] = "same-origin"', 'pass',
          ("tests/test_header_guards.py",)),
    Break(17, "pages are never cached", "portal/security.py",
          'headers["Cache-Control"] = "no-store"', 'headers["Cache-Control"] = "private"',
          ("tests/test_headers_csrf.py", "-k", "protective")),
    # --- access -------------------------------------------------------------------------------------
    Break(18, "a role outside a view's declared roles is refused", "portal/security.py",
          "    if user.role not in access:\n        abort(403)", "    pass",
          ("tests/test_authorization.py", "-k", "admits")),
    Break(19, "CSRF tokens are checked on every state-changing route", "portal/__init__.py",
          "    csrf.init_app(app)\n", "",
          ("tests/test_headers_csrf.py", "-k", "token")),
    Break(20, "the session cookie is HttpOnly", "portal/config.py",
          '"SESSION_COOKIE_HTTPONLY": True,', '"SESSION_COOKIE_HTTPONLY": False,',
          ("tests/test_layout.py", "tests/test_headers_csrf.py")),
    Break(21, "the session cookie over HTTPS is a __Host- cookie", "portal/__init__.py",
          '"__Host-session" if app.config["HTTPS"] else "session"', '"session"',
          ("tests/test_layout.py",)),
    # --- the core's structure -----------------------------------------------------------------------
    Break(22, "every area's migrations produce exactly its models' tables", "portal/feedback/migrations.py",
          "        published_on = DateField(null=True, index=True)\n", "",
          ("tests/test_migrations.py",)),
    Break(23, "audit rows take actions only from the declared vocabulary", "portal/accounts/audit.py",
          "    if action not in vocabulary():\n", "    if False:\n",
          ("tests/accounts/test_audit.py",)),
    Break(24, "audit rows never hold text", "portal/accounts/audit.py",
          "    if subject_id is not None and not isinstance(subject_id, int):\n", "    if False:\n",
          ("tests/accounts/test_audit.py",)),
    # --- languages ----------------------------------------------------------------------------------
    Break(25, "every message the portal shows is in the Spanish catalogue", "portal/feedback/views.py",
          '_("Your reply was sent. The person sees it when they enter their code.")',
          '"Your reply was sent. The person sees it when they enter their code."',
          ("tests/test_i18n.py", "-k", "python")),
]
