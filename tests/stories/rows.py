"""The stories area's rows for the shared suites (see tests/support/rows.py)."""
from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path

from support.canary import Visitor
from support.hostile import CHOICE, SECRET, TEXT, Field, HostileForm
from support.screens import Screen, go, submit
from support.world import World

sys.path.insert(0, str(Path(__file__).resolve().parent))
from story_factories import draft  # noqa: E402

from portal.text import plain_text  # noqa: E402

CHANNEL_VALUES = ("training", "funders", "website", "social", "print", "press", "advocacy")
ATTRIBUTION_VALUES = ("real_name", "pseudonym", "initials", "anonymous")


# --- making stories ------------------------------------------------------------------------


def seed_story(*, used: bool = True, withdrawn: list[str] | None = None, **overrides) -> tuple[str, int]:
    """A story recorded through the service with a use on the website and in a funder report,
    optionally withdrawn from some channels; returns (its code, its public id). Database open."""
    from portal.stories import service

    channels = overrides.pop("channels", {"website": "No photo.", "funders": "", "print": ""})
    story, code = service.create_story(None, draft(channels=channels, **overrides))
    if used:
        key = service.key_for_code(story, code)
        service.use_story(story, "website", "Stories page", None, "https://example.org/stories/rosa",
                          story.attribution, conditions_respected=True, item_key=key)
        service.use_story(story, "funders", "Annual report", None, "City report, page 4",
                          story.attribution, item_key=key)
    if withdrawn is not None:
        service.withdraw(story, withdrawn, "code")
    return code, story.public_id


def _in_world(world: World, name: str, **options) -> tuple[str, int]:
    """A story made once per world under this name: (code, public id)."""
    if name not in world.objects:
        def run():
            with world.app.test_request_context("/"):
                return seed_story(**options)
        world.objects[name] = world.query(run)
    return world.objects[name]


def _task(world: World) -> int:
    """An open takedown task (a story used on the website, then withdrawn from it)."""
    if "story-task" not in world.objects:
        def run():
            from portal.stories.models import Story, StoryTakedown

            with world.app.test_request_context("/"):
                _, public_id = seed_story(withdrawn=["website"])
                story = Story.get(Story.public_id == public_id)
                return StoryTakedown.select().where(StoryTakedown.story == story).first().public_id
        world.objects["story-task"] = world.query(run)
    return world.objects["story-task"]


ARGUMENTS: dict[str, Callable[[World], object]] = {
    "story_id": lambda world: _in_world(world, "story")[1],
    "task_id": _task,
}

# --- what the stored rows say, opened with the organisation key ------------------------------


def _opened(column: str, model: str = "Story") -> Callable[[], list]:
    """Every value of an encrypted column, opened with the organisation key ("" for none)."""
    def read() -> list:
        from support.sealing import org_private_key

        from portal.accounts import sealed
        from portal.stories import models

        reader = sealed.Reader(org_private_key())
        table = getattr(models, model)
        texts = []
        for row in table.select():
            story = row if model == "Story" else models.Story.get_by_id(row.story_id)
            value = sealed.decrypt(getattr(row, column), reader.item_key(story.sealed_key))
            texts.append(value if value is not None else "")
        return texts
    return read


def _stripped(value: str) -> str:
    return plain_text(value).strip()


# --- hostile input ---------------------------------------------------------------------------


def _newest_pages(world: World) -> list[tuple[str, str]]:
    from portal.stories.models import Story

    newest = world.query(lambda: Story.select().order_by(Story.id.desc()).first())
    pages = [("staff", "/staff/stories")]
    return pages + ([("staff", f"/staff/stories/{newest.public_id}")] if newest else [])


def _story_page(name: str) -> Callable[[World], list[tuple[str, str]]]:
    return lambda world: [("staff", f"/staff/stories/{_in_world(world, name)[1]}")]


def _new_story(world: World) -> dict:
    today = dt.date.today()
    return {"title": "Staying for the people", "story_text": "I stayed for the people.",
            "content_notes": "", "attribution": "pseudonym", "credit_name": "Rosa", "real_name": "",
            "channel_website": "y", "conditions_website": "No photo.", "channel_print": "y",
            "conditions_print": "", "consent_given_on": today.isoformat(),
            "consent_expires_on": (today + dt.timedelta(days=365)).isoformat(),
            "consent_method": "in_person", "consent_language": "en", "wording_version": "2026-1"}


