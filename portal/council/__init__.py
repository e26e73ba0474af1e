"""The advisory council: a roster built on self-description, proposals the members review, the
organisation's decisions published as "you said, we did", and participation logged for stipends."""
from __future__ import annotations

import click
from flask import Flask, g, url_for
from flask.cli import with_appcontext

from portal import areas
from portal.council import dashboard, demo, keyring, mail, migrations, views
from portal.council.models import MODELS
from portal.db import db
from portal.i18n import lazy_gettext as _l


@click.command("council-reminders")
@with_appcontext
def council_reminders() -> None:
    """Send the "closes in two days" note for proposals closing the day after tomorrow."""
    with db.connection_context():
        if not mail.is_configured():
            click.echo("PORTAL_SMTP_URL is not set: no messages sent.")
            return
        click.echo(f"{mail.remind_closing()} reminder messages sent.")


def _setup(app: Flask) -> None:
    """Members land on their own page; their keys follow their password."""
    keyring.connect()
    app.config.setdefault("ROLE_HOME", {})["council"] = "council.member_home"

    @app.context_processor
    def _council_link() -> dict:
        user = g.get("user")
        if user is not None and user.role == "council":
            return {"council_home_url": url_for("council.member_home")}
        return {}


area = areas.Area(
    name="council",
    blueprint=views.bp,
    public_nav=areas.NavEntry(
        "council.public_page", _l("Advisory council"),
        _l("The people with lived experience who advise us, and what we did with their advice.")),
    staff_nav=areas.NavEntry("council.staff_roster", _l("Advisory council")),
    commands=(council_reminders,),
    demo=demo.demo_council,
    dashboard=dashboard.cards,
    migrations=migrations.MIGRATIONS,
    models=MODELS,
    setup=_setup,
    audit_actions={
        "council.settings": _l("changed the council settings"),
        "council.member_add": _l("added to the council roster member"),
        "council.member_edit": _l("changed the name or term of council member"),
        "council.proposal_create": _l("wrote council proposal"),
        "council.proposal_edit": _l("changed council proposal"),
        "council.proposal_open": _l("opened to the council proposal"),
        "council.proposal_delete": _l("deleted draft council proposal"),
        "council.decision": _l("recorded the decision on council proposal"),
        "council.publish": _l("published the outcome of council proposal"),
        "council.unpublish": _l("took down the outcome of council proposal"),
        "council.meeting_create": _l("planned council meeting"),
        "council.meeting_edit": _l("changed council meeting"),
        "council.attendance": _l("recorded attendance at council meeting"),
        "council.participation": _l("logged council participation"),
        "council.participation_delete": _l("removed council participation entry"),
        "council.export": _l("downloaded the council stipends"),
    },
    access={
        "GET /council": areas.PUBLIC,
        "GET /council/home": areas.COUNCIL,
        "GET /council/members": areas.COUNCIL,
        "GET /council/profile": areas.COUNCIL,
        "POST /council/profile": areas.COUNCIL,
        "GET /council/proposals": areas.COUNCIL,
        "GET /council/proposals/<id:proposal_id>": areas.COUNCIL,
        "POST /council/proposals/<id:proposal_id>": areas.COUNCIL,
        "GET /council/meetings/<id:meeting_id>": areas.COUNCIL,
        "GET /staff/council": areas.STAFF,
        "POST /staff/council": areas.STAFF,
        "POST /staff/council/access": areas.STAFF,
        "GET /staff/council/members/<id:member_id>": areas.STAFF,
        "POST /staff/council/members/<id:member_id>": areas.STAFF,
        "GET /staff/council/diversity": areas.STAFF,
        "GET /staff/council/settings": areas.STAFF,
        "POST /staff/council/settings": areas.STAFF,
        "GET /staff/council/proposals": areas.STAFF,
        "GET /staff/council/proposals/new": areas.STAFF,
        "POST /staff/council/proposals/new": areas.STAFF,
        "GET /staff/council/proposals/<id:proposal_id>": areas.STAFF,
        "POST /staff/council/proposals/<id:proposal_id>": areas.STAFF,
        "POST /staff/council/proposals/<id:proposal_id>/open": areas.STAFF,
        "POST /staff/council/proposals/<id:proposal_id>/delete": areas.STAFF,
        "POST /staff/council/proposals/<id:proposal_id>/decision": areas.STAFF,
        "POST /staff/council/proposals/<id:proposal_id>/publish": areas.STAFF,
        "GET /staff/council/meetings": areas.STAFF,
        "POST /staff/council/meetings": areas.STAFF,
        "GET /staff/council/meetings/<id:meeting_id>": areas.STAFF,
        "POST /staff/council/meetings/<id:meeting_id>": areas.STAFF,
        "POST /staff/council/meetings/<id:meeting_id>/attendance": areas.STAFF,
        "GET /staff/council/participation": areas.STAFF,
        "POST /staff/council/participation": areas.STAFF,
        "POST /staff/council/participation/<id:entry_id>/delete": areas.STAFF,
        "GET /staff/council/participation.csv": areas.STAFF,
    },
)
