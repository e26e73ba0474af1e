"""The surveys card on the staff dashboard."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from flask import url_for
from flask_babel import format_date

from portal.areas import Card, CardLine
from portal.clock import today
from portal.i18n import gettext as _
from portal.i18n import ngettext
from portal.surveys import service
from portal.surveys.plan import in_reader_language

SOON_DAYS = 7


def cards(user) -> Iterator[Card]:
    """How many surveys take answers, and those closing within a week."""
    surveys = service.open_surveys()
    soon = today() + dt.timedelta(days=SOON_DAYS)
    closing = sorted((s for s in surveys if s.closes_on and s.closes_on <= soon), key=lambda s: s.closes_on)
    lines = [CardLine(ngettext("%(num)d survey taking answers", "%(num)d surveys taking answers",
                               len(surveys)))]
    for survey in closing[:3]:
        title = str(in_reader_language(survey.title_en, survey.title_es))
        lines.append(CardLine(_("“%(title)s” closes on %(day)s", title=title,
                                day=format_date(survey.closes_on, "medium")),
                              url_for("surveys.staff_survey", slug=survey.slug)))
    yield Card(_("Surveys"), tuple(lines), url_for("surveys.staff_list"), _("All surveys"),
               urgent=bool(closing))
