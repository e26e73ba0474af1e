"""The council card on the staff dashboard: proposals closing soon, and closed ones awaiting a
decision."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from flask import url_for
from flask_babel import format_date

from portal.areas import Card, CardLine
from portal.clock import today
from portal.council import service
from portal.i18n import gettext as _
from portal.i18n import ngettext

SOON_DAYS = 7


def cards(user) -> Iterator[Card]:
    """What the council is reviewing now and what waits for the organisation's answer."""
    taking = service.open_proposals()
    soon = today() + dt.timedelta(days=SOON_DAYS)
    undecided = service.undecided_count()
    lines = [CardLine(ngettext("%(num)d proposal open to the council",
                               "%(num)d proposals open to the council", len(taking)))]
    for proposal in [p for p in taking if p.closes_on <= soon][:3]:
        lines.append(CardLine(_("“%(title)s” closes on %(day)s", title=proposal.title,
                                day=format_date(proposal.closes_on, "medium")),
                              url_for("council.staff_proposal", proposal_id=proposal.public_id)))
    lines.append(CardLine(ngettext("%(num)d closed proposal waiting for a decision",
                                   "%(num)d closed proposals waiting for a decision", undecided),
                          url_for("council.staff_proposals") if undecided else None))
    yield Card(_("Advisory council"), tuple(lines), url_for("council.staff_proposals"), _("All proposals"),
               urgent=bool(undecided))
