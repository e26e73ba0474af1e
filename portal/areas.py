"""The area registry: each area is one folder that declares one `Area`; the factory loops over them.

Adding an area is one folder `portal/<name>/` whose `__init__.py` defines `area = Area(...)`, and
one name in AREA_NAMES. The core imports no area: areas are found by name at start-up.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import click
from flask import Blueprint, Flask
from werkzeug.routing import IntegerConverter

from portal.i18n import LazyString

# in the order their tables are created (an area's tables may refer only to earlier areas)
AREA_NAMES = ("home", "accounts", "feedback", "transparency", "surveys", "council", "stories")

# who may use a route, for the authorization matrix ("METHOD /rule" -> one of these)
PUBLIC = "public"
ACCOUNT = "account"  # anyone logged in
STAFF = "staff"  # staff and admins
ADMIN = "admin"
COUNCIL = "council"
# only someone who typed their password a moment ago; everyone else is sent to /login
PENDING_LOGIN = "pending-login"
ACCESS_KINDS = (PUBLIC, ACCOUNT, STAFF, ADMIN, COUNCIL, PENDING_LOGIN)

Migration = tuple[int, Callable[[], None]]
# the largest number a record id may have (a signed 64-bit integer, as both databases store it)
MAX_RECORD_ID = 2**63 - 1


class RecordId(IntegerConverter):
    """`<id:name>` in a route: a record number from 1 to 2**63-1; anything larger is a 404 like
    any other missing record, not an overflow in the database driver."""

    def __init__(self, url_map, *args, **kwargs) -> None:
        super().__init__(url_map, min=1, max=MAX_RECORD_ID)


@dataclass(frozen=True)
class NavEntry:
    """A link to an area: its endpoint, its label and, on the front page, one line about it."""

    endpoint: str
    label: LazyString | str
    description: LazyString | str = ""


@dataclass(frozen=True)
class CardLine:
    """One line of a dashboard card: words, and where they lead (an address, or none)."""

    text: str
    url: str | None = None


@dataclass(frozen=True)
class Card:
    """What an area puts on the staff dashboard: a heading, a few figures or items, and a link."""

    title: str
    lines: tuple[CardLine, ...]
    url: str
    link_text: str
    # shown first when something waits for someone
    urgent: bool = False


@dataclass(frozen=True)
class Area:
    """Everything the core needs to know about one area."""

    name: str
    blueprint: Blueprint | None = None
    public_nav: NavEntry | None = None
    staff_nav: NavEntry | None = None
    commands: tuple[click.Command, ...] = ()
    # sample records for `demo`: yields lines to print
    demo: Callable[[], Iterable[str]] | None = None
    # the retention step for `purge`: yields lines of its report
    purge: Callable[[], Iterable[str]] | None = None
    # numbered steps, each with its own frozen schema; never edit a released step
    migrations: tuple[Migration, ...] = ()
    # the models whose tables the migrations must produce exactly
    models: tuple[type, ...] = ()
    # audit actions this area records, with their labels
    audit_actions: Mapping[str, LazyString | str] = field(default_factory=dict)
    # those of its audit actions that are about anonymous records: their rows keep the day only
    audit_day_only: frozenset[str] = frozenset()
    # the expected access of every route, for the authorization matrix
    access: Mapping[str, str] = field(default_factory=dict)
    # hooks the area attaches to the app (before_request checks and the like)
    setup: Callable[[Flask], None] | None = None
    # what a person must do next once the schema is current (the setup link), printed only on
    # the console of a command someone runs, never into a server log
    first_run: Callable[[Callable[[str], None]], None] | None = None
    # the area's cards on the staff dashboard, for the person logged in (in a request)
    dashboard: Callable[[object], Iterable[Card]] | None = None


def load_areas(names: Iterable[str] = AREA_NAMES) -> list[Area]:
    """Import each area package by name and return its declaration."""
    areas = []
    for name in names:
        module = importlib.import_module(f"portal.{name}")
        declared = getattr(module, "area", None)
        if not isinstance(declared, Area) or declared.name != name:
            raise RuntimeError(f"portal/{name}/__init__.py must define area = Area(name={name!r}, ...)")
        areas.append(declared)
    return areas


def register_areas(app: Flask, areas: list[Area]) -> None:
    """Attach each area's blueprint, commands and hooks; keep the nav entries for the layout."""
    # every route names a record with <id:...>, never with the unbounded <int:...>
    app.url_map.converters["id"] = RecordId
    for area in areas:
        if area.blueprint is not None:
            app.register_blueprint(area.blueprint)
        for command in area.commands:
            app.cli.add_command(command)
        if area.setup is not None:
            area.setup(app)
    app.extensions["portal_areas"] = areas
    app.extensions["audit_actions"] = {
        action: label for area in areas for action, label in area.audit_actions.items()}
    app.extensions["audit_day_only"] = frozenset().union(*(area.audit_day_only for area in areas))
    app.config["PUBLIC_NAV"] = [a.public_nav for a in areas if a.public_nav is not None]
    app.config["STAFF_NAV"] = [a.staff_nav for a in areas if a.staff_nav is not None]


def dashboard_cards(app: Flask, user) -> list[Card]:
    """Every area's dashboard cards for this person, those needing attention first."""
    cards = [card for area in areas_of(app) if area.dashboard is not None for card in area.dashboard(user)]
    return sorted(cards, key=lambda card: not card.urgent)


def areas_of(app: Flask) -> list[Area]:
    """The areas registered with an app."""
    return app.extensions["portal_areas"]
