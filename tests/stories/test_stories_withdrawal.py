"""Withdrawal with the code from the receipt: no account, no other detail, effective at once,
takedown tasks for every past use; and the code itself: any spacing or case, wrong ones reveal nothing."""
from __future__ import annotations

import pytest
from story_factories import as_staff
from support.world import sign_in, text_of_class

from portal import codes
from portal.db import db
from portal.stories import service
from portal.stories.models import Story, StoryChannel, StoryTakedown, StoryUse

NEW_STORY = {"title": "Staying for the people", "story_text": "Maria Lopez found a home here.",
             "content_notes": "", "attribution": "pseudonym", "credit_name": "Rosa",
             "real_name": "Maria Lopez", "channel_website": "y", "conditions_website": "No photo.",
             "channel_funders": "y", "conditions_funders": "", "consent_method": "in_person",
             "consent_language": "es", "wording_version": "2026-1", "edits_need_approval": "y"}


@pytest.fixture
def staff_user(make_user):
    return make_user("staff")


@pytest.fixture
def staff_client(app, staff_user):
    browser = app.test_client()
    sign_in(browser, staff_user)
    return browser


def record_story(app, staff_client) -> tuple[str, Story]:
    """Record a story through the consent form: (its code as printed, the story)."""
    import datetime as dt

    today = dt.date.today()
    data = {**NEW_STORY, "consent_given_on": today.isoformat(),
            "consent_expires_on": (today + dt.timedelta(days=365)).isoformat()}
    page = staff_client.post("/staff/stories/new", data=data).get_data(as_text=True)
    code = text_of_class(page, "receipt")
    assert code, page
    with app.app_context(), db.connection_context():
        return code, service.find_by_code(code)


def _use(app, staff_user, story, channel="website", place="https://example.org/stories/rosa"):
    with as_staff(app, staff_user) as actor:
        return service.use_story(Story.get_by_id(story.id), channel, "Stories page", actor, place,
                                 "pseudonym", conditions_respected=True)


def test_the_receipt_code_works_in_any_spacing_and_case(app, staff_client):
    code, story = record_story(app, staff_client)
    assert story is not None and len(codes.normalise(code)) == 16
    bare = codes.normalise(code)
    for typed in (code, code.lower(), bare, " ".join(bare[i:i + 4] for i in range(0, 16, 4)),
                  f"  {code.lower().replace('-', ' - ')}  ", code.replace("-", "—")):
        page = app.test_client().post("/stories/withdraw", data={"code": typed}).get_data(as_text=True)
        assert "Staying for the people" in page, typed


def test_only_a_keyed_hash_of_the_code_is_stored(app, staff_client, query):
    code, story = record_story(app, staff_client)
    stored = query(lambda: Story.get_by_id(story.id))
    assert stored.code_hash == query(lambda: codes.keyed_hash(service.CODE_PURPOSE, codes.normalise(code)))
    assert codes.normalise(code).encode() not in bytes(stored.code_key)
    # 16 characters of a 32-letter alphabet: 80 bits
    assert len(codes.normalise(code)) * 5 >= 80


def test_a_wrong_code_reveals_nothing(app, staff_client):
    code, _ = record_story(app, staff_client)
    bare = codes.normalise(code)
    near = bare[:-1] + ("0" if bare[-1] != "0" else "1")
    answers = {}
    for typed in (near, "0000-0000-0000-0000", "", "x" * 500, "<script>", "\x00"):
        response = app.test_client().post("/stories/withdraw", data={"code": typed})
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "Staying for the people" not in html and "Rosa" not in html and "website" not in html.lower()
        answers[typed] = html.count("error")
    assert "We could not find a story for that code" in app.test_client().post(
        "/stories/withdraw", data={"code": near}).get_data(as_text=True)
    assert "Enter the code from your consent receipt." in app.test_client().post(
        "/stories/withdraw", data={"code": ""}).get_data(as_text=True)


