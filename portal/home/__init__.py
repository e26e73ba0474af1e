"""The public front page, the health check and the texts the organisation sets."""
from __future__ import annotations

from portal import areas
from portal.home import migrations, views
from portal.i18n import lazy_gettext as _l
from portal.sitetexts import SiteText

area = areas.Area(
    name="home",
    blueprint=views.bp,
    migrations=migrations.MIGRATIONS,
    models=(SiteText,),
    audit_actions={"home.texts": _l("changed the organisation's texts")},
    access={
        "GET /": areas.PUBLIC,
        "GET /safety": areas.PUBLIC,
        "GET /kiosk": areas.PUBLIC,
        "POST /kiosk": areas.PUBLIC,
        "GET /kiosk/clear": areas.PUBLIC,
        "GET /healthz": areas.PUBLIC,
        "GET /staff/settings": areas.ADMIN,
        "POST /staff/settings": areas.ADMIN,
    },
)