def _renewal(world: World) -> dict:
    today = dt.date.today()
    return {"consent_given_on": today.isoformat(), "consent_method": "phone", "consent_language": "es",
            "wording_version": "2026-2", "consent_expires_on": (today + dt.timedelta(days=300)).isoformat()}


DAY = Field(CHOICE, choices=("",))

FORMS: list[HostileForm] = [
    HostileForm("story", "staff", lambda w: "/staff/stories/new", _new_story,
                {"title": Field(TEXT, sealed=_opened("title")),
                 "story_text": Field(TEXT, sealed=_opened("sealed_text")),
                 "content_notes": Field(TEXT, sealed=_opened("content_notes")),
                 "real_name": Field(TEXT, stored_as=_stripped, sealed=_opened("real_name")),
                 "credit_name": Field(TEXT, stored_as=_stripped, sealed=_opened("credit_name")),
                 "conditions_website": Field(TEXT, stored_as=_stripped,
                                             sealed=_opened("conditions", "StoryChannel")),
                 "conditions_print": Field(TEXT, stored_as=_stripped,
                                           sealed=_opened("conditions", "StoryChannel")),
                 "attribution": Field(CHOICE, choices=ATTRIBUTION_VALUES),
                 "consent_method": Field(CHOICE, choices=("in_person", "phone", "written")),
                 "consent_language": Field(CHOICE, choices=("en", "es", "other")),
                 "wording_version": Field(TEXT, stored_as=_stripped),
                 "consent_given_on": DAY, "consent_expires_on": DAY,
                 "channel_website": Field(SECRET), "edits_need_approval": Field(SECRET)},
                shows=_newest_pages),
    HostileForm("use story", "staff", lambda w: f"/staff/stories/{_in_world(w, 'story-use')[1]}/use",
                lambda w: {"channel": "funders", "purpose": "Annual report", "place": "City report",
                           "attribution": "pseudonym"},
                {"channel": Field(CHOICE, choices=CHANNEL_VALUES),
                 "purpose": Field(TEXT, stored_as=_stripped, sealed=_opened("purpose", "StoryUse")),
                 "place": Field(TEXT, stored_as=_stripped, sealed=_opened("place", "StoryUse")),
                 "attribution": Field(CHOICE, choices=ATTRIBUTION_VALUES),
                 "conditions_respected": Field(SECRET), "download": Field(SECRET)},
                shows=_story_page("story-use")),
    HostileForm("edit story", "staff", lambda w: f"/staff/stories/{_in_world(w, 'story-edit')[1]}/edit",
                lambda w: {"title": "A new title", "story_text": "Shorter words.", "content_notes": "",
                           "approved": "y"},
                {"title": Field(TEXT, sealed=_opened("title")),
                 "story_text": Field(TEXT, sealed=_opened("sealed_text")),
                 "content_notes": Field(TEXT, sealed=_opened("content_notes")),
                 "approved": Field(SECRET)},
                shows=_story_page("story-edit")),
    HostileForm("renew consent", "staff",
                lambda w: f"/staff/stories/{_in_world(w, 'story-renew')[1]}/renew", _renewal,
                {"wording_version": Field(TEXT, stored_as=_stripped), "consent_given_on": DAY,
                 "consent_expires_on": DAY,
                 "consent_method": Field(CHOICE, choices=("in_person", "phone", "written")),
                 "consent_language": Field(CHOICE, choices=("en", "es", "other"))},
                shows=_story_page("story-renew")),
    HostileForm("record a withdrawal", "staff",
                lambda w: f"/staff/stories/{_in_world(w, 'story-staff-withdraw')[1]}/withdraw",
                lambda w: {"withdraw_print": "y"},
                {"withdraw_print": Field(SECRET), "withdraw_funders": Field(SECRET),
                 "everything": Field(SECRET)},
                shows=_story_page("story-staff-withdraw")),
    HostileForm("receipt download", "staff",
                lambda w: f"/staff/stories/{_in_world(w, 'story')[1]}/receipt.txt",
                lambda w: {"code": _in_world(w, "story")[0]}, {"code": Field(SECRET)}),
    HostileForm("withdrawal code", "anonymous", lambda w: "/stories/withdraw",
                lambda w: {"code": _in_world(w, "story-lookup")[0]}, {"code": Field(SECRET)}),
    HostileForm("withdraw with the code", "anonymous", lambda w: "/stories/withdraw",
                lambda w: {"code": _in_world(w, "story-withdraw")[0], "withdraw": "y", "withdraw_print": "y"},
                {"code": Field(SECRET), "withdraw_print": Field(SECRET),
                 "everything": Field(SECRET), "withdraw": Field(SECRET)},
                shows=_story_page("story-withdraw")),
]

