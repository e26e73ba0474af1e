"""Stories made in one call, the way staff record them (through the service)."""
from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

from support.sealing import holding_the_key

from portal import clock
from portal.accounts.models import User
from portal.db import db
from portal.stories import service

STORY_WORDS = "I came for a shower and stayed for the people. Maria Lopez is not who I was then."


def draft(**overrides) -> service.StoryDraft:
    """A consent record: website (no photo) and funder reports, a pseudonym, a year's consent."""
    today = clock.today()
    values = dict(title="Staying for the people", story_text=STORY_WORDS,
                  attribution="pseudonym", credit_name="Rosa", real_name="Maria Lopez",
                  channels={"website": "No photo.", "funders": ""}, consent_given_on=today,
                  consent_method="in_person", consent_language="en",
                  consent_expires_on=today + dt.timedelta(days=365), content_notes="Mentions violence.")
    values.update(overrides)
    return service.StoryDraft(**values)


def make_story(actor: User | None = None, **overrides):
    """A recorded story and its withdrawal code (call with the database open)."""
    return service.create_story(actor, draft(**overrides))


@contextlib.contextmanager
def as_staff(app, user: User) -> Iterator[User]:
    """A request whose session holds the organisation key, with the database open."""
    with app.app_context(), db.connection_context():
        actor = User.get_by_id(user.id)
        with holding_the_key(app, actor):
            yield actor
