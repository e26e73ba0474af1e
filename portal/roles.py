"""Roles: their values, their labels, who counts as staff and who must use a second factor."""
from __future__ import annotations

from portal.choices import Choices
from portal.i18n import lazy_gettext as _l

ADMIN = "admin"
STAFF = "staff"
COUNCIL = "council"

ROLE_CHOICES = Choices((COUNCIL, _l("Council member")), (STAFF, _l("Staff")), (ADMIN, _l("Admin")))
ROLES = (ADMIN, STAFF, COUNCIL)
STAFF_ROLES = (ADMIN, STAFF)
# roles that may not use the portal without a second factor
SECOND_FACTOR_ROLES = (ADMIN,)


def is_staff(role: str) -> bool:
    """Staff and admins manage the portal."""
    return role in STAFF_ROLES


def needs_second_factor(role: str) -> bool:
    """True for roles that must keep a second factor on."""
    return role in SECOND_FACTOR_ROLES
