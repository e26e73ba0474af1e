"""The feedback area's rows for the shared suites (see tests/support/rows.py)."""
from __future__ import annotations

from collections.abc import Callable

from support.canary import Visitor
from support.hostile import CHOICE, SECRET, TEXT, Field, HostileForm
from support.screens import Screen, go, submit
from support.sealing import message_texts
from support.world import World, new_feedback_thread, text_of_class

from portal.feedback.service import parse_tags

# --- what URL arguments name -------------------------------------------------------------------


def _feedback(world: World) -> tuple[str, int]:
    """One feedback thread shared by the rows that need it: (its receipt, its number)."""
    if "feedback" not in world.objects:
        world.objects["feedback"] = new_feedback_thread(world)
    return world.objects["feedback"]


def _staff_reply(world: World) -> int:
    """A reply in the shared thread by the world's member of staff, still open to change."""
    from support.sealing import holding_the_key

    from portal.accounts.models import User
    from portal.feedback import service

    thread_id = world.value("thread_id")
    staff = world.account("staff")

    def work() -> int:
        thread = service.get_thread(thread_id, User.get_by_id(staff.id))
        actor = User.get_by_id(staff.id)
        with holding_the_key(world.app, actor):
            service.reply(actor, thread, "We are looking into it.")
        from portal.feedback.models import FeedbackMessage
        return FeedbackMessage.select().order_by(FeedbackMessage.id.desc()).first().public_id
    return world.query(work)


def _template(world: World) -> int:
    """A reply template, made the way the organisation makes one."""
    from portal import clock
    from portal.feedback.models import ReplyTemplate

    return world.query(lambda: ReplyTemplate.create(title="Thanks", body="Thank you for telling us.",
                                                    created_on=clock.today()).public_id)


ARGUMENTS: dict[str, Callable[[World], object]] = {
    "thread_id": lambda world: _feedback(world)[1],
    "message_id": _staff_reply,
    "template_id": _template,
}

# --- hostile input -----------------------------------------------------------------------------


def _thread(world: World) -> int:
    return world.value("thread_id")


def _receipt(world: World) -> str:
    return _feedback(world)[0]


def _quotable_thread(world: World) -> int:
    if "quotable" not in world.objects:
        world.objects["quotable"] = new_feedback_thread(world, "Evening hours, please.", quotable="y")[1]
    return world.objects["quotable"]


def proposal_texts() -> list[str]:
    """Every field of every proposed quote, opened with the organisation key."""
    from support.sealing import org_private_key

    from portal.accounts import sealed
    from portal.feedback import service
    from portal.feedback.models import FeedbackThread

    reader = sealed.Reader(org_private_key())
    texts = []
    for thread in FeedbackThread.select().where(FeedbackThread.proposal.is_null(False)):
        found = [reader.item_key(thread.sealed_key)]
        proposal = service.Proposal.opened(thread.proposal, [k for k in found if k is not None])
        if proposal is not None:
            texts += [proposal.quote, proposal.action, proposal.quote_translation,
                      proposal.action_translation]
    return texts


def _client_message(world: World) -> int:
    """The first message of the shared thread, the person's own."""
    from portal.feedback.models import FeedbackMessage, FeedbackThread

    thread_id = _thread(world)
    return world.query(lambda: FeedbackMessage.select()
                       .join(FeedbackThread)
                       .where((FeedbackThread.public_id == thread_id) & (FeedbackMessage.author == "client"))
                       .order_by(FeedbackMessage.id).first().public_id)


def note_texts() -> list[str]:
    """Every private note, opened with the organisation key."""
    from support.sealing import org_private_key

    from portal.accounts import sealed
    from portal.feedback.models import FeedbackNote, FeedbackThread

    reader = sealed.Reader(org_private_key())
    texts = []
    for note in FeedbackNote.select().order_by(FeedbackNote.id):
        item_key = reader.item_key(FeedbackThread.get_by_id(note.thread_id).sealed_key)
        texts.append(sealed.decrypt(note.body, item_key) if item_key else None)
    return texts


def _newest_thread(world: World) -> int | None:
    from portal.feedback.models import FeedbackThread

    newest = world.query(lambda: FeedbackThread.select().order_by(FeedbackThread.id.desc()).first())
    return newest.public_id if newest else None


