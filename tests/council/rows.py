"""The council area's rows for the shared suites (see tests/support/rows.py)."""
from __future__ import annotations

import datetime as dt
import secrets
import sys
from collections.abc import Callable
from pathlib import Path

from support.canary import Visitor
from support.hostile import CHOICE, SECRET, TEXT, VALUE, Field, HostileForm
from support.screens import Screen, go, submit
from support.world import World

sys.path.insert(0, str(Path(__file__).resolve().parent))
from council_factories import staff_actor  # noqa: E402

from portal.clock import today  # noqa: E402

# --- what URL arguments name -------------------------------------------------------------------


def _in_world(world: World, name: str, build: Callable[[], object]):
    """An object made once per world, inside a request."""
    if name not in world.objects:
        def run():
            with world.app.test_request_context("/"):
                return build()
        world.objects[name] = world.query(run)
    return world.objects[name]


def _membership(world: World, role: str = "council"):
    """The roster entry of the world's council member (the owner of what others try to touch)."""
    from portal.council import service
    from portal.council.models import Member

    account = world.account(role)

    def build():
        found = Member.get_or_none(Member.user == account.id)
        return found or service.add_member(staff_actor(), account.id, "Rosa",
                                           today() - dt.timedelta(days=10), None)
    return _in_world(world, f"member-{role}", build)


def _member_id(world: World) -> int:
    return _membership(world).public_id


def _proposal(world: World) -> int:
    """An open proposal closing in a week."""
    from portal.council import service

    def build():
        proposal = service.save_proposal(staff_actor(), None, "Evening hours", "Open until 9?",
                                         "Background", "", today() + dt.timedelta(days=7))
        service.open_proposal(staff_actor(), proposal)
        return proposal.public_id
    return _in_world(world, "proposal", build)


def _meeting(world: World) -> int:
    from portal.council import service

    return _in_world(world, "meeting", lambda: service.save_meeting(
        staff_actor(), None, today(), "Spring meeting", 90, "1. Welcome", "").public_id)


def _entry(world: World) -> int:
    """A participation entry (each world makes a new one: deleting it is what its route does)."""
    from portal.council import service

    member_id = _member_id(world)

    def build():
        return service.log_participation(staff_actor(), member_id, today(), "review", 30, "",
                                         "Read a proposal").public_id
    return world.query(lambda: _run_in_request(world, build))


def _run_in_request(world: World, build: Callable[[], object]):
    with world.app.test_request_context("/"):
        return build()


ARGUMENTS: dict[str, Callable[[World], object]] = {
    "proposal_id": _proposal,
    "member_id": _member_id,
    "meeting_id": _meeting,
    "entry_id": _entry,
}

# --- hostile input -----------------------------------------------------------------------------


def _day(value: str) -> dt.date:
    """How a date field reads a value (WTForms' DateField: exactly YYYY-MM-DD)."""
    return dt.datetime.strptime(value, "%Y-%m-%d").date()


def _future_day(value: str) -> dt.date:
    """A closing day: today or later."""
    day = _day(value)
    if day < today():
        raise ValueError("in the past")
    return day


def _minutes(value: str) -> int:
    number = int(value)
    if not 1 <= number <= 1440:
        raise ValueError("out of range")
    return number


def _rate(value: str) -> int | None:
    from portal.council import service

    if not value.strip():
        return None
    return service.parse_money(value)


def _required_rate(value: str) -> int:
    from portal.council import service

    return service.parse_money(value)


def _be_member(world: World) -> None:
    _membership(world)


def _profile_values(world: World) -> dict:
    from portal.council.categories import CATEGORIES, TEXT_FIELDS

    data = {"name": "Rosa", "email": ""}
    for key, _ in TEXT_FIELDS:
        data[f"text_{key}"], data[f"vis_{key}"] = "Some words", "council"
    for category in CATEGORIES:
        data[f"cat_{category.key}"], data[f"vis_{category.key}"] = "prefer_not", "council"
    return data