# --- the anonymity canary ----------------------------------------------------------------------


def _seed_story(visitor: Visitor, state: dict) -> None:
    """A story written straight into the server's database, as staff record one, but without the
    timed rows staff actions leave (an audit entry, a use), which are not the storyteller's."""
    from portal import create_app
    from portal.db import close_pool
    from portal.stories import service
    from portal.stories.models import StoryChannel

    env = visitor.server.env
    app = create_app({"DATABASE_URL": env["PORTAL_DATABASE_URL"], "SECRET_KEY": env["PORTAL_SECRET_KEY"],
                      "INSTANCE_PATH": env["PORTAL_INSTANCE_PATH"], "AUTO_INIT_DB": False,
                      "RATELIMIT_ENABLED": False, "TESTING": True})
    from portal.accounts import sealed
    from portal.db import db, new_public_id
    from portal.stories.models import Story

    code = service.new_code()
    with app.test_request_context("/"), db.connection_context():
        item_key = sealed.new_item_key()
        today = dt.date.today()
        story = Story.create(
            public_id=new_public_id(),
            code_hash=service.code_hash(code), sealed_key=sealed.seal_item_key(item_key),
            code_key=sealed.wrap_for_code(item_key, code, service.KEY_PURPOSE),
            title=sealed.encrypt(f"Canary story {state['message'][-10:]}", item_key),
            sealed_text=sealed.encrypt(state["message"] + " (story)", item_key), attribution="anonymous",
            consent_given_on=today, consent_method="in_person", consent_language="en",
            wording_version="2026-1", consent_expires_on=today + dt.timedelta(days=365), created_on=today)
        for channel in ("website", "print"):
            StoryChannel.create(story=story, channel=channel)
    close_pool()
    formatted = service.codes.format_code(code)
    state["story_code"] = formatted
    state.setdefault("secrets", []).extend([formatted, code])


def _open_story(visitor: Visitor, state: dict) -> None:
    answer = visitor.post("/stories/withdraw", {"code": state["story_code"].lower()})
    assert answer.status_code == 200 and "Canary story" in answer.text


def _withdraw_story(visitor: Visitor, state: dict) -> None:
    answer = visitor.post("/stories/withdraw", {"code": state["story_code"], "withdraw": "y",
                                                "withdraw_website": "y"})
    assert answer.status_code == 200 and "will not use your story in these ways again" in answer.text


def _wrong_story_code(visitor: Visitor, state: dict) -> None:
    answer = visitor.post("/stories/withdraw", {"code": "0000-0000-0000-0000"})
    assert answer.status_code == 200 and "Canary story" not in answer.text


CANARY_FLOW = [_seed_story, _open_story, _withdraw_story, _wrong_story_code]

# --- pages for the accessibility check ---------------------------------------------------------


def seed_on_server(server, **options) -> tuple[str, int]:
    """A story made on the live server's database: (code, public id)."""
    def work():
        with server.app.test_request_context("/"):
            return seed_story(**options)
    return server.run(work)


def _staff_story(**options) -> Callable:
    return lambda page, server: page.goto(f"/staff/stories/{seed_on_server(server, **options)[1]}")


def _new_errors(page, server) -> None:
    page.goto("/staff/stories/new")
    submit(page, "main form button[type=submit]")


def _fill_new(page) -> None:
    page.locator("[name=title]").fill("Staying for the people")
    page.locator("[name=story_text]").fill("I stayed for the people.")
    page.locator("#attribution-1").check()
    page.locator("[name=credit_name]").fill("Rosa")
    page.locator("[name=channel_website]").check()
    page.locator("[name=conditions_website]").fill("No photo.")


