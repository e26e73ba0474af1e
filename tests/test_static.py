"""Static files under versioned addresses, kept by browsers for a year; a changed file gets a new
address, so a returning visitor makes one request per page and never sees a stale stylesheet."""
from __future__ import annotations

import os
import re
import shutil

from support.config import portal_config

from portal import create_app
from portal.static_files import IMMUTABLE, content_hash

ASSET = re.compile(r'(?:href|src)="(/static/[^"?]+)\?v=([0-9a-f]{12})"')


def test_pages_link_their_files_by_content_hash_and_those_are_immutable(client, app):
    html = client.get("/").get_data(as_text=True)
    assets = ASSET.findall(html)
    assert {path for path, _ in assets} == {"/static/css/portal.css", "/static/js/exit.js"}
    for path, version in assets:
        assert version == content_hash(app.static_folder / _relative(path))
        response = client.get(f"{path}?v={version}")
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == IMMUTABLE == "public, max-age=31536000, immutable"
        # a file is the same for everyone: no session read, no cookie, no Vary on one
        assert "Set-Cookie" not in response.headers and "Cookie" not in response.headers.get("Vary", "")
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_an_address_without_the_current_version_is_not_kept_for_a_year(client):
    for query in ("", "?v=000000000000", "?v="):
        response = client.get(f"/static/css/portal.css{query}")
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=86400", query
    assert client.get("/static/nothing.css?v=abc").headers["Cache-Control"] == "no-store"


def test_the_version_changes_when_the_file_changes(tmp_path):
    static = tmp_path / "static"
    shutil.copytree(create_app(portal_config(tmp_path / "a")).static_folder, static)
    app = create_app(portal_config(tmp_path / "b"))
    app.static_folder = str(static)
    app.jinja_env.auto_reload = True  # as in development: files are looked at again
    client = app.test_client()

    def version() -> str:
        return dict(ASSET.findall(client.get("/").get_data(as_text=True)))["/static/css/portal.css"]

    before = version()
    css = static / "css" / "portal.css"
    css.write_text(css.read_text() + "\n/* changed */\n")
    os.utime(css, ns=(css.stat().st_atime_ns, css.stat().st_mtime_ns + 10**9))
    after = version()
    assert before != after == content_hash(css)
    # and a server started after the change (no reloading) serves the new version too
    fresh = create_app(portal_config(tmp_path / "c"))
    fresh.static_folder = str(static)
    html = fresh.test_client().get("/").get_data(as_text=True)
    assert dict(ASSET.findall(html))["/static/css/portal.css"] == after


def _relative(path: str):
    from pathlib import Path

    return Path(path.removeprefix("/static/"))