VISIBILITIES = ("public", "council", "me")
PROPOSAL_FIELDS = {
    "title": Field(TEXT, stored_as=str.strip), "question": Field(TEXT), "background": Field(TEXT),
    "attachments": Field(TEXT), "closes_on": Field(VALUE, stored_as=_future_day),
}
MEETING_FIELDS = {
    "held_on": Field(VALUE, stored_as=_day), "title": Field(TEXT, stored_as=str.strip),
    "minutes": Field(VALUE, stored_as=_minutes), "agenda": Field(TEXT), "notes": Field(TEXT),
}


def _proposal_values(world: World) -> dict:
    return {"title": "Phone line", "question": "Peer worker at weekends?", "background": "",
            "attachments": "", "closes_on": (today() + dt.timedelta(days=5)).isoformat()}


def _meeting_values(world: World) -> dict:
    return {"held_on": today().isoformat(), "title": "Meeting", "minutes": "60", "agenda": "",
            "notes": ""}


def _fresh_account(world: World) -> None:
    """A council account not on the roster yet, for the next "add a member"."""
    from support.world import make_account

    world.objects["fresh-account"] = make_account(world.app, "council", f"new-{secrets.token_hex(4)}")


FORMS: list[HostileForm] = [
    HostileForm("council profile", "council", lambda w: "/council/profile", _profile_values,
                {"name": Field(TEXT, stored_as=str.strip), "email": Field(SECRET),
                 "name_public": Field(SECRET),
                 "text_pronouns": Field(SECRET), "text_languages": Field(SECRET),
                 "text_about": Field(SECRET),
                 "vis_about": Field(CHOICE, choices=VISIBILITIES),
                 "cat_gender": Field(CHOICE, choices=("", "woman", "man", "nonbinary", "trans_woman",
                                                      "trans_man", "two_spirit", "other", "prefer_not")),
                 "vis_gender": Field(CHOICE, choices=VISIBILITIES)},
                shows=lambda w: [("other_council", "/council/members"),
                                 ("staff", f"/staff/council/members/{_member_id(w)}"),
                                 ("anonymous", "/council")],
                prepare=_be_member),
    HostileForm("council response", "council", lambda w: f"/council/proposals/{_proposal(w)}",
                lambda w: {"position": "support", "comment": "Fine by me"},
                {"position": Field(CHOICE, choices=("support", "concerns", "object", "abstain")),
                 "comment": Field(SECRET), "hide_name": Field(SECRET)},
                shows=lambda w: [("staff", f"/staff/council/proposals/{_proposal(w)}")],
                prepare=_be_member),
    HostileForm("add a council member", "staff", lambda w: "/staff/council",
                lambda w: {"account": str(w.objects["fresh-account"].id), "name": "Ama",
                           "term_starts": today().isoformat(), "term_ends": ""},
                {"name": Field(TEXT, stored_as=str.strip), "term_starts": Field(VALUE, stored_as=_day)},
                shows=lambda w: [("staff", "/staff/council")], prepare=_fresh_account),
    HostileForm("council member name and term", "staff",
                lambda w: f"/staff/council/members/{_member_id(w)}",
                lambda w: {"account": "", "name": "Rosa", "term_starts": today().isoformat(),
                           "term_ends": ""},
                {"name": Field(TEXT, stored_as=str.strip), "term_starts": Field(VALUE, stored_as=_day),
                 "term_ends": Field(VALUE, stored_as=lambda v: _day(v) if v else None)},
                shows=lambda w: [("staff", "/staff/council"), ("council", "/council/members")]),
    HostileForm("new council proposal", "staff", lambda w: "/staff/council/proposals/new",
                _proposal_values, PROPOSAL_FIELDS, shows=lambda w: [("staff", "/staff/council/proposals")]),
    HostileForm("change council proposal", "staff",
                lambda w: f"/staff/council/proposals/{_proposal(w)}", _proposal_values,
                PROPOSAL_FIELDS,
                shows=lambda w: [("council", f"/council/proposals/{_proposal(w)}"),
                                 ("council", "/council/home")]),
    HostileForm("council decision", "staff",
                lambda w: f"/staff/council/proposals/{_proposal(w)}/decision",
                lambda w: {"decision": "Yes", "action": "We open late"},
                {"decision": Field(TEXT), "action": Field(TEXT)},
                shows=lambda w: [("council", f"/council/proposals/{_proposal(w)}"),
                                 ("anonymous", "/council")]),
    HostileForm("publish council outcome", "staff",
                lambda w: f"/staff/council/proposals/{_proposal(w)}/publish",
                lambda w: {"publish": "no"}, {"publish": Field(CHOICE, choices=("yes", "no"))}),
    HostileForm("new council meeting", "staff", lambda w: "/staff/council/meetings", _meeting_values,
                MEETING_FIELDS, shows=lambda w: [("staff", "/staff/council/meetings")]),
    HostileForm("change council meeting", "staff", lambda w: f"/staff/council/meetings/{_meeting(w)}",
                _meeting_values, MEETING_FIELDS,
                shows=lambda w: [("council", f"/council/meetings/{_meeting(w)}"),
                                 ("council", "/council/home")]),
    HostileForm("council attendance", "staff",
                lambda w: f"/staff/council/meetings/{_meeting(w)}/attendance",
                lambda w: {"present": str(_member_id(w))},
                {"present": Field(CHOICE, choices=("",))}),
    HostileForm("log council time", "staff", lambda w: "/staff/council/participation",
                lambda w: {"member": str(_member_id(w)), "worked_on": today().isoformat(),
                           "kind": "review", "minutes": "30", "rate": "", "note": ""},
                {"worked_on": Field(VALUE, stored_as=_day), "minutes": Field(VALUE, stored_as=_minutes),
                 "rate": Field(VALUE, stored_as=_rate), "note": Field(TEXT, stored_as=str.strip),
                 "kind": Field(CHOICE, choices=("meeting", "review", "other"))},
                shows=lambda w: [("staff", "/staff/council/participation"), ("council", "/council/home")]),
    HostileForm("council settings", "staff", lambda w: "/staff/council/settings",
                lambda w: {"contact_en": "", "contact_es": "", "rate": "25.00", "currency": "USD"},
                {"contact_en": Field(TEXT), "contact_es": Field(TEXT),
                 "rate": Field(VALUE, stored_as=_required_rate),
                 "currency": Field(TEXT, stored_as=str.strip),
                 "wanted": Field(CHOICE, choices=("", "lived:labour", "gender:woman"))},
                shows=lambda w: [("anonymous", "/council"), ("council", "/council/home")]),
]

