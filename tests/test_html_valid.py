"""Every page's HTML is valid (W3C Nu HTML Checker, errors only): each GET page for each role,
each form sent empty (its error state) and sent as it should be, the error pages, in English and
Spanish, all checked in one run of the validator.

The checker is `vnu.jar` from npm (`npm ci --prefix tools`, as .ci/run does) run with Debian's
Java; PORTAL_VNU_JAR names another copy. Without Java or the jar the test is skipped, unless
PORTAL_REQUIRE_BROWSER=1 (as in CI) makes that a failure.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from support.config import portal_config
from support.pages import skipped_heading_levels
from support.rows import gather_list
from support.world import build_world, route_keys, rule_for

from portal import create_app
from portal.db import close_pool

pytestmark = pytest.mark.html
ROOT = Path(__file__).resolve().parent.parent
VNU_JAR = Path(os.environ.get("PORTAL_VNU_JAR") or ROOT / "tools/node_modules/vnu-jar/build/dist/vnu.jar")
ROLES = ("anonymous", "council", "staff", "admin")


def _checker() -> list[str]:
    java = shutil.which("java")
    if java and VNU_JAR.exists():
        return [java, "-Xss4m", "-jar", str(VNU_JAR)]
    message = f"the HTML checker needs java and {VNU_JAR} (npm ci --prefix tools)"
    if os.environ.get("PORTAL_REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


def _pages(tmp_path) -> dict[str, str]:
    """HTML of every page state the test client can reach: {label: html}."""
    app = create_app(portal_config(tmp_path, RATELIMIT_ENABLED=False))
    world = build_world(app, roles=ROLES)
    pages: dict[str, str] = {}

    def keep(label: str, response) -> None:
        if response.mimetype == "text/html":
            pages[label] = response.get_data(as_text=True)

    for key in route_keys(app):
        method, rule = rule_for(app, key)
        if method != "GET":
            continue
        url = world.url(rule)
        for role in ROLES:
            for lang in ("en", "es"):
                joiner = "&" if "?" in url else "?"
                keep(f"{role} GET {url} ({lang})", world.clients[role].get(f"{url}{joiner}lang={lang}"))
    for form in gather_list("FORMS"):
        client = world.clients[form.role]
        form.prepare(world)
        path = form.path(world)
        keep(f"{form.role} POST {path} (empty)", client.post(path, data={}))
        form.prepare(world)
        keep(f"{form.role} POST {form.path(world)} (sent)",
             client.post(form.path(world), data=form.valid(world), follow_redirects=True))
    keep("anonymous GET /does-not-exist", world.clients["anonymous"].get("/does-not-exist"))
    close_pool()
    return pages


def test_the_heading_check_finds_a_skipped_level():
    assert skipped_heading_levels("<h1>a</h1><h2>b</h2><h3 id=x>c</h3><h2>d</h2>") == []
    assert skipped_heading_levels("<h1>a</h1><h3>b</h3>") == ["h1 then h3"]


def test_every_page_is_valid_html(tmp_path):
    checker = _checker()
    pages = _pages(tmp_path)
    assert len(pages) > 20, sorted(pages)
    folder = tmp_path / "pages"
    folder.mkdir()
    names = {}
    for number, (label, html) in enumerate(sorted(pages.items())):
        path = folder / f"page-{number:03d}.html"
        path.write_text(html, encoding="utf-8")
        names[path.name] = label
    done = subprocess.run([*checker, "--errors-only", "--format", "json", str(folder)],
                          capture_output=True, text=True, timeout=600)
    report = json.loads(done.stderr or done.stdout or '{"messages": []}')
    problems = [f"{names.get(Path(m.get('url', '')).name, m.get('url'))}: line {m.get('lastLine')}:"
                f" {m.get('message')} [{m.get('extract', '').strip()[:80]}]"
                for m in report["messages"] if m.get("type") in ("error", "non-document-error")]
    problems += [f"{label}: {skip}" for label, html in sorted(pages.items())
                 for skip in skipped_heading_levels(html)]
    assert not problems, f"{len(problems)} HTML errors:\n" + "\n".join(problems[:40])
