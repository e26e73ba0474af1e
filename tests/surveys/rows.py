"""The surveys area's rows for the shared suites (see tests/support/rows.py)."""
from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from support.world import World

sys.path.insert(0, str(Path(__file__).resolve().parent))
from factories import make_survey, staff_actor  # noqa: E402

from portal.surveys import service  # noqa: E402


def _survey(world: World) -> str:
    """One open survey with a question of each kind, shared by the rows that need it."""
    if "survey" not in world.objects:
        def build():
            with world.app.test_request_context("/"):
                survey = make_survey("world-survey")
                service.set_results_published(staff_actor(), survey, True)
                return survey.slug
        world.objects["survey"] = world.query(build)
    return world.objects["survey"]


ARGUMENTS: dict[str, Callable[[World], object]] = {
    "slug": _survey,
    "number": lambda world: (_survey(world), 2)[1],
}
