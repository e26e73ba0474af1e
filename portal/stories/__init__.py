"""Consent-scoped stories: every use goes through one gate that checks the storyteller's consent,
and a withdrawal code that reaches every channel at once."""
from __future__ import annotations

from portal import areas
from portal.i18n import lazy_gettext as _l
from portal.stories import dashboard, demo, migrations, service, views
from portal.stories.models import MODELS

area = areas.Area(
    name="stories",
    blueprint=views.bp,
    staff_nav=areas.NavEntry("stories.staff_list", _l("Stories")),
    demo=demo.demo_stories,
    dashboard=dashboard.cards,
    purge=service.purge_report,
    migrations=migrations.MIGRATIONS,
    models=MODELS,
    audit_actions={
        "stories.create": _l("recorded story with consent"),
        "stories.read": _l("read the full text of story"),
        "stories.edit": _l("edited story"),
        "stories.use": _l("used story in a channel"),
        "stories.withdraw_staff": _l("recorded a withdrawal of consent for story"),
        "stories.renew": _l("recorded a renewal of consent for story"),
        "stories.takedown_done": _l("completed takedown task"),
        "stories.export_uses": _l("downloaded the use log of story"),
        "stories.purge": _l("erased the words of withdrawn or expired stories, in number:"),
    },
    access={
        "GET /stories/withdraw": areas.PUBLIC,
        "POST /stories/withdraw": areas.PUBLIC,
        "GET /staff/stories": areas.STAFF,
        "GET /staff/stories/new": areas.STAFF,
        "POST /staff/stories/new": areas.STAFF,
        "GET /staff/stories/<id:story_id>": areas.STAFF,
        "GET /staff/stories/<id:story_id>/text": areas.STAFF,
        "GET /staff/stories/<id:story_id>/edit": areas.STAFF,
        "POST /staff/stories/<id:story_id>/edit": areas.STAFF,
        "POST /staff/stories/<id:story_id>/use": areas.STAFF,
        "POST /staff/stories/<id:story_id>/withdraw": areas.STAFF,
        "POST /staff/stories/<id:story_id>/renew": areas.STAFF,
        "GET /staff/stories/<id:story_id>/receipt": areas.STAFF,
        "GET /staff/stories/<id:story_id>/receipt.txt": areas.STAFF,
        "POST /staff/stories/<id:story_id>/receipt.txt": areas.STAFF,
        "GET /staff/stories/<id:story_id>/uses.csv": areas.STAFF,
        "GET /staff/stories/takedowns": areas.STAFF,
        "POST /staff/stories/takedowns/<id:task_id>/done": areas.STAFF,
    },
)
