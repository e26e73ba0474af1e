"""Forms over HTTPS: they work from this site's own pages, and refuse posts from any other site.

Through the shipped gunicorn.conf.py serving TLS with a throwaway certificate, and behind a
TLS-terminating proxy that says `X-Forwarded-Proto: https`. Flask-WTF's own HTTPS check wanted a
Referer, which the portal's referrer policy kept browsers from sending: every form answered 400.
"""
from __future__ import annotations

import pytest
import requests
from support.servers import https_portal
from support.world import csrf_token

EXPIRED = "This form expired"


@pytest.fixture(scope="module", params=["gunicorn-tls", "behind-a-proxy"])
def portal(request, tmp_path_factory):
    """The portal over HTTPS, one way or the other."""
    with https_portal(tmp_path_factory.mktemp(request.param), request.param == "behind-a-proxy") as live:
        yield live


def post_feedback(portal, headers: dict) -> requests.Response:
    """Open the feedback form, then send it back with its token and the given headers."""
    browser = requests.Session()
    token = csrf_token(browser.get(portal.url + "/feedback", timeout=10, verify=False).text)
    return browser.post(portal.url + "/feedback", timeout=10, allow_redirects=False, headers=headers,
                        data={"message": "Sent over HTTPS.", "csrf_token": token}, verify=False)


def test_the_portal_answers_as_https(portal):
    answer = requests.get(portal.url + "/feedback", timeout=10, verify=False)
    assert answer.status_code == 200
    assert "Strict-Transport-Security" in answer.headers
    assert answer.headers["Referrer-Policy"] == "same-origin"
    assert "__Host-session=" in answer.headers["Set-Cookie"]
    assert "Secure" in answer.headers["Set-Cookie"]


@pytest.mark.parametrize("headers", [
    {"Origin": "{own}"},
    {"Origin": "null", "Sec-Fetch-Site": "same-origin"},
    {"Sec-Fetch-Site": "same-origin"},
    {"Referer": "{own}/feedback"},
], ids=["origin", "null-origin-and-fetch-site", "fetch-site", "referer"])
def test_a_form_from_this_site_is_accepted(portal, headers):
    headers = {name: value.format(own=portal.url) for name, value in headers.items()}
    answer = post_feedback(portal, headers)
    assert answer.status_code == 200, answer.text[:300]
    assert 'class="receipt"' in answer.text


@pytest.mark.parametrize("headers", [
    {"Origin": "https://evil.example"},
    {"Origin": "http://{host}"},
    {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
    {"Referer": "https://evil.example/feedback"},
    {},
], ids=["foreign-origin", "plain-http-origin", "null-origin-cross-site", "cross-site",
        "same-site", "foreign-referer", "no-signal"])
def test_a_form_posted_from_another_site_is_refused_even_with_a_valid_token(portal, headers):
    host = portal.url.split("://", 1)[1]
    headers = {name: value.format(host=host) for name, value in headers.items()}
    answer = post_feedback(portal, headers)
    assert answer.status_code == 400
    assert EXPIRED in answer.text


def test_a_missing_token_is_refused_even_from_this_site(portal):
    answer = requests.post(portal.url + "/feedback", data={"message": "No token."}, timeout=10,
                           verify=False, headers={"Origin": portal.url}, allow_redirects=False)
    assert answer.status_code == 400
