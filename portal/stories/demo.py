"""Sample stories for `flask --app app demo`: one shared on the website and then withdrawn from
it (so a takedown task waits), one credited by initials whose consent ends soon, one anonymous."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from portal import clock
from portal.accounts.models import User
from portal.stories import service
from portal.stories.models import Story

WEBSITE = service.StoryDraft(
    title="Finding my feet again",
    story_text="When I first came in I did not trust anyone. Nobody asked me to explain myself.\n\n"
               "- They asked what I needed, not what happened.\n- They let me come back as many "
               "times as I needed.\n\nNow I help run the Thursday group.",
    attribution="pseudonym", credit_name="Rosa", real_name="Maria Example",
    channels={"website": "No photo.", "funders": "", "training": ""},
    consent_given_on=dt.date(2000, 1, 1), consent_method="in_person", consent_language="es",
    consent_expires_on=dt.date(2000, 1, 1), content_notes="Mentions violence.")
SOON = service.StoryDraft(
    title="What housing meant to me",
    story_text="Having a door that locks changed everything. I could sleep.",
    attribution="initials", credit_name="J. T.", channels={"funders": "", "advocacy": "Not in my city."},
    consent_given_on=dt.date(2000, 1, 1), consent_method="phone", consent_language="en",
    consent_expires_on=dt.date(2000, 1, 1))
ANONYMOUS = service.StoryDraft(
    title="The clinic on Tuesdays",
    story_text="The nurse never asked for my ID. That is why I kept going.",
    attribution="anonymous", channels={"training": "", "print": "Only in Spanish materials."},
    consent_given_on=dt.date(2000, 1, 1), consent_method="written", consent_language="en",
    consent_expires_on=dt.date(2000, 1, 1), edits_need_approval=False)


def demo_stories() -> Iterator[str]:
    """Three stories with their consent, uses and one withdrawal."""
    if Story.select().exists():
        yield "Stories already exist; left as they are."
        return
    staff = User.by_username("demo-staff")
    today = clock.today()
    made = []
    for draft, days in ((WEBSITE, 365), (SOON, 20), (ANONYMOUS, 300)):
        draft.consent_given_on = today - dt.timedelta(days=365 - days) if days < 365 else today
        draft.consent_expires_on = today + dt.timedelta(days=days)
        story, code = service.create_story(staff, draft)
        made.append((story, code))
    (website, website_code), (soon, soon_code), _ = made
    key = service.key_for_code(website, website_code)
    service.use_story(website, "website", "Stories page of the new website", staff,
                      "https://example.org/stories/finding-my-feet", "pseudonym",
                      conditions_respected=True, item_key=key)
    service.use_story(website, "funders", "Annual report to the city", staff,
                      "2026 annual report, page 4", "pseudonym", item_key=key)
    service.use_story(soon, "funders", "Housing grant application", staff, "State housing fund, "
                      "spring round", "initials", item_key=service.key_for_code(soon, soon_code))
    # the storyteller took it off the website: a takedown task now waits for staff
    service.withdraw(website, ["website"], "code")
    yield (f"Created 3 stories; withdrawal code of story {website.public_id} (try it on "
           f"/stories/withdraw): {website_code}")
