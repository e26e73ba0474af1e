"""The staff's side: recording, reading (audited), using through the gate, receipts, renewal,
the use log, who may see stories at all, bad input, and retention."""
from __future__ import annotations

import datetime as dt

import pytest
from story_factories import as_staff, make_story
from support.config import TEST_PASSWORD
from support.world import sign_in
from test_stories_withdrawal import NEW_STORY, record_story

from portal.accounts.audit import AuditEntry
from portal.db import db
from portal.stories import service
from portal.stories.models import Story, StoryChannel, StoryUse

TODAY = dt.date.today()


@pytest.fixture
def staff_user(make_user):
    return make_user("staff")


@pytest.fixture
def staff_client(app, staff_user):
    browser = app.test_client()
    sign_in(browser, staff_user)
    return browser


def _story_urls(public_id: int, task_id: int) -> list[tuple[str, str]]:
    base = f"/staff/stories/{public_id}"
    return [("GET", "/staff/stories"), ("GET", "/staff/stories/new"), ("POST", "/staff/stories/new"),
            ("GET", base), ("GET", base + "/text"), ("GET", base + "/edit"), ("POST", base + "/edit"),
            ("POST", base + "/use"), ("POST", base + "/withdraw"), ("POST", base + "/renew"),
            ("GET", base + "/receipt"), ("GET", base + "/receipt.txt"), ("POST", base + "/receipt.txt"),
            ("GET", base + "/uses.csv"), ("GET", "/staff/stories/takedowns"),
            ("POST", f"/staff/stories/takedowns/{task_id}/done")]


def test_council_members_and_anonymous_visitors_reach_no_story(app, staff_client, staff_user, make_user,
                                                               query):
    code, story = record_story(app, staff_client)
    with as_staff(app, staff_user) as actor:
        service.use_story(Story.get_by_id(story.id), "funders", "Report", actor, "City report", "pseudonym")
        task = service.withdraw(Story.get_by_id(story.id), ["funders"], "staff", actor)[0]
    council = app.test_client()
    sign_in(council, make_user("council"))
    anonymous = app.test_client()
    uses_before = query(lambda: StoryUse.select().count())
    for method, url in _story_urls(story.public_id, task.public_id):
        data = {**NEW_STORY, "channel": "website", "purpose": "x", "place": "y", "attribution": "pseudonym",
                "conditions_respected": "y", "everything": "y", "code": code}
        for who, browser in (("council", council), ("anonymous", anonymous)):
            response = browser.open(url, method=method, data=data if method == "POST" else None)
            assert response.status_code in (302, 403), f"{who} {method} {url}: {response.status_code}"
            if response.status_code == 302:
                assert "/login" in response.location
            html = response.get_data(as_text=True)
            assert "Staying for the people" not in html and "Maria" not in html
    assert query(lambda: StoryUse.select().count()) == uses_before
    assert query(lambda: StoryChannel.select().where(StoryChannel.withdrawn_on.is_null(False)).count()) == 1


def test_every_reading_of_the_full_text_is_logged_with_who_and_when(app, staff_client, staff_user, query):
    _, story = record_story(app, staff_client)
    before = query(lambda: AuditEntry.select().where(AuditEntry.action == "stories.read").count())
    page = staff_client.get(f"/staff/stories/{story.public_id}").get_data(as_text=True)
    assert "Maria Lopez found a home here." not in page, "the story page does not show the words"
    text = staff_client.get(f"/staff/stories/{story.public_id}/text").get_data(as_text=True)
    assert "Maria Lopez found a home here." in text
    entries = query(lambda: list(AuditEntry.select().where(AuditEntry.action == "stories.read")))
    assert len(entries) == before + 1
    assert entries[-1].actor_id == staff_user.id and entries[-1].subject_id == story.public_id
    again = staff_client.get(f"/staff/stories/{story.public_id}").get_data(as_text=True)
    assert staff_user.username in again.split("Who read the full story")[1]


def test_a_use_through_the_page_shows_the_story_with_the_chosen_credit(app, staff_client, query):
    _, story = record_story(app, staff_client)
    page = staff_client.post(f"/staff/stories/{story.public_id}/use", data={
        "channel": "funders", "purpose": "Annual report", "place": "Report p. 4",
        "attribution": "pseudonym"}).get_data(as_text=True)
    assert "— Rosa" in page and "Maria" not in page and "Lopez" not in page
    download = staff_client.post(f"/staff/stories/{story.public_id}/use", data={
        "channel": "funders", "purpose": "Annual report", "place": "Report p. 4",
        "attribution": "pseudonym", "download": "text"})
    assert download.mimetype == "text/plain" and "attachment" in download.headers["Content-Disposition"]
    assert "Maria" not in download.get_data(as_text=True)
    assert query(lambda: StoryUse.select().count()) == 2


