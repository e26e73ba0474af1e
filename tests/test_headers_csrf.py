"""Protective headers on every answer, CSRF on every state-changing route, no writes on GET."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import requests
from support.config import portal_config
from support.database import WriteCounter
from support.headers import constant_header_problems
from support.servers import Gunicorn, portal_environment
from support.world import ROLES, build_world, csrf_token, route_keys, rule_for

from portal import config as portal_settings
from portal import create_app
from portal.db import db
from portal.security import public

STATIC_FILES = ["/static/css/portal.css", "/static/js/exit.js", "/static/js/receipt.js"]
VERSION = re.compile(r"\d+\.\d+")
BANNERS = ("gunicorn", "werkzeug", "python", "flask", "nginx", "apache")
CSRF_MESSAGE = "This form expired"
# what a client's form says when it comes back filled in after its token expired
KEPT_MESSAGE = "This page was open for a long time, so it was not sent yet."


def header_problems(response, https: bool = False) -> list[str]:
    """What is missing or wrong in one answer's headers."""
    headers = response.headers
    # every CSP directive with exactly its sources, and each constant header exactly
    problems = constant_header_problems(headers)
    hsts = headers.get("Strict-Transport-Security")
    if https and not (hsts and int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 31536000):
        problems.append("no HSTS of at least a year over HTTPS")
    if not https and hsts:
        problems.append("HSTS sent without HTTPS")
    path = getattr(response.request, "path", None) or urlsplit(response.request.url).path
    is_static = path.startswith("/static/") and response.status_code < 400
    if not is_static and "no-store" not in headers.get("Cache-Control", ""):
        problems.append("Cache-Control lacks no-store")
    for name in ("Server", "X-Powered-By", "Via", "X-AspNet-Version"):
        value = headers.get(name, "")
        if value and (VERSION.search(value) or any(b in value.lower() for b in BANNERS)):
            problems.append(f"{name} reveals {value!r}")
    return problems


def walk_every_route(world, roles=ROLES):
    """Every route as every role: GETs first, then the rest, logging out last."""
    keys = sorted(route_keys(world.app), key=lambda k: (not k.startswith("GET"), "/logout" in k, k))
    for key in keys:
        method, rule = rule_for(world.app, key)
        url = world.url(rule)
        for role in roles:
            response = world.clients[role].open(url, method=method, data={}, buffered=True)
            yield key, role, response


def test_every_route_carries_the_protective_headers(app):
    world = build_world(app)
    for key, role, response in walk_every_route(world):
        assert not header_problems(response), f"{key} as {role}: {header_problems(response)}"


