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


ARGUMENTS: dict[str, Callable[[World], object]] = {
    "thread_id": lambda world: _feedback(world)[1],
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
                 "readers": Field(CHOICE, choices=("team", "complaints"))},
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
    HostileForm("tags", "staff", lambda w: f"/staff/feedback/{_thread(w)}/tags",
                lambda w: {"tags": "kitchen"},
                {"tags": Field(TEXT, stored_as=lambda v: ",".join(parse_tags(v)))},
                shows=lambda w: [("staff", "/staff/feedback"), ("staff", f"/staff/feedback/{_thread(w)}")]),
    HostileForm("status", "staff", lambda w: f"/staff/feedback/{_thread(w)}/status",
                lambda w: {"status": "read"},
                {"status": Field(CHOICE, choices=("new", "read", "replied", "archived"))}),
    HostileForm("publish", "staff", lambda w: f"/staff/feedback/{_quotable_thread(w)}/publish",
                lambda w: {"quote": "Evening hours, please.", "action_taken": "Open until 8pm."},
                {"quote": Field(TEXT), "action_taken": Field(TEXT)},
                shows=lambda w: [("anonymous", "/feedback"),
                                 ("staff", f"/staff/feedback/{_quotable_thread(w)}")]),
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


def _honeypot(visitor: Visitor, state: dict) -> None:
    answer = visitor.post("/feedback", {"message": "robot", "topic": "", "website": "http://spam"})
    assert answer.status_code == 200


CANARY_FLOW = [_give_feedback, _read_reply, _follow_up, _wrong_receipt, _honeypot]

# --- pages for the accessibility check ---------------------------------------------------------


def seed_thread(server, *, published: bool = False) -> tuple[str, int]:
    """A quotable feedback thread with a staff reply; returns (receipt, its public id)."""
    from support.sealing import holding_the_key

    from portal.accounts.models import User
    from portal.feedback import service

    staff = server.make_account("staff")

    def work():
        receipt = service.submit_feedback("The waiting room is cold in the mornings.", "space", 3, True)
        thread = service.find_thread(receipt)
        actor = User.get_by_id(staff.id)
        # a reply is sealed with the thread's key, which only a session holding the key opens
        with holding_the_key(server.app, actor):
            service.reply(actor, thread, "Thank you for telling us. We have ordered a heater.")
        if published:
            service.publish(actor, thread, "The waiting room is cold in the mornings.",
                            "We bought a heater for the waiting room.")
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
    Screen("staff-feedback", "feedback.staff_list", "staff",
           lambda page, server: (seed_thread(server), page.goto("/staff/feedback"))),
    Screen("staff-feedback-thread", "feedback.staff_thread", "staff",
           lambda page, server: page.goto(f"/staff/feedback/{seed_thread(server, published=True)[1]}")),
    Screen("staff-feedback-thread-errors", "feedback.staff_reply", "staff", _staff_thread_error),
]

NOT_PAGES = {"feedback.staff_export"}