# --- the anonymity canary ----------------------------------------------------------------------


def _read_the_council_page(visitor: Visitor, state: dict) -> None:
    page = visitor.get("/council")
    assert page.status_code == 200 and "Advisory council" in page.text
    # a member's pages ask for a login, and say nothing about who is on the council
    assert visitor.get("/council/proposals").status_code == 302


CANARY_FLOW = [_read_the_council_page]

# --- pages for the accessibility check ---------------------------------------------------------


def _seed(server, *, members: int = 0, proposal: str | None = None, responses: int = 0,
          decided: bool = False, published: bool = False, meeting: bool = False,
          join_newest: bool = False) -> dict:
    """Council records made on the server; join_newest puts the account that just logged in on
    the roster. Returns the public ids made."""
    from portal.accounts.models import User
    from portal.council import service
    from portal.council.models import Member

    def work():
        made: dict = {}
        with server.app.test_request_context("/"):
            actor = staff_actor()
            if join_newest:
                newest = (User.select().where((User.role == "council")
                                              & User.id.not_in(Member.select(Member.user)))
                          .order_by(User.id.desc()).first())
                made["self"] = service.add_member(actor, newest.id, "Rosa",
                                                  today() - dt.timedelta(days=3), None).public_id
            people = []
            for n in range(members):
                account = User.create(username=f"screen-{secrets.token_hex(4)}", role="council",
                                      password_hash="!", created_on=today())  # noqa: S106
                member = service.add_member(actor, account.id, f"Member {n}",
                                            today() - dt.timedelta(days=30), None)
                service.save_profile(account, member, f"Member {n}", n % 2 == 0, None,
                                     {"pronouns": ("she/her", "public"),
                                      "about": ("I came here in 2019 and stayed.", "council")},
                                     {"gender": ("woman" if n % 3 else "man", "council"),
                                      "age": ("25_34", "me")})
                people.append((account, member))
            if proposal:
                item = service.save_proposal(actor, None, "Evening drop-in hours",
                                             "Should the drop-in stay open until 9 pm?",
                                             "People told us they **work days**.\n\n- one\n- two",
                                             "https://example.org/review", today() + dt.timedelta(days=4))
                if proposal != "draft":
                    service.open_proposal(actor, item)
                for account, member in people[:responses]:
                    service.respond(account, member, item, "concerns", "Only with two staff.", False)
                if decided:
                    service.record_decision(actor, item, "Open until 9 on Thursdays.",
                                            "Two staff on each late shift.")
                if published:
                    service.set_published(actor, item, True)
                if proposal == "closed":
                    item.closes_on = today() - dt.timedelta(days=1)
                    item.save()
                made["proposal"] = item.public_id
            if meeting:
                item = service.save_meeting(actor, None, today(), "Spring meeting", 90,
                                            "1. Welcome\n2. Evening hours", "We agreed to ask everyone.")
                service.set_attendance(actor, item, [m.public_id for _, m in people])
                service.log_participation(actor, people[0][1].public_id if people else made["self"],
                                          today(), "review", 45, "", "Read the proposal")
                made["meeting"] = item.public_id
            if join_newest and (meeting or responses):
                service.log_participation(actor, made["self"], today(), "meeting", 90, "", "Meeting")
        return made
    return server.run(work)


