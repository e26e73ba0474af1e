"""Roles: their values, their labels, who counts as staff and who must use a second factor."""
from __future__ import annotations

from flask import current_app, has_app_context

from portal.choices import Choices
from portal.i18n import lazy_gettext as _l

ADMIN = "admin"
STAFF = "staff"
COUNCIL = "council"

ROLE_CHOICES = Choices((COUNCIL, _l("Council member")), (STAFF, _l("Staff")), (ADMIN, _l("Admin")))
ROLES = (ADMIN, STAFF, COUNCIL)
STAFF_ROLES = (ADMIN, STAFF)
# roles that may never use the portal without a second factor (staff too when the organisation
# sets PORTAL_STAFF_SECOND_FACTOR)
SECOND_FACTOR_ROLES = (ADMIN,)


def is_staff(role: str) -> bool:
    """Staff and admins manage the portal."""
    return role in STAFF_ROLES


def needs_second_factor(role: str) -> bool:
    """True for roles that must keep a second factor on."""
    if role in SECOND_FACTOR_ROLES:
        return True
    return role == STAFF and has_app_context() and bool(current_app.config.get("STAFF_SECOND_FACTOR"))