@pytest.mark.parametrize("path", STATIC_FILES)
def test_static_files_carry_the_protective_headers(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert not header_problems(response), header_problems(response)


def test_a_missing_static_file_is_a_404_with_the_protective_headers(client):
    response = client.get("/static/no-such-file.css")
    assert response.status_code == 404
    assert not header_problems(response), header_problems(response)
    assert "no-store" in response.headers["Cache-Control"]


def test_error_pages_carry_the_protective_headers(tmp_path):
    app = create_app(portal_config(tmp_path))
    app.view_functions["home.index"] = public(lambda: 1 / 0)
    client = app.test_client()
    for response in (client.get("/no-such-page"), client.get("/"), client.delete("/healthz"),
                     client.post("/feedback", data="x" * (app.config["MAX_CONTENT_LENGTH"] + 1),
                                 content_type="application/x-www-form-urlencoded")):
        assert response.status_code in (404, 405, 413, 500)
        assert not header_problems(response), (response.status_code, header_problems(response))


def test_https_adds_strict_transport_security_everywhere(tmp_path):
    app = create_app(portal_config(tmp_path, HTTPS=True))
    world = build_world(app, roles=("anonymous", "staff"))
    for key, role, response in walk_every_route(world, roles=("anonymous", "staff")):
        assert not header_problems(response, https=True), (key, role, header_problems(response, True))
    for path in STATIC_FILES + ["/no-such-page"]:
        response = app.test_client().get(path)
        assert not header_problems(response, https=True), (path, header_problems(response, True))


def test_portal_https_setting_turns_https_on(tmp_path, monkeypatch):
    assert portal_settings.from_environment(str(tmp_path), {"PORTAL_HTTPS": "1"})["HTTPS"] is True
    assert portal_settings.from_environment(str(tmp_path), {})["HTTPS"] is False
    monkeypatch.setenv("PORTAL_HTTPS", "1")
    config = portal_config(tmp_path)
    app = create_app(config)
    assert app.config["HTTPS"] and app.config["SESSION_COOKIE_SECURE"]
    assert not header_problems(app.test_client().get("/"), https=True)


def test_the_real_server_names_no_product_or_version(tmp_path):
    env = portal_environment(tmp_path / "instance", PORTAL_RATELIMIT_ENABLED="0")
    with Gunicorn(env, tmp_path / "logs", workers=1) as server:
        for path in ["/", "/feedback", "/login", "/no-such-page", "/healthz"] + STATIC_FILES:
            response = requests.get(server.url(path), timeout=10)
            assert not header_problems(response), (path, header_problems(response))
            assert response.headers.get("Server", "portal") == "portal"


# --- CSRF ------------------------------------------------------------------------------------

def state_changing_keys(app) -> list[str]:
    return [key for key in route_keys(app) if not key.startswith("GET ")]


@pytest.mark.parametrize("role", ROLES)
def test_every_state_changing_route_refuses_a_missing_or_wrong_token(csrf_app, role):
    world = build_world(csrf_app)
    stranger = build_world(csrf_app, roles=("anonymous",)).clients["anonymous"]
    foreign_token = csrf_token(stranger.get("/login").get_data(as_text=True))
    client = world.clients[role]
    real_token = csrf_token(client.get("/login").get_data(as_text=True))
    for key in state_changing_keys(csrf_app):
        method, rule = rule_for(csrf_app, key)
        url = world.url(rule)
        for token in (None, "", "not-a-token", foreign_token, real_token[:-2] + "xx"):
            data = {} if token is None else {"csrf_token": token}
            with WriteCounter(db.obj) as writes:
                response = client.open(url, method=method, data=data, buffered=True)
            assert response.status_code == 400, f"{key} as {role} with token {token!r}"
            body = response.get_data(as_text=True)
            assert CSRF_MESSAGE in body or KEPT_MESSAGE in body, f"{key} as {role}"
            assert not writes.statements, f"{key} wrote without a valid token: {writes.statements}"


def test_a_valid_token_is_accepted_on_every_state_changing_route(csrf_app):
    """The other half: with the page's own token, no route answers with the CSRF error."""
    world = build_world(csrf_app, roles=("anonymous", "admin"))
    for key in state_changing_keys(csrf_app):
        method, rule = rule_for(csrf_app, key)
        url = world.url(rule)
        for role in ("anonymous", "admin"):
            client = world.clients[role]
            token = csrf_token(client.get("/login").get_data(as_text=True))
            response = client.open(url, method=method, data={"csrf_token": token}, buffered=True)
            assert response.status_code < 500, f"{key} as {role}: {response.status_code}"
            assert CSRF_MESSAGE not in response.get_data(as_text=True), f"{key} as {role}"
            if "/logout" in key:
                world = build_world(csrf_app, roles=("anonymous", "admin"))


@pytest.mark.parametrize("headers", [{"Origin": "https://evil.example"},
                                     {"Sec-Fetch-Site": "cross-site"},
                                     {"Referer": "https://evil.example/page"}])
def test_a_post_from_another_site_is_refused_with_a_valid_token(csrf_app, headers):
    client = csrf_app.test_client()
    token = csrf_token(client.get("/feedback").get_data(as_text=True))
    with WriteCounter(db.obj) as writes:
        response = client.post("/feedback", data={"message": "Hi.", "csrf_token": token}, headers=headers)
    assert response.status_code == 400
    assert CSRF_MESSAGE in response.get_data(as_text=True)
    assert not writes.statements
    same_site = client.post("/feedback", data={"message": "Hi.", "csrf_token": token},
                            headers={"Origin": "http://localhost"})
    assert same_site.status_code == 200


# --- GET never writes ------------------------------------------------------------------------

# downloading every thread is recorded in the audit trail: the one write a GET may make
AUDITED_DOWNLOADS = {"GET /staff/feedback/export.csv", "GET /staff/council/participation.csv"}


def unexpected_writes(key: str, statements: list[str]) -> list[str]:
    """The writes a GET made, less the audit row of an audited download."""
    if key in AUDITED_DOWNLOADS:
        return [sql for sql in statements if not sql.lstrip().upper().startswith('INSERT INTO "AUDIT_ENTRY"')]
    return statements

def test_the_write_counter_sees_writes(app):
    """The control for the test below: a form that stores something is counted."""
    with WriteCounter(db.obj) as writes:
        app.test_client().post("/feedback", data={"message": "Counted.", "topic": ""})
    assert any(sql.lstrip().upper().startswith("INSERT") for sql in writes.statements)


@pytest.mark.parametrize("role", ROLES)
def test_no_get_route_writes_to_the_database(app, role):
    world = build_world(app)
    for key in route_keys(app):
        if not key.startswith("GET "):
            continue
        _, rule = rule_for(app, key)
        url = world.url(rule)
        # the staff list pages by cursor (the day and id of the last row shown), never by number
        for query in ("", "?lang=es", "?status=new&topic=service&cursor=2024-01-31.123456789"):
            with WriteCounter(db.obj) as writes:
                response = world.clients[role].get(url + ("&" if "?" in url else "?") + query[1:]
                                                   if query else url, buffered=True)
            assert response.status_code < 500, f"{key} as {role}"
            wrote = unexpected_writes(key, writes.statements)
            assert not wrote, f"GET {url}{query} as {role} wrote: {wrote}"
