"""The public front page and the health check."""
from __future__ import annotations

from portal import areas
from portal.home import views

area = areas.Area(
    name="home",
    blueprint=views.bp,
    access={"GET /": areas.PUBLIC, "GET /safety": areas.PUBLIC,
            "GET /kiosk": areas.PUBLIC, "POST /kiosk": areas.PUBLIC, "GET /kiosk/clear": areas.PUBLIC,
            "GET /healthz": areas.PUBLIC},
)
