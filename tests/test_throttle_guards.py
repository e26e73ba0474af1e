"""Limits cannot be dodged by headers a client makes up."""
from __future__ import annotations

import pytest
from support.config import portal_config

from portal import create_app
from portal.db import close_pool


@pytest.fixture
def direct_app(tmp_path):
    """A portal with no trusted proxy in front (PORTAL_PROXY_COUNT=0)."""
    application = create_app(portal_config(tmp_path, PROXY_COUNT=0))
    yield application
    close_pool()


def test_a_made_up_forwarded_for_header_does_not_dodge_the_lookup_limit(direct_app):
    client = direct_app.test_client()
    statuses = []
    for n in range(12):
        response = client.post("/feedback/status", data={"receipt": "0000-0000-0000-0000"},
                               headers={"X-Forwarded-For": f"203.0.113.{n + 1}",
                                        "X-Real-IP": f"198.51.100.{n + 1}"})
        statuses.append(response.status_code)
    assert statuses[-1] == 429, statuses
