"""The feedback card on the staff dashboard."""
from __future__ import annotations

from collections.abc import Iterator

from flask import url_for
from flask_babel import format_date

from portal.areas import Card, CardLine
from portal.feedback import service
from portal.i18n import gettext as _
from portal.i18n import ngettext


def cards(user) -> Iterator[Card]:
    """Unread and waiting-for-reply counts, and the threads waiting longest."""
    waiting = service.waiting_threads(user)
    lines = [
        CardLine(ngettext("%(num)d thread nobody has read", "%(num)d threads nobody has read",
                          waiting.unread),
                 url_for("feedback.staff_list", status="new") if waiting.unread else None),
        CardLine(ngettext("%(num)d thread waiting for a reply", "%(num)d threads waiting for a reply",
                          waiting.waiting)),
    ]
    for thread in waiting.longest:
        lines.append(CardLine(_("Waiting since %(day)s", day=format_date(thread.last_message_on, "medium")),
                              url_for("feedback.staff_thread", thread_id=thread.public_id)))
    yield Card(_("Feedback"), tuple(lines), url_for("feedback.staff_list"), _("All feedback"),
               urgent=waiting.waiting > 0)
