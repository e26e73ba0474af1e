"""Anonymous needs surveys: staff build them, clients answer without being identified, and results
are shown with every small count hidden."""
from __future__ import annotations

from portal import areas
from portal.i18n import lazy_gettext as _l
from portal.surveys import dashboard, demo, migrations, views
from portal.surveys.models import MODELS

area = areas.Area(
    name="surveys",
    blueprint=views.bp,
    public_nav=areas.NavEntry(
        "surveys.index", _l("Surveys"),
        _l("Tell us what you need. Short surveys, every question optional, no names.")),
    staff_nav=areas.NavEntry("surveys.staff_list", _l("Surveys")),
    demo=demo.demo_surveys,
    dashboard=dashboard.cards,
    migrations=migrations.MIGRATIONS,
    models=MODELS,
    audit_actions={
        "surveys.create": _l("created survey"),
        "surveys.edit": _l("changed the settings of survey"),
        "surveys.open": _l("opened survey"),
        "surveys.closed": _l("closed survey"),
        "surveys.draft": _l("took back to draft survey"),
        "surveys.delete": _l("deleted draft survey"),
        "surveys.publish": _l("published the results of survey"),
        "surveys.unpublish": _l("took down the results of survey"),
        "surveys.question_add": _l("added a question to survey"),
        "surveys.question_edit": _l("changed a question of survey"),
        "surveys.question_move": _l("moved a question of survey"),
        "surveys.question_remove": _l("removed a question from survey"),
        "surveys.question_hide": _l("hid a question of survey"),
        "surveys.question_show": _l("showed again a question of survey"),
        "surveys.codes": _l("made one-use codes for survey"),
        "surveys.export": _l("downloaded the responses to survey"),
    },
    access={
        "GET /surveys": areas.PUBLIC,
        "GET /surveys/<slug>": areas.PUBLIC,
        "POST /surveys/<slug>": areas.PUBLIC,
        "GET /surveys/<slug>/results": areas.PUBLIC,
        "GET /staff/surveys": areas.STAFF,
        "GET /staff/surveys/new": areas.STAFF,
        "POST /staff/surveys/new": areas.STAFF,
        "GET /staff/surveys/<slug>": areas.STAFF,
        "POST /staff/surveys/<slug>/settings": areas.STAFF,
        "POST /staff/surveys/<slug>/state": areas.STAFF,
        "POST /staff/surveys/<slug>/publish": areas.STAFF,
        "POST /staff/surveys/<slug>/delete": areas.STAFF,
        "GET /staff/surveys/<slug>/questions/new": areas.STAFF,
        "POST /staff/surveys/<slug>/questions/new": areas.STAFF,
        "GET /staff/surveys/<slug>/questions/<id:number>": areas.STAFF,
        "POST /staff/surveys/<slug>/questions/<id:number>": areas.STAFF,
        "POST /staff/surveys/<slug>/questions/<id:number>/move": areas.STAFF,
        "POST /staff/surveys/<slug>/questions/<id:number>/remove": areas.STAFF,
        "POST /staff/surveys/<slug>/questions/<id:number>/visibility": areas.STAFF,
        "GET /staff/surveys/<slug>/questions/<id:number>/answers": areas.STAFF,
        "GET /staff/surveys/<slug>/results": areas.STAFF,
        "GET /staff/surveys/<slug>/crosstab": areas.STAFF,
        "POST /staff/surveys/<slug>/responses.csv": areas.STAFF,
        "GET /staff/surveys/<slug>/results.csv": areas.STAFF,
        "GET /staff/surveys/<slug>/codes": areas.STAFF,
        "POST /staff/surveys/<slug>/codes": areas.STAFF,
    },
)