def _newest_thread_pages(world: World) -> list[tuple[str, str]]:
    newest = _newest_thread(world)
    pages = [("staff", "/staff/feedback")]
    return pages + ([("staff", f"/staff/feedback/{newest}")] if newest else [])


TOPICS = ("", "service", "staff", "space", "other")

FORMS: list[HostileForm] = [
    HostileForm("feedback", "anonymous", lambda w: "/feedback",
                lambda w: {"message": "Thank you.", "topic": "", "rating": "4"},
                {"message": Field(TEXT, sealed=message_texts), "website": Field(SECRET),
                 "topic": Field(CHOICE, choices=TOPICS),
                 "rating": Field(CHOICE, choices=("", "1", "2", "3", "4", "5")),
                 "quotable": Field(SECRET),
                 "readers": Field(CHOICE, choices=("", "team", "complaints"))},
                shows=_newest_thread_pages),
    HostileForm("follow-up", "anonymous", lambda w: "/feedback/status",
                lambda w: {"receipt": _receipt(w), "message": "One more thing."},
                {"message": Field(TEXT, sealed=message_texts), "receipt": Field(SECRET)},
                shows=lambda w: [("staff", f"/staff/feedback/{_thread(w)}")]),
    HostileForm("receipt lookup", "anonymous", lambda w: "/feedback/status",
                lambda w: {"receipt": _receipt(w)}, {"receipt": Field(SECRET)}),
    HostileForm("staff reply", "staff", lambda w: f"/staff/feedback/{_thread(w)}/reply",
                lambda w: {"message": "We are on it."}, {"message": Field(TEXT, sealed=message_texts)},
                shows=lambda w: [("staff", f"/staff/feedback/{_thread(w)}")]),
    HostileForm("private note", "staff", lambda w: f"/staff/feedback/{_thread(w)}/note",
                lambda w: {"note": "Check with the evening team."},
                {"note": Field(TEXT, sealed=note_texts)},
                shows=lambda w: [("staff", f"/staff/feedback/{_thread(w)}")]),
    HostileForm("change a reply", "staff",
                lambda w: f"/staff/feedback/{_thread(w)}/messages/{w.value('message_id')}/edit",
                lambda w: {"message": "We are looking into it today."},
                {"message": Field(TEXT, sealed=message_texts)},
                shows=lambda w: [("staff", f"/staff/feedback/{_thread(w)}")]),
    HostileForm("redact a message", "staff",
                lambda w: f"/staff/feedback/{_thread(w)}/messages/{_client_message(w)}/redact",
                lambda w: {"message": "[a person] was kind."},
                {"message": Field(TEXT, sealed=message_texts)},
                shows=lambda w: [("staff", f"/staff/feedback/{_thread(w)}")]),
    HostileForm("assign", "staff", lambda w: f"/staff/feedback/{_thread(w)}/assign",
                lambda w: {"assignee": ""},
                {"assignee": Field(CHOICE, choices=("",))},
                shows=lambda w: [("staff", "/staff/feedback"), ("staff", f"/staff/feedback/{_thread(w)}")]),
    HostileForm("reply template", "staff", lambda w: "/staff/feedback/templates",
                lambda w: {"title": "Thanks", "body": "Thank you for telling us."},
                {"title": Field(TEXT), "body": Field(TEXT)},
                shows=lambda w: [("staff", "/staff/feedback/templates"),
                                 ("staff", f"/staff/feedback/{_thread(w)}")]),
    HostileForm("tags", "staff", lambda w: f"/staff/feedback/{_thread(w)}/tags",
                lambda w: {"tags": "kitchen"},
                {"tags": Field(TEXT, stored_as=lambda v: ",".join(parse_tags(v)))},
                shows=lambda w: [("staff", "/staff/feedback"), ("staff", f"/staff/feedback/{_thread(w)}")]),
    HostileForm("status", "staff", lambda w: f"/staff/feedback/{_thread(w)}/status",
                lambda w: {"status": "read"},
                {"status": Field(CHOICE, choices=("new", "read", "replied", "archived"))}),
    HostileForm("propose a quote", "staff", lambda w: f"/staff/feedback/{_quotable_thread(w)}/propose",
                lambda w: {"language": "en", "quote": "Evening hours, please.",
                           "action_taken": "Open until 8pm.", "quote_translation": "",
                           "action_translation": ""},
                {"quote": Field(TEXT, sealed=proposal_texts),
                 "action_taken": Field(TEXT, sealed=proposal_texts),
                 "quote_translation": Field(TEXT, sealed=proposal_texts),
                 "action_translation": Field(TEXT, sealed=proposal_texts),
                 "language": Field(CHOICE, choices=("en", "es"))},
                shows=lambda w: [("staff", f"/staff/feedback/{_quotable_thread(w)}")]),
    HostileForm("answer a proposed quote", "anonymous", lambda w: "/feedback/status",
                lambda w: {"receipt": _receipt(w), "seen": "", "decline_quote": "y"},
                {"receipt": Field(SECRET), "seen": Field(SECRET)}),
    HostileForm("take back permission to quote", "anonymous", lambda w: "/feedback/status",
                lambda w: {"receipt": _receipt(w), "withdraw_quote": "y"}, {"receipt": Field(SECRET)}),
    HostileForm("delete a conversation (asked)", "anonymous", lambda w: "/feedback/status",
                lambda w: {"receipt": _receipt(w), "delete_conversation": "y"}, {"receipt": Field(SECRET)}),
    HostileForm("delete a conversation (confirmed)", "anonymous", lambda w: "/feedback/status",
                lambda w: {"receipt": new_feedback_thread(w, "Delete me.")[0], "delete_confirmed": "y"},
                {"receipt": Field(SECRET)}),
    HostileForm("give permission to quote again", "anonymous", lambda w: "/feedback/status",
                lambda w: {"receipt": _receipt(w), "allow_quote": "y"}, {"receipt": Field(SECRET)}),
]

