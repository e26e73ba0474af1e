"""Funding transparency: funders and their restrictions, partnerships, services and who they are
for, published as dated statements that never change, with their history, JSON and an Atom feed."""
from __future__ import annotations

from portal import areas
from portal.i18n import lazy_gettext as _l
from portal.transparency import demo, migrations, staff_views
from portal.transparency.models import (
    FundingSource,
    Partnership,
    Restriction,
    Service,
    ServiceFunding,
    Statement,
)

area = areas.Area(
    name="transparency",
    # the public pages (views.py) and the staff's (staff_views.py) share one blueprint
    blueprint=staff_views.bp,
    public_nav=areas.NavEntry(
        "transparency.statement", _l("Our funding"),
        _l("Where our money comes from, what each funder requires, who we work with and who "
           "each service is for.")),
    staff_nav=areas.NavEntry("transparency.staff_overview", _l("Funding transparency")),
    demo=demo.demo_transparency,
    migrations=migrations.MIGRATIONS,
    models=(FundingSource, Restriction, Partnership, Service, ServiceFunding, Statement),
    audit_actions={
        "transparency.funding.create": _l("added funding source"),
        "transparency.funding.update": _l("changed funding source"),
        "transparency.funding.delete": _l("removed funding source"),
        "transparency.restriction.create": _l("added funding restriction"),
        "transparency.restriction.update": _l("changed funding restriction"),
        "transparency.restriction.delete": _l("removed funding restriction"),
        "transparency.partnership.create": _l("added partnership"),
        "transparency.partnership.update": _l("changed partnership"),
        "transparency.partnership.delete": _l("removed partnership"),
        "transparency.service.create": _l("added service"),
        "transparency.service.update": _l("changed service"),
        "transparency.service.delete": _l("removed service"),
        "transparency.statement.draft": _l("saved the draft of transparency statement"),
        "transparency.statement.publish": _l("published transparency statement"),
        "transparency.statement.discard": _l("discarded the draft of transparency statement"),
    },
    access={
        "GET /transparency": areas.PUBLIC,
        "GET /transparency/services": areas.PUBLIC,
        "GET /transparency/history": areas.PUBLIC,
        "GET /transparency/history/<id:version>": areas.PUBLIC,
        "GET /transparency.json": areas.PUBLIC,
        "GET /transparency/schema/statement-v1.json": areas.PUBLIC,
        "GET /transparency/funding.csv": areas.PUBLIC,
        "GET /transparency/feed.atom": areas.PUBLIC,
        "GET /staff/transparency": areas.STAFF,
        "GET /staff/transparency/statement": areas.STAFF,
        "POST /staff/transparency/statement": areas.STAFF,
        "GET /staff/transparency/statement/preview": areas.STAFF,
        "POST /staff/transparency/statement/publish": areas.STAFF,
        "POST /staff/transparency/statement/discard": areas.STAFF,
        "GET /staff/transparency/funding/new": areas.STAFF,
        "POST /staff/transparency/funding/new": areas.STAFF,
        "GET /staff/transparency/funding/<funding_id>": areas.STAFF,
        "POST /staff/transparency/funding/<funding_id>": areas.STAFF,
        "POST /staff/transparency/funding/<funding_id>/delete": areas.STAFF,
        "GET /staff/transparency/funding/<funding_id>/restrictions/new": areas.STAFF,
        "POST /staff/transparency/funding/<funding_id>/restrictions/new": areas.STAFF,
        "GET /staff/transparency/restrictions/<restriction_id>": areas.STAFF,
        "POST /staff/transparency/restrictions/<restriction_id>": areas.STAFF,
        "POST /staff/transparency/restrictions/<restriction_id>/delete": areas.STAFF,
        "GET /staff/transparency/partnerships/new": areas.STAFF,
        "POST /staff/transparency/partnerships/new": areas.STAFF,
        "GET /staff/transparency/partnerships/<partnership_id>": areas.STAFF,
        "POST /staff/transparency/partnerships/<partnership_id>": areas.STAFF,
        "POST /staff/transparency/partnerships/<partnership_id>/delete": areas.STAFF,
        "GET /staff/transparency/services/new": areas.STAFF,
        "POST /staff/transparency/services/new": areas.STAFF,
        "GET /staff/transparency/services/<service_id>": areas.STAFF,
        "POST /staff/transparency/services/<service_id>": areas.STAFF,
        "POST /staff/transparency/services/<service_id>/delete": areas.STAFF,
    },
)