def test_a_refused_use_through_the_page_says_why_and_keeps_the_form(app, staff_client, query):
    _, story = record_story(app, staff_client)
    page = staff_client.post(f"/staff/stories/{story.public_id}/use", data={
        "channel": "social", "purpose": "Campaign launch", "place": "Instagram",
        "attribution": "pseudonym"}).get_data(as_text=True)
    assert "The storyteller did not agree to “Social media”." in page and "Campaign launch" in page
    wrong_credit = staff_client.post(f"/staff/stories/{story.public_id}/use", data={
        "channel": "funders", "purpose": "Report", "place": "p. 4", "attribution": "real_name"})
    assert "A use cannot credit them any other way." in wrong_credit.get_data(as_text=True)
    assert query(lambda: StoryUse.select().count()) == 0


def test_the_receipt_prints_the_guarantee_channels_expiry_and_how_to_withdraw(app, staff_client):
    code, story = record_story(app, staff_client)
    first = staff_client.post("/staff/stories/new", data={
        **NEW_STORY, "consent_given_on": TODAY.isoformat(),
        "consent_expires_on": (TODAY + dt.timedelta(days=200)).isoformat()}).get_data(as_text=True)
    for words in ("never changes the services you receive", "/stories/withdraw", "No photo.",
                  "Your withdrawal code:", "Rosa"):
        assert words in first, words
    assert "Maria" not in first, "the real name is never printed on a receipt"
    again = staff_client.get(f"/staff/stories/{story.public_id}/receipt").get_data(as_text=True)
    assert code not in again and "printed on the first receipt only" in again
    text = staff_client.post(f"/staff/stories/{story.public_id}/receipt.txt", data={"code": code})
    body = text.get_data(as_text=True)
    assert text.mimetype == "text/plain" and code in body and "never changes the services" in body
    assert "Funder and grant reports: agreed" in body and "Social media: not agreed" in body
    # a code that is not this story's is not printed
    wrong = staff_client.post(f"/staff/stories/{story.public_id}/receipt.txt",
                              data={"code": "0000-0000-0000-0000"}).get_data(as_text=True)
    assert "0000-0000-0000-0000" not in wrong


def test_the_consent_form_defaults_to_a_year_and_prints_the_guarantee(staff_client):
    page = staff_client.get("/staff/stories/new").get_data(as_text=True)
    assert (TODAY + dt.timedelta(days=365)).isoformat() in page
    assert "never changes the services you receive" in page


def test_bad_input_is_answered_clearly_and_nothing_is_stored(app, staff_client, query):
    long_story = {**NEW_STORY, "story_text": "a" * 20001, "consent_given_on": TODAY.isoformat(),
                  "consent_expires_on": (TODAY + dt.timedelta(days=30)).isoformat()}
    page = staff_client.post("/staff/stories/new", data=long_story).get_data(as_text=True)
    assert "Please shorten this to 20000 characters or fewer" in page and "error-summary" in page
    past = {**long_story, "story_text": "Words kept as typed", "consent_expires_on": "2001-01-01"}
    page = staff_client.post("/staff/stories/new", data=past).get_data(as_text=True)
    assert "The consent must end after today." in page and "Words kept as typed" in page
    nothing = {**past, "consent_expires_on": "", "channel_website": "", "channel_funders": ""}
    page = staff_client.post("/staff/stories/new", data=nothing).get_data(as_text=True)
    assert "Give the day the consent ends." in page
    no_name = {**past, "consent_expires_on": (TODAY + dt.timedelta(days=30)).isoformat(), "credit_name": ""}
    assert "Write the name or initials the storyteller chose." in staff_client.post(
        "/staff/stories/new", data=no_name).get_data(as_text=True)
    no_channel = {**no_name, "credit_name": "Rosa", "channel_website": "", "channel_funders": ""}
    assert "Choose at least one use the storyteller agreed to." in staff_client.post(
        "/staff/stories/new", data=no_channel).get_data(as_text=True)
    assert query(lambda: Story.select().count()) == 0
    for url in ("/staff/stories/123456789012345", "/staff/stories/123456789012345/text",
                "/staff/stories/99999999999999999999999", "/staff/stories/123456789012345/receipt"):
        response = staff_client.get(url)
        assert response.status_code == 404 and "Page not found" in response.get_data(as_text=True) \
            or response.status_code == 404
    assert staff_client.post("/staff/stories/takedowns/123456789012345/done").status_code == 404


def test_spanish_readers_get_errors_in_spanish(staff_client):
    page = staff_client.post("/staff/stories/new?lang=es", data={**NEW_STORY, "title": ""}).get_data(
        as_text=True)
    assert "Ponle un título a la historia." in page


def test_edits_need_the_storytellers_approval_when_they_asked(app, staff_client, query):
    _, story = record_story(app, staff_client)
    url = f"/staff/stories/{story.public_id}/edit"
    form = staff_client.get(url).get_data(as_text=True)
    assert "Maria Lopez found a home here." in form
    edited = {"title": "New title", "story_text": "Shorter.", "content_notes": ""}
    refused = staff_client.post(url, data=edited)
    assert "asked to approve every edit" in refused.get_data(as_text=True)
    ok = staff_client.post(url, data={"title": "New title", "story_text": "Shorter.", "content_notes": "",
                                      "approved": "y"})
    assert ok.status_code == 302
    assert "Shorter." in staff_client.get(f"/staff/stories/{story.public_id}/text").get_data(as_text=True)