# --- the anonymity canary ----------------------------------------------------------------------


def _give_feedback(visitor: Visitor, state: dict) -> None:
    answer = visitor.post("/feedback", {"message": state["message"], "topic": "space",
                                        "rating": "3", "quotable": "y"})
    assert answer.status_code == 200
    state["receipt"] = text_of_class(answer.text, "receipt")
    assert state["receipt"]
    state.setdefault("secrets", []).extend([state["receipt"], state["receipt"].replace("-", "")])


def _read_reply(visitor: Visitor, state: dict) -> None:
    answer = visitor.post("/feedback/status", {"receipt": state["receipt"]})
    assert answer.status_code == 200 and state["message"] in answer.text


def _follow_up(visitor: Visitor, state: dict) -> None:
    answer = visitor.post("/feedback/status", {"receipt": state["receipt"],
                                               "message": state["message"] + " again"})
    assert answer.status_code == 200


def _wrong_receipt(visitor: Visitor, state: dict) -> None:
    assert visitor.post("/feedback/status", {"receipt": "0000-0000-0000-0000"}).status_code == 200


def _answer_quote(visitor: Visitor, state: dict) -> None:
    # no text was proposed: both answers change nothing, and say so without an error
    for choice in ("approve_quote", "decline_quote"):
        answer = visitor.post("/feedback/status", {"receipt": state["receipt"], "seen": "", choice: "y"})
        assert answer.status_code == 200


def _withdraw_and_allow_quote(visitor: Visitor, state: dict) -> None:
    for choice in ("withdraw_quote", "allow_quote"):
        answer = visitor.post("/feedback/status", {"receipt": state["receipt"], choice: "y"})
        assert answer.status_code == 200


def _delete_conversation(visitor: Visitor, state: dict) -> None:
    # a second conversation, so the first one's stored words are still there to look for
    answer = visitor.post("/feedback", {"message": state["message"] + " to delete"})
    receipt = text_of_class(answer.text, "receipt")
    state.setdefault("secrets", []).extend([receipt, receipt.replace("-", "")])
    asked = visitor.post("/feedback/status", {"receipt": receipt, "delete_conversation": "y"})
    assert asked.status_code == 200 and "delete_confirmed" in asked.text
    done = visitor.post("/feedback/status", {"receipt": receipt, "delete_confirmed": "y"})
    assert done.status_code == 200 and "delete_confirmed" not in done.text


def _honeypot(visitor: Visitor, state: dict) -> None:
    answer = visitor.post("/feedback", {"message": "robot", "topic": "", "website": "http://spam"})
    assert answer.status_code == 200


