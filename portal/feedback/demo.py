"""Sample feedback threads for `flask --app app demo`."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from portal import clock, codes
from portal.accounts.models import User
from portal.feedback import receipts, service
from portal.feedback.models import FeedbackThread

# (days ago, topic, rating, quotable, status, tags, messages as (author, days ago, text), published)
SAMPLE_THREADS = [
    (48, "service", 5, True, "replied", "drop-in, hours", [
        ("client", 48, "The evening drop-in is the only time I can come. Please don't close it."),
        ("staff", 45, "Thank you for telling us. The evening drop-in is staying, and we are "
                      "looking at adding a weekend morning as well."),
    ], ("The evening drop-in is the only time I can come. Please don't close it.",
        "We kept the Tuesday and Thursday evening drop-in and added Saturday mornings.")),
    (41, "staff", 2, False, "replied", "front desk, privacy", [
        ("client", 41, "The person at the front desk asked me for ID in front of everyone in the "
                       "waiting room. I felt exposed."),
        ("staff", 39, "We are sorry this happened. Nobody should be asked for ID in the waiting "
                      "room. We have changed how the front desk checks in, and you never have to "
                      "show ID to use the drop-in."),
    ], None),
    (37, "space", 3, True, "archived", "waiting room", [
        ("client", 37, "There is no quiet corner in the waiting room. When it gets busy I leave "
                       "before I am seen."),
        ("staff", 33, "Thank you. We have turned the small side room into a quiet room. Ask at "
                      "the desk and you can wait there."),
    ], ("When it gets busy I leave before I am seen.",
        "We turned the small side room into a quiet room you can wait in at any time.")),
    (30, "other", None, True, "replied", "texts, safety", [
        ("client", 30, "Could the appointment reminders come from a number that doesn't show "
                       "your name? Someone else sometimes sees my phone."),
        ("staff", 27, "Yes. Reminders now come from a plain number and only say that you have "
                      "an appointment. You can also ask us to send no reminders at all."),
    ], ("Could the appointment reminders come from a number that doesn't show your name?",
        "Reminder texts now come from a plain number and say nothing about us.")),
    (21, "service", 1, False, "new", "housing, waiting", [
        ("client", 21, "I waited three weeks to hear back about housing and nobody told me why."),
        ("staff", 19, "You are right to be frustrated, and we are sorry. The housing partner "
                      "had a backlog. From now on we will tell you within a week where things "
                      "stand, even when there is no news."),
        ("client", 6, "Thank you for explaining. I have an appointment now."),
    ], None),
    (16, "service", 4, False, "new", "", [
        ("client", 16, "The legal clinic helped me more than I expected. The interpreter was kind "
                       "and patient."),
    ], None),
    (14, "", None, False, "new", "", [
        ("client", 14, "Sometimes I am not sure if what I say in group stays in the group."),
    ], None),
    (12, "staff", 5, True, "read", "case work", [
        ("client", 12, "My case worker never made me tell my story again when I didn't want to. "
                       "That meant a lot."),
    ], None),
    (9, "space", 4, False, "archived", "", [
        ("client", 9, "Thank you for the phone chargers at the front desk."),
    ], None),
    (7, "other", None, False, "new", "languages", [
        ("client", 7, "Please have the forms in Tigrinya too."),
    ], None),
    (5, "service", 3, False, "read", "food bank, hours", [
        ("client", 5, "The food bank hours clash with my work shifts."),
    ], None),
    (2, "staff", 4, True, "new", "peer support", [
        ("client", 2, "The peer mentor understood me without me having to explain everything."),
    ], None),
]


def demo_feedback() -> Iterator[str]:
    """Create the sample threads once, with replies from the demo staff account."""
    if FeedbackThread.select().exists():
        yield "Feedback already has threads; left as they are."
        return
    today = clock.today()
    staff = User.by_username("demo-staff")
    example = ""
    published = 0
    for started, topic, rating, quotable, status, tags, messages, public in SAMPLE_THREADS:
        code = receipts.new_receipt()
        example = example or codes.format_code(code)
        thread, item_key = service.create_thread(
            code, today - dt.timedelta(days=started), topic=topic, rating=rating,
            quotable=quotable, status=status, tags=tags.replace(", ", ","))
        thread.last_message_on = today - dt.timedelta(days=messages[-1][1])
        thread.save()
        for author, days_ago, body in messages:
            service.store_message(thread, item_key, author, body, today - dt.timedelta(days=days_ago),
                                   staff_user=staff if author == "staff" else None)
        if public:
            published += 1
            # as the person approved it, from their conversation page
            proposal = service.Proposal(quote=public[0], action=public[1], language="en")
            thread.proposal, thread.quote_state = proposal.sealed_with(item_key), "approved"
            for column, value in proposal.public_columns(
                    today - dt.timedelta(days=messages[-1][1])).items():
                setattr(thread, column, value)
            thread.save()
    yield (f"Created {len(SAMPLE_THREADS)} feedback threads ({published} on the public "
           f"\"you said, we did\" list).")
    yield f"Read the first one at /feedback/status with the receipt {example}"
