"""What the shipped server leaves behind about a visitor, attacked from outside as a deployer
runs it (gunicorn with gunicorn.conf.py, umask 022, the database in the instance folder):
file permissions, the error and access logs, cookies, redirects and record numbers."""
from __future__ import annotations

import datetime as dt
import os
import re
import runpy
import socket
import stat
from email.utils import parsedate_to_datetime

import pytest
import requests
from itsdangerous.encoding import base64_decode, bytes_to_int
from support.servers import ROOT, live_portal
from support.urls import browser_destination
from support.world import csrf_token

ADDRESS_IN_LOG = re.compile(r"127\.0\.0\.1|::1|ip=(?!\[address\])")
TIME_OF_DAY = re.compile(r"\d{1,2}:\d{2}:\d{2}|\d{4}-\d{2}-\d{2}")


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    """One server for the module, started with the umask most systems have."""
    previous = os.umask(0o022)
    try:
        with live_portal(tmp_path_factory.mktemp("server-privacy"), PORTAL_RATELIMIT_ENABLED="0") as live:
            yield live
    finally:
        os.umask(previous)


def send_form(session: requests.Session, portal, path: str, data: dict, page: str | None = None):
    """Open the page, then post its form with the token, as a browser on this site does."""
    token = csrf_token(session.get(portal.url + (page or path), timeout=10).text)
    return session.post(portal.url + path, data={**data, "csrf_token": token}, timeout=10,
                        headers={"Origin": portal.url}, allow_redirects=False)


def set_cookies(response: requests.Response) -> list[str]:
    """Every Set-Cookie header of an answer, each on its own."""
    return response.raw.headers.getlist("Set-Cookie")


# --- item 10: the instance folder and the database files --------------------------------------

def test_the_instance_folder_and_every_database_file_are_private(portal):
    session = requests.Session()
    assert send_form(session, portal, "/feedback", {"message": "Written to the database."}).status_code == 200
    instance = portal.server.env["PORTAL_INSTANCE_PATH"]
    assert stat.S_IMODE(os.stat(instance).st_mode) == 0o700
    database = os.path.join(instance, "portal.sqlite")
    files = [database, database + "-wal", database + "-shm", os.path.join(instance, "secret_key")]
    for path in files:
        if os.path.exists(path):
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path
    assert os.path.exists(database + "-wal")


# --- item 15: the logs ---------------------------------------------------------------------------

def test_the_error_log_holds_no_address_and_no_time(portal):
    with socket.create_connection(("127.0.0.1", portal.server.port), timeout=10) as raw:
        raw.sendall(b"THIS IS NOT HTTP\r\n\r\n")
        assert raw.recv(1024).startswith(b"HTTP/1.1 400")
    error_log = portal.server.log_dir / "error.log"
    text = error_log.read_text()
    assert "Invalid request from" in text
    for line in text.splitlines():
        assert not ADDRESS_IN_LOG.search(line), line
        assert not TIME_OF_DAY.search(line), line


@pytest.mark.parametrize("line", [
    "Invalid request from ip=203.0.113.9: Invalid HTTP request line",
    "Invalid request from ip=2001:db8::8a2e:370:7334: bad",
    "Invalid request from ip=::ffff:198.51.100.7: bad",
    "Invalid request from ip=fe80::1%eth0: bad",
    "Invalid request from ip=::1: bad",
    "Error handling request from 2001:0db8:0000:0000:0000:ff00:0042:8329 on 10.0.0.1",
])
def test_the_shipped_logger_blanks_out_ipv4_and_ipv6_addresses(line):
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    cleaned = settings["without_addresses"](line)
    assert "[address]" in cleaned
    for part in ("203.0", "2001", "db8", "198.51", "fe80", "::1", "10.0.0.1", "ffff"):
        assert part not in cleaned, cleaned


def test_the_access_log_tells_an_accepted_form_from_a_refused_one_by_status_only(portal):
    session = requests.Session()
    send_form(session, portal, "/feedback", {"message": "Accepted and kept."})
    send_form(session, portal, "/feedback", {"message": ""})
    lines = (portal.server.log_dir / "access.log").read_text().splitlines()
    posts = [line for line in lines if line.startswith("POST /feedback ")]
    assert len(posts) >= 2
    for line in lines:
        # method, path, status, duration: no size, no address, no time of day
        assert re.fullmatch(r"[A-Z]+ /\S* \d{3} \d+ms", line), line


# --- item 14: cookies ----------------------------------------------------------------------------

def test_no_cookie_of_a_visitor_carries_a_time_finer_than_the_day(portal):
    session = requests.Session()
    cookies = set_cookies(session.get(portal.url + "/feedback?lang=es", timeout=10))
    answer = send_form(session, portal, "/feedback", {"message": "Just visiting."})
    cookies += set_cookies(answer)
    names = {cookie.split("=", 1)[0] for cookie in cookies}
    assert names == {"session", "lang"}, cookies
    for cookie in cookies:
        name, rest = cookie.split("=", 1)
        value, _, attributes = rest.partition(";")
        assert "max-age" not in attributes.lower(), cookie
        expires = re.search(r"expires=([^;]+)", attributes, re.IGNORECASE)
        if expires:
            when = parsedate_to_datetime(expires.group(1))
            assert (when.hour, when.minute, when.second) == (0, 0, 0), cookie
        if name == "session":
            # Flask's signed cookie: payload.timestamp.signature; the time stamp is the day's start
            signed_at = bytes_to_int(base64_decode(value.rsplit(".", 2)[1]))
            assert signed_at % 86400 == 0, dt.datetime.fromtimestamp(signed_at, dt.UTC)


# --- item 12: the redirect after logging in ------------------------------------------------------

@pytest.mark.parametrize("target", ["/%09/evil.example", "/%0a/evil.example", "/%5C/evil.example",
                                    "/%20/evil.example", "https:evil.example"])
def test_logging_in_never_leads_to_another_site(portal, target):
    account = portal.make_account("staff")
    session = requests.Session()
    page = session.get(f"{portal.url}/login?next={target}", timeout=10).text
    token = csrf_token(page)
    next_value = re.search(r'name="next" type="hidden" value="([^"]*)"', page) or re.search(
        r'name="next" value="([^"]*)"', page)
    answer = session.post(portal.url + "/login", timeout=10, allow_redirects=False,
                          headers={"Origin": portal.url},
                          data={"username": account["username"], "password": account["password"],
                                "next": requests.utils.unquote(target), "csrf_token": token})
    assert next_value is not None
    assert answer.status_code == 302
    host = portal.url.split("://", 1)[1]
    assert browser_destination(portal.url + "/login", answer.headers["Location"]) == ("http", host)


# --- item 16: record numbers beyond what a database holds ----------------------------------------

def test_a_record_number_too_large_for_the_database_is_not_found(portal):
    account = portal.make_account("staff")
    session = requests.Session()
    answer = send_form(session, portal, "/login", {"username": account["username"],
                                                   "password": account["password"]})
    assert answer.status_code == 302
    for number in ("99999999999999999999999", str(2**63), "0"):
        assert session.get(f"{portal.url}/staff/feedback/{number}", timeout=10).status_code == 404
    assert "Traceback" not in portal.server.logs()
