"""The one gate: every use of a story is checked against its consent and logged, or refused with
nothing written; what leaves carries the credit the storyteller chose."""
from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
from story_factories import STORY_WORDS, as_staff, make_story

from portal.stories import service
from portal.stories.models import Story, StoryUse

PORTAL = Path(__file__).resolve().parents[2] / "portal"


@pytest.fixture
def staff(make_user):
    return make_user("staff")


def _no_use_row(story) -> bool:
    return StoryUse.select().where(StoryUse.story == story).count() == 0


def test_an_allowed_use_is_logged_with_channel_purpose_day_staff_and_place(app, staff):
    with as_staff(app, staff) as actor:
        story, _ = make_story(actor)
        use = service.use_story(story, "funders", "Annual report", actor, "2026 report, page 4", "pseudonym")
        lines = service.uses_of(story, service.staff_key(story))
        assert [(line.use.channel, line.purpose, line.place, line.use.used_by.id) for line in lines] == [
            ("funders", "Annual report", "2026 report, page 4", actor.id)]
        assert use.used_on == dt.date.today()


def test_an_unconsented_channel_is_refused_and_leaves_no_use_row(app, staff):
    with as_staff(app, staff) as actor:
        story, _ = make_story(actor)
        with pytest.raises(service.ConsentRefused, match="did not agree"):
            service.use_story(story, "social", "Campaign", actor, "Instagram", "pseudonym")
        with pytest.raises(service.ConsentRefused):
            service.use_story(story, "no-such-channel", "Campaign", actor, "Instagram", "pseudonym")
        assert _no_use_row(story)


def test_an_expired_consent_is_refused_and_leaves_no_use_row(app, staff):
    with as_staff(app, staff) as actor:
        story, _ = make_story(actor)
        later = story.consent_expires_on + dt.timedelta(days=1)
        with pytest.raises(service.ConsentRefused, match="consent ended"):
            service.use_story(story, "funders", "Report", actor, "Report", "pseudonym", today=later)
        # and one whose end day has passed in the database, used today
        Story.update(consent_expires_on=dt.date.today() - dt.timedelta(days=1)).where(
            Story.id == story.id).execute()
        with pytest.raises(service.ConsentRefused, match="consent ended"):
            service.use_story(story, "funders", "Report", actor, "Report", "pseudonym")
        assert _no_use_row(story)


def test_a_withdrawn_consent_is_refused_and_leaves_no_use_row(app, staff):
    with as_staff(app, staff) as actor:
        story, _ = make_story(actor)
        service.withdraw(story, ["funders"], "staff", actor)
        with pytest.raises(service.ConsentRefused, match="withdrew"):
            service.use_story(story, "funders", "Report", actor, "Report", "pseudonym")
        service.withdraw(story, [], "staff", actor)
        with pytest.raises(service.ConsentRefused, match="withdrew"):
            service.use_story(story, "website", "Page", actor, "/stories", "pseudonym",
                              conditions_respected=True)
        assert _no_use_row(story)


def test_a_different_attribution_is_refused_and_leaves_no_use_row(app, staff):
    with as_staff(app, staff) as actor:
        story, _ = make_story(actor)
        for other in ("real_name", "initials", "anonymous", ""):
            with pytest.raises(service.ConsentRefused, match="credited"):
                service.use_story(story, "funders", "Report", actor, "Report", other)
        assert _no_use_row(story)


def test_a_channel_with_conditions_needs_them_confirmed(app, staff):
    with as_staff(app, staff) as actor:
        story, _ = make_story(actor)
        with pytest.raises(service.ConsentRefused, match="conditions"):
            service.use_story(story, "website", "Page", actor, "/stories", "pseudonym")
        assert _no_use_row(story)
        service.use_story(story, "website", "Page", actor, "/stories", "pseudonym", conditions_respected=True)
        assert not _no_use_row(story)


def test_export_applies_the_pseudonym_and_the_real_name_never_leaves(app, staff):
    with as_staff(app, staff) as actor:
        story, _ = make_story(actor)
        exported = service.export_for_channel(story, "funders", "Report", actor, "p. 4", "pseudonym")
        for text in (exported.as_text(), str(exported.html), exported.title, exported.credit):
            assert "Maria" not in text and "Lopez" not in text and "maria" not in text.lower()
        assert exported.credit == "Rosa" and exported.as_text().rstrip().endswith("— Rosa")
        assert "people. Rosa is not who I was then." in exported.body
        assert StoryUse.select().where(StoryUse.story == story).count() == 1


def test_export_of_an_anonymous_story_names_nobody(app, staff):
    with as_staff(app, staff) as actor:
        story, _ = make_story(actor, attribution="anonymous", credit_name="")
        exported = service.export_for_channel(story, "funders", "Report", actor, "p. 4", "anonymous")
        assert exported.credit == "Anonymous"
        assert "Maria" not in exported.as_text() and "Lopez" not in exported.as_text()
        assert "[name withheld]" in exported.body


def test_export_with_the_real_name_chosen_credits_it(app, staff):
    with as_staff(app, staff) as actor:
        story, _ = make_story(actor, attribution="real_name", credit_name="")
        exported = service.export_for_channel(story, "funders", "Report", actor, "p. 4", "real_name")
        assert exported.credit == "Maria Lopez" and exported.body == STORY_WORDS


def test_export_refused_by_the_gate_gives_nothing(app, staff):
    with as_staff(app, staff) as actor:
        story, _ = make_story(actor)
        with pytest.raises(service.ConsentRefused):
            service.export_for_channel(story, "press", "Interview", actor, "Daily News", "pseudonym")
        assert _no_use_row(story)


# --- every reading of a story's words goes through the gate (or the audited staff reading) --------

GATE_READERS = {"read_story_text", "export_for_channel"}


def _functions(tree: ast.AST):
    """Each function of a module with the nodes inside it."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def test_every_place_that_reads_story_text_goes_through_the_gate():
    readers, callers = [], []
    for path in PORTAL.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in _functions(tree):
            for node in ast.walk(function):
                if isinstance(node, ast.Attribute) and node.attr == "sealed_text" \
                        and isinstance(node.ctx, ast.Load):
                    readers.append((path.name, function.name))
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_open_story_text":
                    callers.append((path.name, function.name, node.lineno, function))
        # no string that could reach the column another way (getattr, a raw query)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and node.value == "sealed_text":
                pytest.fail(f"{path.name} names the sealed_text column in a string")
    # the words are decrypted in one function only...
    assert set(readers) == {("service.py", "_open_story_text")}, readers
    # ...called only by the audited staff reading and the export for a channel
    assert {name for _, name, _, _ in callers} == GATE_READERS, callers
    for _, name, line, function in callers:
        if name == "export_for_channel":
            gate = [n.lineno for n in ast.walk(function) if isinstance(n, ast.Call)
                    and getattr(n.func, "id", None) == "use_story"]
            assert gate and min(gate) < line, "the export opens the words before the gate"
        if name == "read_story_text":
            audit = [n for n in ast.walk(function) if isinstance(n, ast.Call)
                     and getattr(n.func, "id", None) == "record"
                     and any(isinstance(a, ast.Constant) and a.value == "stories.read" for a in n.args)]
            assert audit and audit[0].lineno < line, "a staff reading is not recorded first"
    templates = Path(PORTAL.parent, "templates")
    assert not [p for p in templates.rglob("*") if p.is_file() and "sealed_text" in p.read_text()]
