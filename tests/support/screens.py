"""The row type of the accessibility suite: a page in one state, and the steps that reach it."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Screen:
    """A page in one state: who is logged in ("council", "staff", "admin", "council-2fa" or None),
    and how to get there: visit(page, server)."""

    name: str
    endpoint: str | None
    role: str | None
    visit: Callable


def submit(page, selector: str = "main form button[type=submit]") -> None:
    """Send the (last matching) form on the page."""
    with page.expect_navigation():
        page.locator(selector).last.click()


def go(path: str) -> Callable:
    """A visit that only opens a path."""
    return lambda page, server: page.goto(path)
