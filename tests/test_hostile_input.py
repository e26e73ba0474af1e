"""Hostile text through every form: never a 5xx, stored exactly or refused with a message,
never shown unescaped. A new form is one row in the FORMS of its area's tests/<area>/rows.py."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from support.config import portal_config
from support.database import all_rows, as_text, cells_containing, cells_equal_to
from support.hostile import CHOICE, SECRET, TEXT, VALUE, Field
from support.pages import shows_unescaped, unsafe_markup
from support.rows import gather_list
from support.world import build_world

from portal import create_app
from portal.db import db
from portal.text import ALLOWED_TAGS, plain_text, render_markdown

EXAMPLES = 15
NAUGHTY = [
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "'><svg/onload=alert(1)>",
    "javascript:alert(1)",
    "[click](javascript:alert(1))",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<iframe src=//evil.example></iframe>",
    "';--", "1' OR '1'='1", "'; DROP TABLE feedback_message; --", "\" OR \"\"=\"",
    "{{ 7*7 }}", "{% raw %}", "${7*7}", "<%= 7*7 %>", "%s%s%s%n", "%00", "../../../etc/passwd",
    "\x00", "a\x00b", "\x1b[31mred", "\x7f", "\x08\x0b\x0c",
    "\u202eevil\u202c", "\u200f\u200e\u200b\u2060\ufeff", "\u2028\u2029",
    "😀👩\u200d👩\u200d👧\u200d👦🏳️\u200d🌈", "𝕿𝖍𝖊 𝖖𝖚𝖎𝖈𝖐", "Z̷̢͉̦a̸̯͖l̴̼͎g̵̱̟o̵̡̜",
    "\r\n\r\n", "\r", "  leading and trailing  ", "", " ", "\t",
    "null", "None", "undefined", "NaN", "-1", "0", "1e308", "0x41", "١٢٣٤٥٦", "１２３４５６",
    "&lt;script&gt;", "&#60;script&#62;", "<!--", "]]>", "</textarea><script>alert(1)</script>",
    "\\", "\\\\x00", "' onmouseover='alert(1)", "<style>*{display:none}</style>",
]

LONG = ["x" * 5000, "x" * 5001, "😀" * 5000, "\u202e" * 5001, "<" * 20000, "a\nb" * 3000]


def naughty_text() -> st.SearchStrategy[str]:
    """Text a hostile or unlucky visitor might send."""
    fixed = st.sampled_from(NAUGHTY)
    long_line = st.builds(lambda ch, n: ch * n, st.sampled_from(["a", "é", "😀", "\u202e", "<", "\x00"]),
                          st.integers(min_value=4990, max_value=5010) | st.integers(10, 300))
    return st.one_of(
        fixed,
        st.text(max_size=200),
        st.builds(lambda a, b, c: a + b + c, st.text(max_size=20), fixed, st.text(max_size=20)),
        long_line,
    )


# every form of every area (tests/<area>/rows.py)
FORMS = gather_list("FORMS")
CASES = [(form, name) for form in FORMS for name in form.fields]


def refused(html: str) -> bool:
    """The page tells the person something was wrong."""
    return any(marker in html for marker in ('class="error', "error-summary", "flash-error"))


@pytest.fixture
def hostile_app(tmp_path):
    """The portal with rate limits off, so hundreds of tries in a row are allowed (and no fsync)."""
    application = create_app(portal_config(tmp_path, RATELIMIT_ENABLED=False, SYNCHRONOUS="OFF"))
    yield application
    if not db.is_closed():
        db.close()


@pytest.mark.parametrize(("form", "name"), CASES, ids=[f"{f.name}.{n}" for f, n in CASES])
def test_hostile_text_is_kept_exactly_or_refused_and_never_breaks_a_page(hostile_app, form, name):
    world = build_world(hostile_app)
    spec = form.fields[name]
    client = world.clients[form.role]
    baseline = client.get(form.path(world).split("?")[0]).get_data(as_text=True)

    def check(value: str) -> None:
        form.prepare(world)
        data = form.valid(world)
        data[name] = value
        if spec.mirror:
            data[spec.mirror] = value
        before = world.query(lambda: _stored(spec))
        response = client.post(form.path(world), data=data, follow_redirects=True)
        html = response.get_data(as_text=True)
        assert response.status_code < 500, f"{form.name}.{name}={value!r}: {response.status_code}"
        assert not unsafe_markup(html), (value, unsafe_markup(html))
        assert not shows_unescaped(html, value, baseline), value
        after = world.query(lambda: _stored(spec))
        if spec.kind == TEXT:
            _stored_exactly_or_refused(spec, value, html, before, after, redirected=bool(response.history))
        elif spec.kind == VALUE:
            _parsed_value_stored_or_refused(spec, value, html, after)
        elif spec.kind == CHOICE and value not in spec.choices:
            assert refused(html), f"{form.name}.{name}: {value!r} was not refused with a message"
        elif spec.kind == SECRET and len(value.strip()) >= 12:
            leaked = [c for c in cells_containing(after, value) if c not in cells_containing(before, value)]
            assert not leaked, f"{form.name}.{name}: typed value stored in {leaked}"
        if refused(html):
            return  # nothing new to show elsewhere
        for role, path in form.shows(world):
            page = world.clients[role].get(path).get_data(as_text=True)
            assert not unsafe_markup(page), (path, value, unsafe_markup(page))
            assert not shows_unescaped(page, value), (path, value)

    # every listed troublemaker, then whatever Hypothesis comes up with
    for value in NAUGHTY + LONG:
        check(value)
    settings(max_examples=EXAMPLES, deadline=None, database=None,
             suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])(
        given(value=naughty_text())(check))()


def _stored(spec: Field) -> dict[str, list[tuple]]:
    """Every stored row; for a sealed field also what its column says once opened."""
    rows = all_rows(db)
    if spec.sealed is not None:
        rows["opened with the organisation key"] = [(text,) for text in spec.sealed()]
    return rows


def _stored_exactly_or_refused(spec: Field, value: str, html: str, before, after,
                               redirected: bool) -> None:
    """An accepted value is stored as typed; a refused one is not stored, and the page says why."""
    try:
        expected = spec.stored_as(value)
    except Exception:  # noqa: BLE001 - a value the rules refuse has no stored form
        expected = None
    if spec.sealed is not None and expected and len(expected) >= 12:
        # what the person typed never reaches a stored row as typed, accepted or not
        raw_before = {t: r for t, r in before.items() if t != "opened with the organisation key"}
        raw_after = {t: r for t, r in after.items() if t != "opened with the organisation key"}
        assert len(cells_containing(raw_after, expected)) == len(cells_containing(raw_before, expected)), \
            f"{value!r} stored unsealed"
    if refused(html):
        if expected:
            assert cells_equal_to(after, expected) == cells_equal_to(before, expected), \
                f"{value!r} was refused but stored"
        # a form shown again keeps the person's words (a flashed message after a redirect cannot)
        if not redirected and value.strip() and len(value) <= 5000 and "\x00" not in value:
            assert str(escape(plain_text(value))) in html or str(escape(value)) in html \
                or str(escape(expected or "")) in html, f"refused input {value!r} not kept in the form"
        return
    assert expected is not None, f"{value!r} accepted although its rules refuse it"
    assert cells_equal_to(after, expected) >= 1, f"{value!r} accepted but stored differently"


def _parsed_value_stored_or_refused(spec: Field, value: str, html: str, after) -> None:
    """A number or date field: what its rules refuse is refused; what they accept is kept."""
    try:
        expected = spec.stored_as(value)
    except Exception:  # noqa: BLE001 - a value the rules refuse has no stored form
        assert refused(html), f"{value!r} accepted although its rules refuse it"
        return
    if refused(html) or expected is None:
        return
    kept = [cell for rows in after.values() for row in rows for cell in row
            if cell is not None and not isinstance(cell, bool)
            and (cell == expected or as_text(cell) == str(expected))]
    assert kept, f"{value!r} accepted but not stored as {expected!r}"


# --- Markdown --------------------------------------------------------------------------------

MARKDOWN_ATTACKS = [
    "[x](javascript:alert(1))", "[x](JaVaScRiPt:alert(1))", "[x](java\tscript:alert(1))",
    "[x](&#106;avascript:alert(1))", "![x](javascript:alert(1))", "<javascript:alert(1)>",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", "[x]( vbscript:msgbox(1))",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<a href=x onclick=alert(1)>x</a>",
    "<svg><script>alert(1)</script></svg>", "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "```\n<script>alert(1)</script>\n```", "`<img src=x onerror=alert(1)>`",
    "[a]: javascript:alert(1)\n\n[x][a]", "<<script>script>alert(1)<</script>/script>",
    "<iframe src=\"https://evil.example\"></iframe>", "<form action=https://evil.example><button>x",
    "www.example.com/<script>", "http://example.com/\"onmouseover=\"alert(1)",
]


@settings(max_examples=300, deadline=None, database=None)
@given(source=st.one_of(st.sampled_from(MARKDOWN_ATTACKS), naughty_text(),
                        st.lists(st.sampled_from(MARKDOWN_ATTACKS + ["\n", " ", "*", "[", "]", "(", ")"]),
                                 max_size=8).map("".join)))
def test_markdown_keeps_no_script_event_handler_or_script_link(source):
    html = str(render_markdown(source))
    assert not unsafe_markup(html), (source, html, unsafe_markup(html))
    tags = _Tags()
    tags.feed(html)
    assert tags.names <= set(ALLOWED_TAGS), (source, html)
    assert tags.attributes <= {"href", "title", "rel"}, (source, html)


def test_markdown_links_tell_the_other_site_nothing():
    """Every link in text staff write, written as a link or as a bare address, opens without a
    Referer: a client who follows it does not tell the other site where they came from."""
    html = str(render_markdown("[Legal aid](https://example.org/help) or https://example.net/more"))
    links = re.findall(r"<a\b[^>]*>", html)
    assert len(links) == 2, html
    for link in links:
        rel = re.search(r'rel="([^"]*)"', link)
        assert rel and "noreferrer" in rel.group(1).split(), link


class _Tags(HTMLParser):
    """The element and attribute names in a piece of HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()
        self.attributes: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.names.add(tag)
        self.attributes.update(name for name, _ in attrs)


