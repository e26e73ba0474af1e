"""Canary values in the headers that identify a person must never be kept anywhere.

Every anonymous form is used through the shipped gunicorn.conf.py with a canary address,
user agent and referrer; then every table and column, every file in the instance folder, the
app's log output, gunicorn's access and error logs and every Set-Cookie are searched.
A new anonymous flow is one step in the CANARY_FLOW of its area's tests/<area>/rows.py; a step may
add to state["secrets"] what must never reach a log or a cookie (a receipt, a code).
"""
from __future__ import annotations

import base64
import contextlib
import datetime as dt
import os
import re
import secrets
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from support.canary import Visitor
from support.config import portal_config
from support.database import (
    all_rows,
    cells_containing,
    new_rows,
    open_url,
    throwaway_postgres,
    time_of_day_values,
)
from support.rows import gather_list
from support.servers import Gunicorn, portal_environment

from portal import create_app
from portal.areas import load_areas
from portal.security import public

POSTGRES = bool(os.environ.get("PORTAL_TEST_DATABASE_URL"))
GENERIC_500 = "Something went wrong on our side"


def _forced_failure(visitor: Visitor, state: dict) -> None:
    for answer in (visitor.get("/test-forced-failure"),
                   visitor.post("/test-forced-failure", {"message": state["message"]}, page="/feedback")):
        assert answer.status_code == 500
        assert GENERIC_500 in answer.text
        for secret in ("Traceback", "RuntimeError", "forced failure", ".py", "/work"):
            assert secret not in answer.text


def _missing_page(visitor: Visitor, state: dict) -> None:
    assert visitor.get("/no-such-page").status_code == 404


# every area's anonymous flows, then what any visitor may meet anywhere
ANONYMOUS_FLOW: list[Callable[[Visitor, dict], None]] = [
    *gather_list("CANARY_FLOW"), _forced_failure, _missing_page,
]


def session_payload(value: str) -> str:
    """What a Flask session cookie holds, decoded (it may be compressed)."""
    compressed = value.startswith(".")
    payload = value.lstrip(".").split(".")[0]
    data = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    with contextlib.suppress(zlib.error):
        data = zlib.decompress(data) if compressed else data
    return data.decode("utf-8", "replace")


def _cookie_texts(answers: list[requests.Response]) -> list[str]:
    texts = []
    for answer in answers:
        for header in answer.raw.headers.getlist("Set-Cookie"):
            texts.append(header)
            value = header.split(";", 1)[0].split("=", 1)[-1]
            with contextlib.suppress(ValueError):
                texts.append(session_payload(value))
    return texts


@contextlib.contextmanager
def _database_url(tmp_path: Path):
    if POSTGRES:
        with throwaway_postgres("portal_canary") as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / 'instance' / 'portal.sqlite'}"


MIDNIGHT = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T]00:00:00(\.0+)?([+-]00:?00)?$")


def _day_only_audit_rows_as_days(rows: dict) -> dict:
    """An anonymous action may leave an audit row of an action kept with the day only (a writer
    deleting their conversation): its time is midnight by rule and its number random, so the check
    reads its day alone; any other time in it is still found."""
    day_only = frozenset().union(*(area.audit_day_only for area in load_areas()))

    def day(value):
        if isinstance(value, dt.datetime) and value.time() == dt.time.min:
            return value.date()
        if isinstance(value, str) and MIDNIGHT.match(value):
            return MIDNIGHT.match(value).group(1)
        return value

    audit = [(None, *(day(value) for value in row[1:])) if day_only.intersection(
        value for value in row if isinstance(value, str)) else row
        for row in rows.get("audit_entry", [])]
    return {**rows, "audit_entry": audit} if "audit_entry" in rows else rows


def _rows(url: str) -> dict:
    database = open_url(url)
    with database.connection_context():
        return all_rows(database)


@pytest.mark.parametrize("proxies", [0, 1], ids=["direct", "behind-a-proxy"])
def test_no_trace_of_the_sender_anywhere(tmp_path, proxies):
    token = secrets.token_hex(5)
    canaries = {
        "ip": f"198.51.{secrets.randbelow(200) + 1}.{secrets.randbelow(250) + 1}",
        "ipv6": f"2001:db8::{token[:4]}:{token[4:8]}",
        "agent": f"CanaryAgent/{token}",
        "referrer": f"https://canary-referrer-{token}.example/page",
        "query": f"canary-query-{token}",
    }
    state = {"message": f"The showers are cold, canary-message-{token}"}
    with _database_url(tmp_path) as url:
        env = portal_environment(tmp_path / "instance", PORTAL_DATABASE_URL=url,
                                 PORTAL_PROXY_COUNT=str(proxies))
        server = Gunicorn(env, tmp_path / "logs", workers=2, app="support.crash_wsgi:app")
        with server:
            before = _rows(url)
            visitor = Visitor(server, canaries)
            for step in ANONYMOUS_FLOW:
                step(visitor, state)
        after = _rows(url)

    # the feedback was stored (and read back with the receipt above), sealed: its words are nowhere
    assert len(after["feedback_message"]) > len(before.get("feedback_message", [])), \
        "the feedback itself was not stored"
    assert not cells_containing(after, f"canary-message-{token}"), "the feedback was stored unsealed"
    logs = server.logs()
    assert "GET /feedback" in logs, "the access log was not written"
    assert "unhandled error" in logs, "the forced failure was not logged"
    files = [p for p in (tmp_path / "instance").rglob("*") if p.is_file()]
    cookies = _cookie_texts(visitor.answers)
    assert any("csrf_token" in c for c in cookies), "the session cookie could not be read"
    for name, canary in canaries.items():
        assert not cells_containing(after, canary), f"{name} canary stored in the database"
        assert canary not in logs, f"{name} canary in the server's logs"
        for path in files:
            assert canary.encode() not in path.read_bytes(), f"{name} canary in {path.name}"
        assert not [c for c in cookies if canary in c], f"{name} canary in a cookie"
    # what identifies a conversation or repeats its words stays out of logs and cookies
    for secret in (*state.get("secrets", []), f"canary-message-{token}"):
        assert secret not in logs, "a code or message reached the logs"
        assert not [c for c in cookies if secret in c], "a code or message reached a cookie"
    # anonymous rows carry the day, never a time
    assert not time_of_day_values(_day_only_audit_rows_as_days(new_rows(before, after)))


def test_a_forced_500_shows_a_generic_page(tmp_path, caplog):
    app = create_app(portal_config(tmp_path))
    canary = "canary-" + secrets.token_hex(6)

    @public
    def broken():
        raise RuntimeError(f"database password is {canary}")

    app.view_functions["feedback.form"] = broken
    agent = "agent-canary-" + secrets.token_hex(6)
    response = app.test_client().get("/feedback", headers={"User-Agent": agent})
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert GENERIC_500 in html
    assert canary not in html and "Traceback" not in html and "RuntimeError" not in html
    # the log keeps the traceback for the operator, and still nothing about the visitor
    assert "RuntimeError" in caplog.text
    # the visitor's user agent itself, whatever a log line would call it
    assert agent not in caplog.text