def test_renewal_is_offered_for_consent_ending_within_30_days_and_recorded(app, staff_client, staff_user,
                                                                         query):
    with as_staff(app, staff_user) as actor:
        soon, _ = make_story(actor, consent_expires_on=TODAY + dt.timedelta(days=10))
        later, _ = make_story(actor, consent_expires_on=TODAY + dt.timedelta(days=90))
    page = staff_client.get("/staff/stories").get_data(as_text=True)
    ending = page.split("Consent ending within 30 days")[1].split("All stories")[0]
    assert str(soon.public_id) in ending and str(later.public_id) not in ending
    new_end = TODAY + dt.timedelta(days=365)
    response = staff_client.post(f"/staff/stories/{soon.public_id}/renew", data={
        "consent_given_on": TODAY.isoformat(), "consent_method": "phone", "consent_language": "en",
        "wording_version": "2026-2", "consent_expires_on": new_end.isoformat()})
    assert response.status_code == 302
    renewed = query(lambda: Story.get_by_id(soon.id))
    assert renewed.consent_expires_on == new_end and renewed.renewed_on == TODAY
    assert renewed.wording_version == "2026-2"
    bad = staff_client.post(f"/staff/stories/{soon.public_id}/renew", data={
        "consent_given_on": TODAY.isoformat(), "consent_method": "phone", "consent_language": "en",
        "wording_version": "2026-3", "consent_expires_on": "2000-01-01"})
    assert "The consent must end after today." in bad.get_data(as_text=True)
    assert query(lambda: Story.get_by_id(soon.id).wording_version) == "2026-2"


def test_the_use_log_downloads_as_csv_and_is_audited(app, staff_client, staff_user, query):
    _, story = record_story(app, staff_client)
    with as_staff(app, staff_user) as actor:
        service.use_story(Story.get_by_id(story.id), "funders", "=HYPERLINK(1)", actor, "City report",
                          "pseudonym")
    response = staff_client.get(f"/staff/stories/{story.public_id}/uses.csv")
    body = response.get_data(as_text=True)
    assert response.mimetype == "text/csv" and "City report" in body and "'=HYPERLINK(1)" in body
    assert query(lambda: AuditEntry.select().where(AuditEntry.action == "stories.export_uses").count()) == 1


def test_staff_without_the_key_see_a_plain_explanation(app, make_user, staff_client):
    _, story = record_story(app, staff_client)
    locked = app.test_client()
    # a real login: an account never given access carries no key
    assert locked.post("/login", data={"username": make_user("staff", sealed=False).username,
                                       "password": TEST_PASSWORD}).status_code == 302
    listing = locked.get("/staff/stories").get_data(as_text=True)
    assert "cannot read sealed records" in listing and "Staying for the people" not in listing
    page = locked.get(f"/staff/stories/{story.public_id}").get_data(as_text=True)
    assert "cannot read sealed records" in page
    refused = locked.post(f"/staff/stories/{story.public_id}/use", data={
        "channel": "funders", "purpose": "Report", "place": "p. 4", "attribution": "pseudonym"})
    assert refused.status_code == 200 and "cannot read sealed records" in refused.get_data(as_text=True)


def test_purge_erases_the_words_of_fully_withdrawn_stories_after_the_retention_period(
        app, staff_user, runner, query):
    with as_staff(app, staff_user) as actor:
        gone, _ = make_story(actor)
        kept, _ = make_story(actor)
        service.use_story(gone, "funders", "Report", actor, "City report", "pseudonym")
        for task in service.withdraw(gone, [], "staff", actor, today=TODAY - dt.timedelta(days=100)):
            service.complete_takedown(actor, task)
        open_task, _ = make_story(actor)
        service.use_story(open_task, "funders", "Report", actor, "Other report", "pseudonym")
        service.withdraw(open_task, [], "staff", actor, today=TODAY - dt.timedelta(days=100))
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0 and "Erased the words of 1 withdrawn or expired stories" in result.output
    with app.app_context(), db.connection_context():
        erased = Story.get_by_id(gone.id)
        assert erased.erased_on == TODAY and erased.title is None and erased.real_name is None
        assert Story.get_by_id(kept.id).erased_on is None
        # a takedown still open keeps the story's words until staff finish it
        assert Story.get_by_id(open_task.id).erased_on is None
        assert StoryUse.select().where(StoryUse.story == gone.id).count() == 1
    with as_staff(app, staff_user) as actor:
        with pytest.raises(service.ConsentRefused, match="erased"):
            service.use_story(Story.get_by_id(gone.id), "website", "x", actor, "y", "pseudonym")
        assert service.read_story_text(actor, Story.get_by_id(gone.id)) is None