def test_withdrawal_blocks_future_uses_at_once_and_makes_a_takedown_task_for_each_past_use(
        app, staff_client, staff_user, query):
    code, story = record_story(app, staff_client)
    _use(app, staff_user, story)
    _use(app, staff_user, story, place="Newsletter mirror of the stories page")
    _use(app, staff_user, story, channel="funders", place="City report")
    page = app.test_client().post("/stories/withdraw", data={
        "code": code.lower(), "withdraw": "y", "withdraw_website": "y"}).get_data(as_text=True)
    assert "We will not use your story in these ways again" in page
    # the same moment: the gate refuses the withdrawn channel and still allows the other
    with pytest.raises(service.ConsentRefused):
        _use(app, staff_user, story)
    _use(app, staff_user, story, channel="funders", place="State report")
    tasks = query(lambda: list(StoryTakedown.select().where(StoryTakedown.story == story.id)))
    assert len(tasks) == 2 and {t.channel for t in tasks} == {"website"}
    staff_page = staff_client.get("/staff/stories/takedowns").get_data(as_text=True)
    assert "Remove it from the website page: https://example.org/stories/rosa" in staff_page
    assert "Remove it from the website page: Newsletter mirror of the stories page" in staff_page
    # staff mark one done
    staff_client.post(f"/staff/stories/takedowns/{tasks[0].public_id}/done")
    assert query(lambda: StoryTakedown.get_by_id(tasks[0].id).done_on) is not None
    assert query(lambda: StoryTakedown.get_by_id(tasks[1].id).done_on) is None


def test_the_storyteller_sees_where_and_when_it_was_used_and_what_cannot_be_recalled(
        app, staff_client, staff_user):
    code, story = record_story(app, staff_client)
    _use(app, staff_user, story)
    page = app.test_client().post("/stories/withdraw", data={"code": code}).get_data(as_text=True)
    assert "https://example.org/stories/rosa" in page
    assert "Copies other people saved cannot be recalled." in page
    assert "never changes the services you receive" in page


def test_withdrawing_everything_leaves_no_allowed_use(app, staff_client, staff_user, query):
    code, story = record_story(app, staff_client)
    _use(app, staff_user, story, channel="funders", place="City report")
    app.test_client().post("/stories/withdraw", data={"code": code, "withdraw": "y", "everything": "y"})
    rows = query(lambda: list(StoryChannel.select().where(StoryChannel.story == story.id)))
    assert rows and all(row.withdrawn_on and row.withdrawn_by == "code" for row in rows)
    for channel in ("website", "funders"):
        with pytest.raises(service.ConsentRefused):
            _use(app, staff_user, story, channel=channel)
    assert query(lambda: StoryUse.select().count()) == 1
    page = app.test_client().post("/stories/withdraw", data={"code": code}).get_data(as_text=True)
    assert "No use of your story is allowed any more" in page


def test_a_withdrawal_asks_for_nothing_but_the_code_and_says_when_nothing_is_chosen(app, staff_client):
    code, story = record_story(app, staff_client)
    response = app.test_client().post("/stories/withdraw", data={
        "code": code, "withdraw": "y", "withdraw_moon": "y"})
    assert response.status_code == 200 and "Choose the uses to withdraw" in response.get_data(as_text=True)
    with pytest.raises(service.StoryError, match="Choose among the listed uses."):
        with app.test_request_context(), db.connection_context():
            service.withdraw(Story.get_by_id(story.id), ["moon"], "code")
    nothing = app.test_client().post("/stories/withdraw", data={"code": code, "withdraw": "y"})
    assert "Choose the uses to withdraw, or withdraw every use." in nothing.get_data(as_text=True)
    with app.app_context(), db.connection_context():
        assert StoryChannel.select().where(StoryChannel.withdrawn_on.is_null(False)).count() == 0


def test_staff_record_a_withdrawal_given_in_person(app, staff_client, staff_user, query):
    _, story = record_story(app, staff_client)
    _use(app, staff_user, story, channel="funders", place="City report")
    response = staff_client.post(f"/staff/stories/{story.public_id}/withdraw", data={"withdraw_funders": "y"})
    assert response.status_code == 302
    row = query(lambda: StoryChannel.get((StoryChannel.story == story.id)
                                         & (StoryChannel.channel == "funders")))
    assert row.withdrawn_by == "staff"
    assert query(lambda: StoryTakedown.select().count()) == 1
    page = staff_client.get(f"/staff/stories/{story.public_id}").get_data(as_text=True)
    assert "Ask the funder not to use it again: City report" in page


def test_the_withdrawal_page_is_rate_limited(tmp_path, fresh_window):
    from support.config import portal_config

    from portal import create_app

    limited = create_app(portal_config(tmp_path, RATELIMIT_ENABLED=True))
    client = limited.test_client()
    statuses = [client.post("/stories/withdraw", data={"code": "0000-0000-0000-0000"}).status_code
                for _ in range(12)]
    assert statuses[0] == 200 and statuses[-1] == 429
