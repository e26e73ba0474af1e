"""Anonymous feedback: a private receipt, staff replies, "you said, we did" and retention."""
from __future__ import annotations

from portal import areas
from portal.feedback import dashboard, demo, migrations, service, views
from portal.feedback import texts as _texts  # noqa: F401  # registers the texts admins set
from portal.feedback.models import (
    FeedbackMessage,
    FeedbackNote,
    FeedbackThread,
    ReplyTemplate,
    SentForm,
)
from portal.i18n import lazy_gettext as _l

area = areas.Area(
    name="feedback",
    blueprint=views.bp,
    public_nav=areas.NavEntry(
        "feedback.form", _l("Give feedback"),
        _l("Tell us what works and what does not, without giving your name, and read our reply.")),
    staff_nav=areas.NavEntry("feedback.staff_list", _l("Feedback")),
    demo=demo.demo_feedback,
    dashboard=dashboard.cards,
    purge=service.purge_report,
    migrations=migrations.MIGRATIONS,
    models=(FeedbackThread, FeedbackMessage, SentForm, FeedbackNote, ReplyTemplate),
    audit_actions={
        "feedback.reply": _l("replied to feedback thread"),
        "feedback.status": _l("changed the status of feedback thread"),
        "feedback.tags": _l("tagged feedback thread"),
        "feedback.propose": _l("proposed a quote from feedback thread"),
        "feedback.approve": _l("the writer approved the quote from feedback thread"),
        "feedback.decline": _l("the writer declined the quote from feedback thread"),
        "feedback.publish": _l("published feedback thread"),
        "feedback.unpublish": _l("unpublished feedback thread"),
        "feedback.purge": _l("deleted old feedback threads, in number:"),
        "feedback.deleted": _l("a writer deleted their feedback conversation with their code"),
        "feedback.export": _l("downloaded every open feedback thread as CSV"),
        "feedback.note": _l("wrote a private note on feedback thread"),
        "feedback.reply_edit": _l("changed a reply in feedback thread"),
        "feedback.reply_withdraw": _l("withdrew a reply in feedback thread"),
        "feedback.redact": _l("removed part of a message in feedback thread"),
        "feedback.assign": _l("assigned feedback thread"),
        "feedback.template_add": _l("added a reply template"),
        "feedback.template_delete": _l("deleted a reply template"),
    },
    # a time on a staff action would date the client's messages next to it
    audit_day_only=frozenset({"feedback.reply", "feedback.status", "feedback.tags",
                              "feedback.publish", "feedback.unpublish", "feedback.propose",
                              "feedback.approve", "feedback.decline", "feedback.deleted",
                              "feedback.note", "feedback.reply_edit", "feedback.reply_withdraw",
                              "feedback.redact", "feedback.assign"}),
    access={
        "GET /feedback": areas.PUBLIC,
        "POST /feedback": areas.PUBLIC,
        "GET /feedback/status": areas.PUBLIC,
        "POST /feedback/status": areas.PUBLIC,
        "GET /staff/feedback": areas.STAFF,
        "POST /feedback/receipt.txt": areas.PUBLIC,
        "GET /staff/feedback/export": areas.STAFF,
        "GET /staff/feedback/export.csv": areas.STAFF,
        "GET /staff/feedback/<id:thread_id>": areas.STAFF,
        "POST /staff/feedback/<id:thread_id>/reply": areas.STAFF,
        "POST /staff/feedback/<id:thread_id>/status": areas.STAFF,
        "POST /staff/feedback/<id:thread_id>/tags": areas.STAFF,
        "POST /staff/feedback/<id:thread_id>/propose": areas.STAFF,
        "POST /staff/feedback/<id:thread_id>/publish": areas.STAFF,
        "POST /staff/feedback/<id:thread_id>/unpublish": areas.STAFF,
        "POST /staff/feedback/<id:thread_id>/note": areas.STAFF,
        "POST /staff/feedback/<id:thread_id>/assign": areas.STAFF,
        "GET /staff/feedback/templates": areas.STAFF,
        "POST /staff/feedback/templates": areas.STAFF,
        "POST /staff/feedback/templates/<id:template_id>/delete": areas.STAFF,
        "POST /staff/feedback/<id:thread_id>/messages/<id:message_id>/edit": areas.STAFF,
        "POST /staff/feedback/<id:thread_id>/messages/<id:message_id>/withdraw": areas.STAFF,
        "POST /staff/feedback/<id:thread_id>/messages/<id:message_id>/redact": areas.STAFF,
    },
)
