"""Request logging that records what happened, never who asked: no address, agent or query."""
from __future__ import annotations

import logging
import time

from flask import Flask, g, request
from flask.logging import default_handler

logger = logging.getLogger("portal.requests")


class DropClientDetails(logging.Filter):
    """Drops the development server's request lines: they hold the address, time and query."""

    def filter(self, record: logging.LogRecord) -> bool:
        return " - - [" not in record.getMessage()


def init_app(app: Flask) -> None:
    """Log method, route, status and duration of each request."""
    # no time stamp on any line the app writes: a time could be matched to a client's visit
    werkzeug_log = logging.getLogger("werkzeug")
    if not any(isinstance(f, DropClientDetails) for f in werkzeug_log.filters):
        werkzeug_log.addFilter(DropClientDetails())
    default_handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    app.logger.debug("request log ready")  # attaches Flask's handler before the first request
    if not app.config.get("LOG_REQUESTS", True):
        return
    if not logger.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        # one line per request: not again through the app logger's handler
        logger.propagate = False
    logger.setLevel(logging.INFO)

    @app.before_request
    def _start_timer() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def _log_request(response):
        started = g.get("request_started")
        took = (time.perf_counter() - started) * 1000 if started else 0.0
        # the rule, not the path: a path may hold a token; the query string is never logged
        route = request.url_rule.rule if request.url_rule else "<unmatched>"
        logger.info("%s %s %s %.0fms", request.method, route, response.status_code, took)
        return response
