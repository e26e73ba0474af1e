"""The feedback area's texts the organisation sets (see portal/sitetexts.py)."""
from __future__ import annotations

from portal import sitetexts
from portal.feedback import service
from portal.i18n import lazy_gettext as _l

WHAT_HAPPENS = sitetexts.register(
    "feedback.what_happens", _l("What happens to your message"),
    _l("- **Who reads it:** only the people on our staff who handle feedback. The form does not "
       "tell us who you are.\n"
       "- **Who else sees it:** we do not pass messages to the police, immigration authorities "
       "or our funders, except where the law makes us report something (see below).\n"
       "- **Reporting duties:** some of our staff may be required by law to report certain "
       "things, such as a child being harmed. We do not know who you are, but details you write "
       "could identify you or someone else.\n"
       "- **Replies:** we try to reply within two weeks. Come back with your code to read the "
       "reply.\n"
       "- **How long we keep it:** we delete the conversation {retention_days} days after its "
       "last message. After that, your code stops working.\n"
       "- **Not for emergencies:** nobody watches this form around the clock. If you need help "
       "now, see “Urgent help” on this page.\n"
       "- **What we cannot promise:** we do not record your IP address, but the company that "
       "hosts this site, your internet provider or whoever runs your network may keep a record "
       "that someone visited. And your own words can identify you: leave out names, places and "
       "dates if you want to stay anonymous."),
    5000, kind=sitetexts.MARKDOWN,
    hint=_l("Shown above the feedback form. {retention_days} is replaced by the number of days "
            "a conversation is kept (PORTAL_FEEDBACK_RETENTION_DAYS). Say who reads messages, "
            "whether anything goes to the police, funders or immigration, whether staff must "
            "report anything, and how soon people get a reply."),
    placeholders={"retention_days": service.retention_days})