CANARY_FLOW = [_give_feedback, _read_reply, _follow_up, _answer_quote, _withdraw_and_allow_quote,
               _delete_conversation, _wrong_receipt, _honeypot]

# --- pages for the accessibility check ---------------------------------------------------------


def seed_thread(server, *, published: bool = False, proposed: bool = False,
                note: bool = False, redacted: bool = False) -> tuple[str, int]:
    """A quotable feedback thread with a staff reply, and a quote proposed (and approved, when
    published); returns (receipt, its public id)."""
    from support.sealing import holding_the_key

    from portal.accounts.models import User
    from portal.feedback import service
    from portal.feedback.models import FeedbackMessage

    staff = server.make_account("staff")

    def work():
        receipt = service.submit_feedback("The waiting room is cold in the mornings.", "space", 3, True)
        thread = service.find_thread(receipt)
        actor = User.get_by_id(staff.id)
        # a reply is sealed with the thread's key, which only a session holding the key opens
        with holding_the_key(server.app, actor):
            service.reply(actor, thread, "Thank you for telling us. We have ordered a heater.")
            if note:
                service.add_note(actor, thread, "The heater arrives on Monday; tell her then.")
            if redacted:
                first = thread.messages.order_by(FeedbackMessage.id).first()
                service.redact_message(actor, thread, first.public_id,
                                       "The waiting room is cold when [a person] opens it.")
            if published or proposed:
                service.propose_quote(actor, thread, service.Proposal(
                    quote="The waiting room is cold in the mornings.",
                    action="We bought a heater for the waiting room.", language="en",
                    quote_translation="La sala de espera está fría por las mañanas.",
                    action_translation="Compramos un calentador para la sala de espera."))
        if published:
            service.approve_quote(thread, receipt, service.proposal_digest(thread))
        return receipt, thread.public_id
    return server.run(work)


def _feedback_error(page, server) -> None:
    page.goto("/feedback")
    submit(page, "main form:has([name=message]) button[type=submit]")


def _receipt_page(page, server) -> None:
    page.goto("/feedback")
    page.locator("main form [name=message]").fill("The new evening hours are a big help.")
    submit(page, "main form:has([name=message]) button[type=submit]")


def _lookup(page, receipt: str) -> None:
    page.goto("/feedback/status")
    page.locator("main form [name=receipt]").fill(receipt)
    submit(page, "main form:has([name=receipt]) button[type=submit]")


def _thread_page(page, server) -> None:
    _lookup(page, seed_thread(server)[0])


def _thread_error(page, server) -> None:
    _thread_page(page, server)
    submit(page, "main form:has(textarea[name=message]) button[type=submit]")


def _staff_thread_error(page, server) -> None:
    page.goto(f"/staff/feedback/{seed_thread(server, published=True)[1]}")
    submit(page, "main form:has(textarea[name=message]) button[type=submit]")


def _delete_confirm(page, server) -> None:
    _thread_page(page, server)
    submit(page, "main form:has([name=delete_conversation]) button[name=delete_conversation]")


def _deleted(page, server) -> None:
    _delete_confirm(page, server)
    submit(page, "main form:has([name=delete_confirmed]) button[name=delete_confirmed]")


def _note_error(page, server) -> None:
    page.goto(f"/staff/feedback/{seed_thread(server)[1]}")
    submit(page, "main form:has(textarea[name=note]) button[type=submit]")


def _reply_through_page(page, server) -> None:
    page.goto(f"/staff/feedback/{seed_thread(server)[1]}")
    page.locator("main form textarea[name=message]").last.fill("A second reply, to change.")
    submit(page, "main form:has(textarea[name=message]) button[type=submit]")
    page.locator("main details.edit-reply summary").first.click()


def _edit_error(page, server) -> None:
    _reply_through_page(page, server)
    page.locator("main details.edit-reply textarea").first.fill("")
    submit(page, "main details.edit-reply form:has(textarea) button[type=submit]")


def _redact_error(page, server) -> None:
    page.goto(f"/staff/feedback/{seed_thread(server)[1]}")
    page.locator("main details.redact summary").first.click()
    page.locator("main details.redact textarea").first.fill("")
    submit(page, "main details.redact form:has(textarea) button[type=submit]")


def _templates_page(page, server) -> None:
    page.goto("/staff/feedback/templates")
    page.locator("main form [name=title]").fill("Thanks")
    page.locator("main form [name=body]").fill("Thank you for telling us. We read every message.")
    submit(page, "main form:has([name=title]) button[type=submit]")


