"""Each protective header exactly as the policy says, on every route for every role."""
from __future__ import annotations

import pytest
from support.headers import CONSTANT_HEADERS, CSP_DIRECTIVES, csp_directives
from support.world import ROLES, build_world
from test_headers_csrf import walk_every_route


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


@pytest.mark.parametrize("header", sorted(CONSTANT_HEADERS))
def test_framing_and_isolation_headers_on_every_route(answers, header):
    for key, role, response in answers:
        assert response.headers.get(header) == CONSTANT_HEADERS[header], f"{key} as {role}"


def test_the_csp_parser_sees_an_added_source():
    assert csp_directives("script-src 'self' https:; object-src 'none'") == {
        "script-src": ["'self'", "https:"], "object-src": ["'none'"]}
