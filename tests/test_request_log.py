"""The app's request log says what happened, never who asked or exactly when."""
from __future__ import annotations

import logging

from portal.logs import DropClientDetails


def test_request_log_line_has_route_and_status_only(client, caplog):
    caplog.set_level(logging.INFO, logger="portal.requests")
    client.get("/account/setup?token=secret-token-value", headers={"User-Agent": "canary-agent"},
               environ_base={"REMOTE_ADDR": "203.0.113.99"})
    lines = [r.getMessage() for r in caplog.records if r.name == "portal.requests"]
    assert lines == ["GET /account/setup 404 " + lines[0].split()[-1]]
    text = caplog.text
    for secret in ("secret-token-value", "canary-agent", "203.0.113.99"):
        assert secret not in text


def test_development_server_request_lines_are_dropped(app):
    werkzeug_log = logging.getLogger("werkzeug")
    assert any(isinstance(f, DropClientDetails) for f in werkzeug_log.filters)
    line = logging.LogRecord("werkzeug", logging.INFO, __file__, 1,
                             '127.0.0.1 - - [25/Nov/2026 20:46:08] "GET /feedback?x=1 HTTP/1.1" 200 -',
                             None, None)
    startup = logging.LogRecord("werkzeug", logging.INFO, __file__, 1,
                                " * Running on http://127.0.0.1:5000", None, None)
    assert not werkzeug_log.filter(line)
    assert werkzeug_log.filter(startup)