def _receipt(page, server) -> None:
    page.goto("/staff/stories/new")
    _fill_new(page)
    submit(page, "main form button[type=submit]")


def _use_refused(page, server) -> None:
    page.goto(f"/staff/stories/{seed_on_server(server)[1]}")
    page.locator("[name=channel]").select_option("funders")
    page.locator("[name=purpose]").fill("Annual report")
    page.locator("[name=place]").fill("City report")
    # not the credit the storyteller chose: the gate refuses
    page.locator("[name=attribution]").select_option("real_name")
    submit(page, "main form:has([name=purpose]) button[type=submit]")


def _export(page, server) -> None:
    page.goto(f"/staff/stories/{seed_on_server(server)[1]}")
    page.locator("[name=channel]").select_option("funders")
    page.locator("[name=purpose]").fill("Annual report")
    page.locator("[name=place]").fill("Report page 4")
    with page.expect_navigation():
        page.locator("main form:has([name=purpose]) button[type=submit]").first.click()


def _edit_errors(page, server) -> None:
    page.goto(f"/staff/stories/{seed_on_server(server)[1]}/edit")
    submit(page, "main form button[type=submit]")


def _lookup(page, code: str) -> None:
    page.goto("/stories/withdraw")
    page.locator("main form [name=code]").fill(code)
    submit(page, "main form:has([name=code]) button[type=submit]")


def _withdraw_page(page, server) -> None:
    _lookup(page, seed_on_server(server)[0])


def _withdraw_errors(page, server) -> None:
    _withdraw_page(page, server)
    submit(page, "main form:has([name=withdraw]) button[type=submit]")


def _withdraw_done(page, server) -> None:
    _withdraw_page(page, server)
    page.locator("#withdraw_website").check()
    submit(page, "main form:has([name=withdraw]) button[type=submit]")


def _takedowns(page, server) -> None:
    seed_on_server(server, withdrawn=["website"])
    page.goto("/staff/stories/takedowns")


def _ending_soon(page, server) -> None:
    seed_on_server(server, consent_expires_on=dt.date.today() + dt.timedelta(days=9))
    page.goto("/staff/stories")


SCREENS = [
    Screen("staff-stories", "stories.staff_list", "staff", _ending_soon),
    Screen("staff-story-new", "stories.staff_new", "staff", go("/staff/stories/new")),
    Screen("staff-story-new-errors", "stories.staff_new", "staff", _new_errors),
    Screen("staff-story-receipt", "stories.staff_new", "staff", _receipt),
    Screen("staff-story", "stories.staff_story", "staff", _staff_story(withdrawn=["website"])),
    Screen("staff-story-all-withdrawn", "stories.staff_story", "staff", _staff_story(withdrawn=[])),
    Screen("staff-story-use-refused", "stories.staff_use", "staff", _use_refused),
    Screen("staff-story-export", "stories.staff_use", "staff", _export),
    Screen("staff-story-text", "stories.staff_text", "staff",
           lambda page, server: page.goto(f"/staff/stories/{seed_on_server(server)[1]}/text")),
    Screen("staff-story-edit", "stories.staff_edit", "staff",
           lambda page, server: page.goto(f"/staff/stories/{seed_on_server(server)[1]}/edit")),
    Screen("staff-story-edit-errors", "stories.staff_edit", "staff", _edit_errors),
    Screen("staff-story-receipt-again", "stories.staff_receipt", "staff",
           lambda page, server: page.goto(f"/staff/stories/{seed_on_server(server)[1]}/receipt")),
    Screen("staff-story-takedowns", "stories.staff_takedowns", "staff", _takedowns),
    Screen("stories-withdraw", "stories.withdraw", None, go("/stories/withdraw")),
    Screen("stories-withdraw-unknown", "stories.withdraw", None,
           lambda page, server: _lookup(page, "AAAA-BBBB-CCCC-DDDD")),
    Screen("stories-withdraw-story", "stories.withdraw", None, _withdraw_page),
    Screen("stories-withdraw-errors", "stories.withdraw", None, _withdraw_errors),
    Screen("stories-withdraw-done", "stories.withdraw", None, _withdraw_done),
]

NOT_PAGES = {"stories.staff_receipt_text", "stories.staff_uses_csv"}
