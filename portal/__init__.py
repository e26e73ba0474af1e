"""The portal: anonymous feedback, needs surveys, an advisory council, consent-scoped stories
and funding transparency, for organisations serving survivors of trafficking."""
from __future__ import annotations

import sys
from pathlib import Path

from flask import Flask, g
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import config as portal_config
from portal.i18n import lazy_gettext as _l

ROOT = Path(__file__).resolve().parent.parent
csrf = CSRFProtect()


def create_app(config: dict | None = None) -> Flask:
    """Build the application; `config` overrides settings (tests use it)."""
    instance_path = (config or {}).get("INSTANCE_PATH") or portal_config.default_instance_path()
    app = Flask(
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

    from portal import cli, db, errors, i18n, logs, security, throttle

    db.init_app(app)
    logs.init_app(app)
    csrf.init_app(app)
    i18n.init_app(app)
    throttle.init_app(app)
    _register_areas(app)
    security.init_app(app)
    errors.init_app(app)
    cli.init_app(app)

    @app.context_processor
    def _layout_values() -> dict:
        return {
            "current_user": g.get("user"),
            "site_name": app.config["SITE_NAME"],
            "neutral_title": app.config["NEUTRAL_TITLE"],
            "quick_exit_url": app.config["QUICK_EXIT_URL"],
            "languages": i18n.LANGUAGES,
            "public_areas": lambda: app.config["PUBLIC_AREAS"],
            "public_nav": lambda: [(end, label) for end, label, _ in app.config["PUBLIC_AREAS"]],
            "staff_nav": lambda: app.config["STAFF_AREAS"],
        }

    if app.config.get("AUTO_INIT_DB", True):
        with app.app_context():
            db.migrate()
            from portal.accounts.service import announce_setup_link_if_needed

            # the setup link goes to the console only, never to a log handler
            announce_setup_link_if_needed(lambda line: print(line, file=sys.stderr, flush=True))
    return app


def _register_areas(app: Flask) -> None:
    """Attach each area's blueprint and the session check that runs before its views."""
    from portal.accounts import views as accounts_views
    from portal.accounts.models import User
    from portal.feedback import cli as feedback_cli
    from portal.feedback import views as feedback_views
    from portal.home import views as home_views
    from portal.security import load_session_user

    @app.before_request
    def _load_user() -> None:
        load_session_user(lambda uid: User.get_or_none(User.id == uid))

    # each area adds its public entry (endpoint, label, description) and its staff page
    app.config["PUBLIC_AREAS"] = []
    app.config["STAFF_AREAS"] = []
    app.register_blueprint(home_views.bp)
    app.register_blueprint(accounts_views.bp)
    app.before_request(accounts_views.require_admin_second_factor)

    app.register_blueprint(feedback_views.bp)
    app.config["PUBLIC_AREAS"].append(
        ("feedback.form", _l("Give feedback"),
         _l("Tell us what works and what does not, without giving your name, and read our reply.")))
    app.config["STAFF_AREAS"].append(("feedback.staff_list", _l("Feedback")))
    app.cli.add_command(feedback_cli.purge_command)
