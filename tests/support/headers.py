"""The protective headers exactly as the policy says: shared by the header tests."""
from __future__ import annotations

# every directive and its exact sources: a new source (https:, a CDN) fails on purpose
CSP_DIRECTIVES = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# the same value on every answer, page, file or error alike
CONSTANT_HEADERS = {
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    # no Referer to any other site; this site's own forms carry one for the same-origin check
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


def csp_directives(value: str) -> dict[str, list[str]]:
    """A Content-Security-Policy header as {directive: [sources]}."""
    parsed = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            assert words[0] not in parsed, f"{words[0]} appears twice"
            parsed[words[0]] = words[1:]
    return parsed


def constant_header_problems(headers) -> list[str]:
    """Where an answer's CSP or constant headers differ from the policy, one line each."""
    problems = []
    got = csp_directives(headers.get("Content-Security-Policy", ""))
    for directive in sorted(set(got) | set(CSP_DIRECTIVES)):
        if got.get(directive) != CSP_DIRECTIVES.get(directive):
            problems.append(f"CSP {directive} is {got.get(directive)}, not {CSP_DIRECTIVES.get(directive)}")
    for name, value in CONSTANT_HEADERS.items():
        if headers.get(name) != value:
            problems.append(f"{name} is {headers.get(name)!r}, not {value!r}")
    return problems
