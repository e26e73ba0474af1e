"""What the frame of every page shows that does not depend on the request: worked out once per
language (the navigation's labels and addresses) instead of once per page."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, g, has_request_context, request, url_for

from portal import i18n, security, sitetexts


@dataclass(frozen=True)
class NavLink:
    """An area's entry in the navigation, in one language, with its address."""

    endpoint: str
    url: str
    label: str
    description: str


# the addresses every page's frame links to (base.html reads them as frame_urls.<name>)
FRAME_ENDPOINTS = {"home": "home.index", "safety": "home.safety", "kiosk_clear": "home.kiosk_clear",
                   "login": "accounts.login", "logout": "accounts.logout",
                   "account": "accounts.account", "staff_home": "accounts.staff_home"}


def _links(entries) -> list[NavLink]:
    return [NavLink(e.endpoint, url_for(e.endpoint), str(e.label), str(e.description)) for e in entries]


def navigation(app: Flask) -> dict:
    """The public and staff navigation in this request's language, built on first use."""
    cache = app.extensions.setdefault("portal_navigation", {})
    # the script root is part of every address: one app may be mounted under several prefixes
    key = (i18n.current_language(), request.script_root)
    found = cache.get(key)
    if found is None:
        found = cache[key] = {"public_nav": _links(app.config["PUBLIC_NAV"]),
                              "staff_nav": _links(app.config["STAFF_NAV"]),
                              # the frame's own addresses, built once instead of on every page
                              "frame_urls": {name: url_for(endpoint)
                                             for name, endpoint in FRAME_ENDPOINTS.items()}}
    return found


def init_app(app: Flask) -> None:
    """The values every template of the layout reads."""
    constant = {
        "neutral_title": app.config["NEUTRAL_TITLE"],
        "neutral_titles": app.config["NEUTRAL_TITLES"],
        "languages": i18n.LANGUAGES,
    }
    # texts the organisation sets (portal/sitetexts.py), in the reader's language
    app.jinja_env.globals["site_text"] = sitetexts.text
    app.jinja_env.globals["site_html"] = sitetexts.html

    @app.context_processor
    def _layout_values() -> dict:
        # pages are kept out of search engines unless their view says otherwise
        indexable = has_request_context() and security.is_indexable(request.endpoint)
        texts = {}
        if has_request_context():
            texts = {"site_name": sitetexts.text("organisation_name"),
                     "quick_exit_url": sitetexts.text("quick_exit_url")}
        return {"current_user": g.get("user"), "page_indexable": indexable, **constant,
                **texts, **navigation(app)}
