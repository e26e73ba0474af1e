"""The stories card on the staff dashboard: takedowns waiting and consents ending soon."""
from __future__ import annotations

from collections.abc import Iterator

from flask import url_for
from flask_babel import format_date

from portal.areas import Card, CardLine
from portal.i18n import gettext as _
from portal.i18n import ngettext
from portal.stories import service


def cards(user) -> Iterator[Card]:
    """Takedown tasks nobody has done, and the consents that end within 30 days (titles are
    sealed: the card names the day, the link opens the story)."""
    waiting = service.open_takedown_count()
    ending, total = service.expiring_soon(limit=3)
    lines = [
        CardLine(ngettext("%(num)d takedown task waiting", "%(num)d takedown tasks waiting", waiting),
                 url_for("stories.staff_takedowns") if waiting else None),
        CardLine(ngettext("%(num)d consent ends within 30 days", "%(num)d consents end within 30 days",
                          total)),
    ]
    for story in ending:
        day = format_date(story.consent_expires_on, "medium")
        lines.append(CardLine(_("A consent ends on %(day)s", day=day),
                              url_for("stories.staff_story", story_id=story.public_id)))
    yield Card(_("Stories"), tuple(lines), url_for("stories.staff_list"), _("All stories"),
               urgent=bool(waiting or total))
