"""Rows each area adds to the shared suites, gathered through the area registry.

Every area named in `portal.areas.AREA_NAMES` has a folder `tests/<area>/` whose `rows.py` may
define any of these; the suites read them all, so a new area is new rows, never new machinery:

- ARGUMENTS: {"url_argument": make(world)} how to make what a URL argument names (support/world.py)
- QUERY_STRINGS: {"/rule": query(world)} query values a route needs
- FORMS: [HostileForm] every form, for the hostile-input suite (support/hostile.py)
- CANARY_FLOW: [step(visitor, state)] every anonymous flow, for the anonymity canary
  (support/canary.py), run in the order the areas are listed
- SCREENS: [Screen] every page in each state a visitor meets it, for axe and the 320 px check
  (support/screens.py)
- NOT_PAGES: {"endpoint"} endpoints that answer with something other than a page (downloads)
"""
from __future__ import annotations

import functools
import importlib.util
from pathlib import Path
from types import ModuleType

from portal.areas import AREA_NAMES

TESTS = Path(__file__).resolve().parent.parent


@functools.cache
def area_rows(name: str) -> ModuleType:
    """An area's rows module (every area has one, even when it adds nothing yet)."""
    path = TESTS / name / "rows.py"
    if not path.exists():
        raise AssertionError(f"every area needs {path.relative_to(TESTS.parent)}")
    spec = importlib.util.spec_from_file_location(f"rows_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def gather_list(attribute: str) -> list:
    """One list of every area's rows of a kind, in the order of the areas."""
    return [row for name in AREA_NAMES for row in getattr(area_rows(name), attribute, [])]


def gather_dict(attribute: str) -> dict:
    """One mapping of every area's rows of a kind; a key declared twice is an error."""
    merged: dict = {}
    for name in AREA_NAMES:
        for key, value in getattr(area_rows(name), attribute, {}).items():
            assert key not in merged, f"{key} is declared by two areas"
            merged[key] = value
    return merged


def gather_set(attribute: str) -> set:
    """Every area's rows of a kind, as one set."""
    return {row for name in AREA_NAMES for row in getattr(area_rows(name), attribute, set())}
