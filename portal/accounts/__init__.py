"""Accounts: logging in, second factors, invitations, the admin's user list and the audit trail."""
from __future__ import annotations

from flask import Flask

from portal import areas
from portal.accounts import cli, demo, key_commands, migrations, service, views
from portal.accounts.audit import AuditEntry
from portal.accounts.keys import MODELS as KEY_MODELS
from portal.accounts.models import OneTimeLink, RecoveryCode, User
from portal.db import lookup_by
from portal.i18n import lazy_gettext as _l
from portal.security import load_session_user

user_by_id = lookup_by(User, User.id)


def _setup(app: Flask) -> None:
    """Who is logged in, before every view; admins without a second factor may only set one up."""

    @app.before_request
    def _load_user() -> None:
        load_session_user(user_by_id)

    app.before_request(views.require_admin_second_factor)


area = areas.Area(
    name="accounts",
    blueprint=views.bp,
    commands=(cli.create_user_command, key_commands.rotate_keys_command,
              key_commands.recover_keys_command),
    demo=demo.demo_accounts,
    purge=service.purge_spent_links,
    migrations=migrations.MIGRATIONS,
    models=(User, OneTimeLink, RecoveryCode, AuditEntry, *KEY_MODELS),
    setup=_setup,
    first_run=service.announce_setup_link_if_needed,
    audit_actions={
        "link.setup": _l("issued a setup link"),
        "link.invite": _l("issued an invitation"),
        "link.reset": _l("issued a password reset link for"),
        "link.revoked": _l("revoked an unused link"),
        "link.used.setup": _l("set up the first account"),
        "link.used.invite": _l("accepted an invitation"),
        "link.used.reset": _l("reset their password"),
        "password.changed": _l("changed their password"),
        "user.activated": _l("reactivated"),
        "user.deactivated": _l("deactivated"),
        "user.complaints_named": _l("named to read complaints"),
        "user.complaints_unnamed": _l("no longer named to read complaints"),
        "2fa.enabled": _l("turned on the second factor"),
        "2fa.disabled": _l("turned off the second factor"),
        "2fa.recovery_code_used": _l("used a recovery code"),
        "key.claimed": _l("took charge of the organisation key and was shown its recovery key"),
        "key.granted": _l("gave access to sealed records to"),
        "key.recovered": _l("restored access to sealed records with the recovery key for"),
        "key.rotated": _l("replaced the organisation key; new generation:"),
        "accounts.audit_export": _l("downloaded the audit trail"),
    },
    access={
        "GET /staff/audit": areas.ADMIN,
        "GET /staff/audit.csv": areas.ADMIN,
        "GET /login": areas.PUBLIC,
        "POST /login": areas.PUBLIC,
        "GET /login/verify": areas.PENDING_LOGIN,
        "POST /login/verify": areas.PENDING_LOGIN,
        "GET /logout": areas.PUBLIC,
        "POST /logout": areas.PUBLIC,
        "GET /account/setup": areas.PUBLIC,
        "POST /account/setup": areas.PUBLIC,
        "GET /account": areas.ACCOUNT,
        "POST /account": areas.ACCOUNT,
        "GET /account/two-factor": areas.ACCOUNT,
        "POST /account/two-factor": areas.ACCOUNT,
        "GET /staff/": areas.STAFF,
        "GET /staff/users": areas.ADMIN,
        "POST /staff/users": areas.ADMIN,
        "POST /staff/users/<id:user_id>/<any(deactivate, activate, reset):action>": areas.ADMIN,
        "POST /staff/users/<id:user_id>/complaints": areas.ADMIN,
        "POST /staff/users/links/<id:link_id>/revoke": areas.ADMIN,
        "POST /staff/users/<id:user_id>/grant": areas.ADMIN,
    },
)