def _member_visit(path: str, **seed) -> Callable:
    """A logged-in council member, put on the roster, visits a page."""
    def visit(page, server):
        made = _seed(server, join_newest=True, **seed)
        page.goto(path.format(**made))
    return visit


def _staff_visit(path: str, **seed) -> Callable:
    def visit(page, server):
        made = _seed(server, **seed)
        page.goto(path.format(**made))
    return visit


def _profile_errors(page, server) -> None:
    _seed(server, join_newest=True)
    page.goto("/council/profile")
    page.locator("#name").fill("")
    page.locator("#text_pronouns").fill("x" * 61)
    submit(page, "main form button[type=submit]")


def _response_errors(page, server) -> None:
    made = _seed(server, join_newest=True, proposal="open")
    page.goto(f"/council/proposals/{made['proposal']}")
    page.locator("#comment").fill("x" * 5001)
    submit(page, "main form button[type=submit]")


def _responded(page, server) -> None:
    made = _seed(server, join_newest=True, proposal="open", members=3, responses=2)
    page.goto(f"/council/proposals/{made['proposal']}")
    page.locator("#position").select_option("object")
    page.locator("#comment").fill("Mornings matter for the clinic.")
    submit(page, "main form button[type=submit]")


def _add_member_errors(page, server) -> None:
    page.goto("/staff/council")
    submit(page, "main form button[type=submit]")


def _proposal_new_errors(page, server) -> None:
    page.goto("/staff/council/proposals/new")
    page.locator("#closes_on").fill("2001-01-01")
    submit(page, "main form button[type=submit]")


def _settings_errors(page, server) -> None:
    page.goto("/staff/council/settings")
    page.locator("#rate").fill("lots")
    submit(page, "main form button[type=submit]")