def _templates_error(page, server) -> None:
    page.goto("/staff/feedback/templates")
    submit(page, "main form:has([name=title]) button[type=submit]")


def _use_template(page, server) -> None:
    _templates_page(page, server)
    page.goto(f"/staff/feedback/{seed_thread(server)[1]}")
    page.locator("main form[data-templates] button").click()


def _propose_error(page, server) -> None:
    page.goto(f"/staff/feedback/{seed_thread(server)[1]}")
    page.locator("main form [name=quote]").fill("")
    submit(page, "main form:has([name=quote]) button[type=submit]")


SCREENS = [
    Screen("feedback", "feedback.form", None,
           lambda page, server: (seed_thread(server, published=True), page.goto("/feedback"))),
    Screen("feedback-errors", "feedback.form", None, _feedback_error),
    Screen("feedback-receipt", "feedback.form", None, _receipt_page),
    Screen("feedback-status", "feedback.status", None, go("/feedback/status")),
    Screen("feedback-status-unknown", "feedback.status", None,
           lambda page, server: _lookup(page, "AAAA-BBBB-CCCC-DDDD")),
    Screen("feedback-thread", "feedback.status", None, _thread_page),
    Screen("feedback-thread-errors", "feedback.status", None, _thread_error),
    Screen("feedback-delete-confirm", "feedback.status", None, _delete_confirm),
    Screen("feedback-deleted", "feedback.status", None, _deleted),
    Screen("feedback-thread-proposal", "feedback.status", None,
           lambda page, server: _lookup(page, seed_thread(server, proposed=True)[0])),
    Screen("staff-feedback", "feedback.staff_list", "staff",
           lambda page, server: (seed_thread(server), page.goto("/staff/feedback"))),
    Screen("staff-feedback-thread", "feedback.staff_thread", "staff",
           lambda page, server: page.goto(f"/staff/feedback/{seed_thread(server, published=True)[1]}")),
    Screen("staff-feedback-thread-errors", "feedback.staff_reply", "staff", _staff_thread_error),
    Screen("staff-feedback-export", "feedback.staff_export_warning", "staff", go("/staff/feedback/export")),
    Screen("staff-feedback-thread-proposed", "feedback.staff_thread", "staff",
           lambda page, server: page.goto(f"/staff/feedback/{seed_thread(server, proposed=True)[1]}")),
    Screen("staff-feedback-propose-errors", "feedback.staff_propose", "staff", _propose_error),
    Screen("staff-feedback-thread-notes", "feedback.staff_thread", "staff",
           lambda page, server: page.goto(f"/staff/feedback/{seed_thread(server, note=True)[1]}")),
    Screen("staff-feedback-note-errors", "feedback.staff_note", "staff", _note_error),
    Screen("staff-feedback-reply-changeable", "feedback.staff_thread", "staff", _reply_through_page),
    Screen("staff-feedback-edit-errors", "feedback.staff_edit_reply", "staff", _edit_error),
    Screen("staff-feedback-thread-redacted", "feedback.staff_thread", "staff",
           lambda page, server: page.goto(f"/staff/feedback/{seed_thread(server, redacted=True)[1]}")),
    Screen("staff-feedback-redact-errors", "feedback.staff_redact", "staff", _redact_error),
    Screen("staff-feedback-search", "feedback.staff_list", "staff",
           lambda page, server: (seed_thread(server, note=True),
                                 page.goto("/staff/feedback?q=heater&tag=x&since=2026-01-01&mine=y"))),
    Screen("staff-feedback-filter-errors", "feedback.staff_list", "staff",
           go("/staff/feedback?since=2026-02-31&until=nope")),
    Screen("staff-feedback-templates", "feedback.staff_templates", "staff", _templates_page),
    Screen("staff-feedback-templates-errors", "feedback.staff_templates", "staff", _templates_error),
    Screen("staff-feedback-thread-template", "feedback.staff_thread", "staff", _use_template),
    Screen("feedback-thread-redacted", "feedback.status", None,
           lambda page, server: _lookup(page, seed_thread(server, redacted=True)[0])),
]

NOT_PAGES = {"feedback.staff_export", "feedback.receipt_text"}
