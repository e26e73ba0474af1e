"""Static files under versioned addresses: `static_url("css/portal.css")` gives
`/static/css/portal.css?v=<hash of its content>`, which browsers may keep for a year without
asking again; a changed file gets a new address, so a returning visitor never sees a stale one."""
from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, current_app, request, url_for

YEAR = 365 * 24 * 3600
IMMUTABLE = f"public, max-age={YEAR}, immutable"
# an address without the current version (an old page, a typed link) is kept a day, as before
UNVERSIONED = "public, max-age=86400"


def content_hash(path: Path) -> str:
    """A short fingerprint of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def _versions(app: Flask) -> dict[str, tuple[int, str]]:
    return app.extensions.setdefault("static_versions", {})


def version_of(filename: str) -> str:
    """The fingerprint of a static file, worked out once per process (again when the file
    changes while templates reload, as in development)."""
    app = current_app._get_current_object()
    versions = _versions(app)
    known = versions.get(filename)
    if known is not None and not app.jinja_env.auto_reload:
        return known[1]
    path = Path(app.static_folder, filename)
    stamp = path.stat().st_mtime_ns
    if known is None or known[0] != stamp:
        known = versions[filename] = (stamp, content_hash(path))
    return known[1]


def static_url(filename: str) -> str:
    """The versioned address of a file in static/ (built once per process and mount point)."""
    app = current_app._get_current_object()
    urls = app.extensions.setdefault("static_urls", {})
    key = (filename, request.script_root)
    url = urls.get(key)
    if url is None or app.jinja_env.auto_reload:
        url = urls[key] = url_for("static", filename=filename, v=version_of(filename))
    return url


def cache_control() -> str:
    """Cache-Control of a static file: a year and immutable when the address holds its version."""
    wanted = request.args.get("v")
    filename = (request.view_args or {}).get("filename", "")
    try:
        current = version_of(filename) if wanted else None
    except OSError:
        current = None
    return IMMUTABLE if wanted and wanted == current else UNVERSIONED


def init_app(app: Flask) -> None:
    """Make static_url() available to templates."""
    app.jinja_env.globals["static_url"] = static_url
