"""After logging in, the `next` address is followed only when it is a path on this site.

Browsers drop tabs and line breaks from an address and read a backslash as a slash, so
"/\\t/evil.example" is "//evil.example" to them: another site. Fuzzed with slashes, backslashes,
control characters, percent-encodings and look-alike letters."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from support.config import TEST_PASSWORD, portal_config
from support.urls import browser_destination

from portal import create_app
from portal.db import close_pool
from portal.security import is_safe_next

# what may come between a leading slash and a host name
SEPARATORS = ["/", "//", "\\", "\t", "\n", "\r", " ", "\x00", "\x0b", "\x1f", "\x7f", "%09", "%0a",
              "%0D", "%20", "%2f", "%2F", "%5c", "%5C", "%252f", "%00", "\u3000", "\u00a0", "\u200b",
              "\u202e", "\u2028", "\uff0f", "\u2215", "\u2044", "\uff3c", "\ufe68", "%E2%80%AE"]
HOSTS = ["evil.example", "@evil.example", "evil.example:80", "", "a", "http:", "https:", "javascript:"]
TAILS = ["", "/", "/path", "?q=1", "#x", ":", "@", ".", "ß", "\ud7ff"]
TARGETS = st.one_of(
    st.builds(lambda start, middle, host, tail: start + "".join(middle) + host + tail,
              st.sampled_from(["/", "/", "/", "", "\\", " ", "\t"]),
              st.lists(st.one_of(st.sampled_from(["/", "\\", "\t", "\n"]), st.sampled_from(SEPARATORS)),
                       max_size=4),
              st.sampled_from(HOSTS), st.sampled_from(TAILS)),
    st.text(max_size=20),
    st.text(max_size=20).map(lambda text: "/" + text),
)


@pytest.mark.parametrize("target", ["/staff/feedback", "/staff/feedback?status=new", "/account#x",
                                    "/feedback/status", "/caf%C3%A9", "/a/b/../c"])
def test_local_paths_are_followed(target):
    assert is_safe_next(target)


@pytest.mark.parametrize("target", [
    None, "", "staff", "//evil.example", "/\t/evil.example", "/\n/evil.example", "/\\evil.example",
    "\\\\evil.example", "/%09/evil.example", "/%2F/evil.example", "/%5Cevil.example",
    "/%252F%252Fevil.example", "https://evil.example", "https:evil.example", "javascript:alert(1)",
    " /staff", "/staff ", "/st aff", "/\u3000/evil.example", "/\u200b/evil.example", "/\x00",
    "/" + "a" * 3000])
def test_anything_a_browser_could_read_as_another_site_is_refused(target):
    assert not is_safe_next(target)


@pytest.fixture(scope="module")
def login_app(tmp_path_factory):
    """One portal for every example: no rate limit, CSRF off, one account without a second factor."""
    from portal.accounts.models import User
    from portal.clock import utc_now
    from portal.db import db
    from portal.security import hash_password

    app = create_app(portal_config(tmp_path_factory.mktemp("next"), RATELIMIT_ENABLED=False))
    with app.app_context(), db.connection_context():
        User.create(username="walker", role="staff", password_hash=hash_password(TEST_PASSWORD),
                    created_on=utc_now().date())
    yield app
    close_pool()


@settings(max_examples=800, deadline=None)
@given(target=TARGETS)
def test_no_target_the_check_lets_through_leads_a_browser_elsewhere(target):
    if is_safe_next(target):
        assert browser_destination("http://localhost/login", target) == ("http", "localhost")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(target=TARGETS)
@example(target="/\t/evil.example")
def test_the_redirect_after_login_stays_on_the_site(login_app, target):
    client = login_app.test_client()
    response = client.post("/login", data={"username": "walker", "password": TEST_PASSWORD,
                                           "next": target})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert browser_destination("http://localhost/login", location) == ("http", "localhost"), location
    if not is_safe_next(target):
        assert location == "/staff/"
