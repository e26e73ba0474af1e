"""Each protective header exactly as the policy says, on every route for every role."""
from __future__ import annotations

import pytest
from support.world import ROLES, build_world
from test_headers_csrf import walk_every_route

# every directive and its exact sources: a new source (https:, a CDN) fails here on purpose
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
FRAMING_AND_ISOLATION = {
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
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


@pytest.fixture(scope="module")
def answers(tmp_path_factory):
    """Every route as every role, once for the module."""
    from support.config import portal_config

    from portal import create_app
    from portal.db import close_pool

    app = create_app(portal_config(tmp_path_factory.mktemp("headers")))
    collected = list(walk_every_route(build_world(app), ROLES))
    close_pool()
    return collected


def test_every_csp_directive_has_exactly_its_sources_on_every_route(answers):
    for key, role, response in answers:
        got = csp_directives(response.headers.get("Content-Security-Policy", ""))
        assert got == CSP_DIRECTIVES, f"{key} as {role}: {got}"


@pytest.mark.parametrize("header", sorted(FRAMING_AND_ISOLATION))
def test_framing_and_isolation_headers_on_every_route(answers, header):
    for key, role, response in answers:
        assert response.headers.get(header) == FRAMING_AND_ISOLATION[header], f"{key} as {role}"


def test_the_csp_parser_sees_an_added_source():
    assert csp_directives("script-src 'self' https:; object-src 'none'") == {
        "script-src": ["'self'", "https:"], "object-src": ["'none'"]}
