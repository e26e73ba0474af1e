"""The portal: anonymous feedback, needs surveys, an advisory council, consent-scoped stories
and funding transparency, for organisations serving survivors of trafficking."""
from __future__ import annotations

import weakref
from pathlib import Path

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import config as portal_config

ROOT = Path(__file__).resolve().parent.parent
csrf = CSRFProtect()


class Portal(Flask):
    """Flask, asking once per function whether a hook or view is a coroutine: Flask asks on every
    call, which cost more than some of the fourteen hooks every request runs. Weakly kept, so a
    function made for one request (after_this_request) is not kept after it."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._synchronous: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def ensure_sync(self, func):
        try:
            if self._synchronous.get(func):
                return func
        except TypeError:
            # something that cannot be weakly referenced: asked every time, as Flask does
            return super().ensure_sync(func)
        found = super().ensure_sync(func)
        # only the answer "it is synchronous" is kept: keeping the function itself as the value
        # would keep it alive
        if found is func:
            self._synchronous[func] = True
        return found


def create_app(config: dict | None = None) -> Flask:
    """Build the application; `config` overrides settings (tests use it)."""
    instance_path = (config or {}).get("INSTANCE_PATH") or portal_config.default_instance_path()
    app = Portal(
        __name__,
        instance_path=instance_path,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(portal_config.from_environment(instance_path))
    if config:
        app.config.update(config)
    # cookie settings follow HTTPS even when it was set by the caller
    app.config["SESSION_COOKIE_SECURE"] = bool(app.config["HTTPS"])
    app.config["SESSION_COOKIE_NAME"] = "__Host-session" if app.config["HTTPS"] else "session"
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(ROOT / "translations")
    if app.config["PROXY_COUNT"]:
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    from portal import (
        areas,
        cli,
        db,
        errors,
        i18n,
        kiosk,
        layout,
        logs,
        migrations,
        security,
        sessions,
        static_files,
        text,
        throttle,
    )

    # what a client wrote reaches staff with direction overrides shown, never obeyed
    app.jinja_env.filters["reveal_bidi"] = text.reveal_bidi_controls

    db.init_app(app)
    sessions.init_app(app)
    logs.init_app(app)
    csrf.init_app(app)
    i18n.init_app(app)
    throttle.init_app(app)
    registered = areas.load_areas()
    areas.register_areas(app, registered)
    security.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    layout.init_app(app)
    kiosk.init_app(app)
    static_files.init_app(app)

    # the first process to start brings the schema up to date under a lock; the others, and every
    # later start, find it current after one query and print nothing
    if app.config.get("AUTO_INIT_DB", True) and not migrations.is_current(registered):
        # steps may need the app's settings (the secret key encrypts second-factor secrets, a
        # step that seals existing rows reads the configuration)
        with app.app_context():
            migrations.migrate(registered)
        app.logger.info("database schema brought up to date")
    cli.announce_for_development_server(app)
    return app