def _participation_errors(page, server) -> None:
    _seed(server, members=1)
    page.goto("/staff/council/participation")
    submit(page, "main form[method=post] button[type=submit]")


def _no_roster(page, server) -> None:
    page.goto("/council/home")


SCREENS = [
    Screen("council-public", "council.public_page", None,
           _staff_visit("/council", members=6, proposal="closed", responses=3, decided=True,
                        published=True)),
    Screen("council-home", "council.member_home", "council",
           _member_visit("/council/home", members=2, proposal="open", meeting=True)),
    Screen("council-home-not-on-roster", "council.member_home", "council", _no_roster),
    Screen("council-members", "council.member_roster", "council",
           _member_visit("/council/members", members=3)),
    Screen("council-profile", "council.profile", "council", _member_visit("/council/profile")),
    Screen("council-profile-errors", "council.profile", "council", _profile_errors),
    Screen("council-proposals", "council.proposals", "council",
           _member_visit("/council/proposals", members=1, proposal="open", responses=1)),
    Screen("council-proposal", "council.proposal", "council",
           _member_visit("/council/proposals/{proposal}", members=2, proposal="open", responses=2)),
    Screen("council-proposal-errors", "council.proposal", "council", _response_errors),
    Screen("council-proposal-responded", "council.proposal", "council", _responded),
    Screen("council-proposal-closed", "council.proposal", "council",
           _member_visit("/council/proposals/{proposal}", members=3, proposal="closed", responses=3,
                         decided=True)),
    Screen("council-meeting", "council.meeting", "council",
           _member_visit("/council/meetings/{meeting}", members=1, meeting=True)),
    Screen("staff-council-roster", "council.staff_roster", "staff",
           _staff_visit("/staff/council", members=3)),
    Screen("staff-council-roster-errors", "council.staff_roster", "staff", _add_member_errors),
    Screen("staff-council-member", "council.staff_member", "staff",
           lambda page, server: page.goto(
               f"/staff/council/members/{_first_member(server, _seed(server, members=2))}")),
    Screen("staff-council-diversity", "council.staff_diversity", "staff",
           _staff_visit("/staff/council/diversity", members=7)),
    Screen("staff-council-settings", "council.staff_settings", "staff", go("/staff/council/settings")),
    Screen("staff-council-settings-errors", "council.staff_settings", "staff", _settings_errors),
    Screen("staff-council-proposals", "council.staff_proposals", "staff",
           _staff_visit("/staff/council/proposals", members=1, proposal="open", responses=1)),
    Screen("staff-council-proposal-new", "council.staff_proposal_new", "staff",
           go("/staff/council/proposals/new")),
    Screen("staff-council-proposal-new-errors", "council.staff_proposal_new", "staff",
           _proposal_new_errors),
    Screen("staff-council-proposal-draft", "council.staff_proposal", "staff",
           _staff_visit("/staff/council/proposals/{proposal}", proposal="draft")),
    Screen("staff-council-proposal-decided", "council.staff_proposal", "staff",
           _staff_visit("/staff/council/proposals/{proposal}", members=3, proposal="closed",
                        responses=3, decided=True, published=True)),
    Screen("staff-council-meetings", "council.staff_meetings", "staff",
           _staff_visit("/staff/council/meetings", members=1, meeting=True)),
    Screen("staff-council-meeting", "council.staff_meeting", "staff",
           _staff_visit("/staff/council/meetings/{meeting}", members=2, meeting=True)),
    Screen("staff-council-participation", "council.staff_participation", "staff",
           _staff_visit("/staff/council/participation", members=2, meeting=True)),
    Screen("staff-council-participation-errors", "council.staff_participation", "staff",
           _participation_errors),
]


def _first_member(server, made: dict) -> int:
    from portal.council.models import Member

    return server.run(lambda: Member.select().order_by(Member.id.desc()).first().public_id)


NOT_PAGES = {"council.staff_participation_csv"}
