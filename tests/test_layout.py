"""The shared layout and cookies: quick exit, landmarks, neutral titles, session cookie flags."""
from __future__ import annotations

import re

from support.config import TEST_PASSWORD, portal_config

from portal import create_app


def test_every_public_page_has_quick_exit_skip_link_and_landmarks(client):
    for path in ["/", "/login", "/does-not-exist"]:
        html = client.get(path).get_data(as_text=True)
        assert html.index('class="quick-exit"') < html.index('<main')
        assert 'href="#main"' in html
        assert "<header" in html and "<nav" in html and "<footer" in html
        # the first thing a keyboard or a thumb reaches, and it tells the next site nothing
        first_link = re.search(r"<a\b[^>]*>", html[html.index("<body"):]).group()
        assert 'class="quick-exit"' in first_link, first_link
        assert 'rel="noreferrer"' in first_link, first_link


def test_neutral_title_hides_what_the_site_is(tmp_path):
    app = create_app(portal_config(tmp_path, NEUTRAL_TITLE="Notes"))
    html = app.test_client().get("/").get_data(as_text=True)
    assert "<title>Notes</title>" in html


def test_client_pages_never_name_the_organisation_in_the_title_by_default(client):
    for path, title in (("/", "Welcome"), ("/feedback", "Give feedback"),
                        ("/feedback/status", "Read our reply"), ("/surveys", "Surveys"),
                        ("/safety", "Staying safe online")):
        html = client.get(path).get_data(as_text=True)
        shown = html.split("<title>", 1)[1].split("</title>", 1)[0]
        assert "Community Services" not in shown, path
        assert shown.startswith(title), (path, shown)


def test_neutral_titles_can_be_turned_off(tmp_path):
    app = create_app(portal_config(tmp_path, NEUTRAL_TITLES=False))
    html = app.test_client().get("/feedback").get_data(as_text=True)
    assert "<title>Give feedback – Community Services</title>" in html


def test_session_cookie_is_host_prefixed_and_secure_over_https(tmp_path, make_user):
    app = create_app(portal_config(tmp_path, HTTPS=True))
    from portal.accounts.models import User
    from portal.clock import utc_now
    from portal.db import db
    from portal.security import hash_password

    with app.app_context(), db.connection_context():
        User.create(username="sam", role="staff", password_hash=hash_password(TEST_PASSWORD),
                    created_on=utc_now().date())
    client = app.test_client()
    response = client.post("/login", data={"username": "sam", "password": TEST_PASSWORD},
                           base_url="https://localhost")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    for flag in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert flag in cookie
    assert "Domain" not in cookie
    assert "Strict-Transport-Security" in response.headers


def test_plain_http_session_cookie_is_http_only_and_lax(client, make_user):
    user = make_user("staff")
    response = client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Expires" not in cookie, "the session cookie ends with the browser"


def test_language_follows_the_browser_when_not_chosen(client):
    html = client.get("/", headers={"Accept-Language": "es-MX,es;q=0.9"}).get_data(as_text=True)
    assert '<html lang="es">' in html


def test_pages_that_need_no_token_set_no_cookie(client):
    for path in ["/", "/healthz", "/does-not-exist"]:
        response = client.get(path)
        assert "Set-Cookie" not in response.headers, path
    # a form page does: its CSRF token lives in the session
    assert client.get("/feedback").headers["Set-Cookie"].startswith("session=")
