"""Sample council for `flask --app app demo`: six members who described themselves, an open
proposal with responses, a decided one published as "you said, we did", meetings and stipends."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from flask import current_app

from portal import clock
from portal.accounts.models import User
from portal.council import service
from portal.council.models import Member
from portal.roles import COUNCIL

# (account, name, name public, pronouns, about, categories)
MEMBERS = [
    ("demo-council", "Rosa", True, ("she/her", "public"),
     ("I came here through the drop-in in 2019. I want new people to be believed the first time.",
      "public"),
     {"lived": ("labour", "council"), "gender": ("woman", "public"), "race": ("latine", "council"),
      "immigration": ("immigrated", "me"), "age": ("35_44", "council")}),
    ("demo-council-kai", "Kai", False, ("they/them", "council"),
     ("Sex worker and organiser. I am here so that the people who chose this work are not "
      "treated as victims by default.", "council"),
     {"sex_trade": ("consensual", "council"), "gender": ("nonbinary", "council"),
      "race": ("white", "me"), "age": ("25_34", "council")}),
    ("demo-council-ama", "Ama", True, ("she/her", "public"),
     ("Peer mentor. Ask me about the housing waiting list.", "public"),
     {"lived": ("sex", "me"), "race": ("black", "public"), "gender": ("trans_woman", "council"),
      "age": ("45_54", "council")}),
    ("demo-council-luz", "Luz", False, ("", "council"), ("", "council"),
     {"lived": ("labour", "council"), "immigration": ("undocumented", "me"),
      "gender": ("woman", "council"), "race": ("latine", "council"), "age": ("25_34", "council")}),
    ("demo-council-j", "J.", False, ("he/him", "council"),
     ("I would rather not say much here. I read everything.", "council"),
     {"lived": ("prefer_not", "me"), "gender": ("man", "council"), "age": ("18_24", "council")}),
    ("demo-council-mei", "Mei", True, ("she/her", "public"), ("", "council"),
     {"lived": ("labour", "public"), "race": ("asian", "public"), "gender": ("woman", "council"),
      "immigration": ("survivor_visa", "council"), "disability": ("yes", "me")}),
]


def demo_council() -> Iterator[str]:
    """Create the sample council once."""
    if Member.select().exists():
        yield "The council already has members; left as it is."
        return
    with current_app.test_request_context("/"):
        yield _fill()


def _account(username: str) -> User:
    user = User.by_username(username)
    if user is None:
        # an account nobody can log in to (no password was ever set): a roster entry only
        user = User.create(username=username, role=COUNCIL, password_hash="!",  # noqa: S106 - no hash matches it
                           created_on=clock.utc_now().date())
    return user


def _fill() -> str:
    staff = User.by_username("demo-staff")
    today = clock.today()
    service.save_settings(
        staff, "Write to the council at council@example.org or leave a note at the front desk "
        "addressed to “Advisory council”. Members answer within a week.",
        "Escribe al consejo a council@example.org o deja una nota en la recepción dirigida al "
        "«Consejo asesor». Los miembros responden en una semana.", True,
        ["lived:labour", "lived:sex", "sex_trade:consensual", "immigration:undocumented",
         "gender:trans_man", "age:65_up"], "25.00", "USD")
    members = []
    for username, name, public, pronouns, about, categories in MEMBERS:
        user = _account(username)
        member = service.add_member(staff, user.id, name, today - dt.timedelta(days=200),
                                    today + dt.timedelta(days=530))
        texts = {"pronouns": pronouns, "about": about, "languages": ("English, Spanish", "council")}
        service.save_profile(user, member, name, public, None, texts,
                             {key: value for key, value in categories.items()})
        members.append((user, member))

    closed = service.save_proposal(
        staff, None, "Evening drop-in hours",
        "Should the drop-in stay open until 9 pm on Tuesdays and Thursdays instead of closing at 6?",
        "Several people told us in the needs survey that they work during the day. Staying open "
        "later means **two fewer morning hours** on those days.", "", today + dt.timedelta(days=3))
    service.open_proposal(staff, closed)
    for (user, member), position, comment, hidden in zip(
            members, ["support", "concerns", "support", "object", "support"],
            ["Yes. Most of us cannot come before six.", "Only if there are two staff at night.",
             "", "Mornings are when the clinic is there. Do not move it.", ""],
            [False, False, False, True, False], strict=False):
        service.respond(user, member, closed, position, comment, hidden)
    service.record_decision(staff, closed, "Open until 9 pm on Thursdays from next month; "
                            "Tuesdays stay as they are.",
                            "Two staff on every late shift, and the clinic keeps its morning.")
    service.set_published(staff, closed, True)
    closed.closes_on = today - dt.timedelta(days=10)
    closed.save()

    open_now = service.save_proposal(
        staff, None, "Who answers the phone line at weekends",
        "Should a peer worker (paid) answer the weekend phone line instead of the answering service?",
        "The answering service costs about the same as a peer worker for 8 hours a week.",
        "- Call figures for last year: 1,240 weekend calls\n- https://example.org/phone-line-review",
        today + dt.timedelta(days=12))
    service.open_proposal(staff, open_now)
    for (user, member), position in zip(members[1:3], ["support", "concerns"], strict=False):
        service.respond(user, member, open_now, position, "", False)

    past = service.save_meeting(staff, None, today - dt.timedelta(days=14), "Spring council meeting",
                                120, "1. Welcome\n2. Evening hours\n3. Stipend payments",
                                "We agreed to ask the whole council about evening hours.")
    service.set_attendance(staff, past, [m.public_id for _, m in members[:5]])
    service.save_meeting(staff, None, today + dt.timedelta(days=16), "Summer council meeting", 90,
                         "1. Weekend phone line\n2. Anything members bring", "")
    service.log_participation(staff, members[0][1].public_id, today - dt.timedelta(days=5), "review",
                              45, "", "Read the phone line proposal with the team")
    return (f"Created the advisory council: {len(members)} members (demo-council among them), an "
            f"open proposal, a decision published on /council, two meetings and stipend records "
            f"on /staff/council/participation.")