# --- bodies over the limit -------------------------------------------------------------------

def _post_routes(app) -> list[str]:
    from support.world import route_keys

    return [key.split(" ", 1)[1] for key in route_keys(app) if key.startswith("POST ")]


@pytest.mark.parametrize("csrf", [False, True], ids=["csrf-off", "csrf-on"])
def test_a_body_over_the_limit_gets_413_on_every_form(tmp_path, csrf):
    app = create_app(portal_config(tmp_path, RATELIMIT_ENABLED=False, WTF_CSRF_ENABLED=csrf))
    assert app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024
    world = build_world(app, roles=("anonymous", "admin"))
    from support.world import rule_for

    body = "message=" + "a" * app.config["MAX_CONTENT_LENGTH"]
    for path in _post_routes(app):
        _, rule = rule_for(app, "POST " + path)
        url = world.url(rule)
        for role in ("anonymous", "admin"):
            response = world.clients[role].post(url, data=body,
                                                content_type="application/x-www-form-urlencoded")
            if response.status_code in (302, 303, 403):
                # a route that refuses or redirects before reading any form does the same when empty
                empty = world.clients[role].post(url, data={})
                assert empty.status_code == response.status_code, f"{url} as {role}"
                continue
            assert response.status_code == 413, f"{url} as {role}: {response.status_code}"
            assert "larger than we accept" in response.get_data(as_text=True)


def test_the_limit_follows_portal_max_content_length(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_MAX_CONTENT_LENGTH", "4096")
    app = create_app(portal_config(tmp_path, RATELIMIT_ENABLED=False))
    client = app.test_client()
    over = client.post("/feedback", data={"message": "a" * 5000, "topic": ""})
    assert over.status_code == 413
    under = client.post("/feedback", data={"message": "a" * 3000, "topic": ""})
    assert under.status_code == 200 and 'class="receipt"' in under.get_data(as_text=True)


def test_a_username_with_control_characters_is_refused_before_the_database(hostile_app):
    world = build_world(hostile_app, roles=("anonymous",))
    response = world.clients["anonymous"].post("/login", data={"username": "a\x00b", "password": "x"})
    assert response.status_code == 200 and refused(response.get_data(as_text=True))
