"""The row type of the hostile-input suite: a form, its valid values and how each field is kept."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from portal.text import plain_text
from support.world import World

TEXT = "text"      # stored exactly (after its documented normalising), or refused with a message
SECRET = "secret"  # never stored as typed (passwords, codes, receipts, a honeypot)
CHOICE = "choice"  # one of the offered values, or refused with a message
# parsed into a number or a date: stored_as returns the value kept (None: kept as no value) or
# raises for what the rules refuse, which must then be refused with a message
VALUE = "value"


@dataclass
class Field:
    kind: str
    # the stored form of an accepted value (line endings unified unless said otherwise)
    stored_as: Callable[[str], str] = plain_text
    choices: tuple[str, ...] = ()
    # a field whose value is copied into another (password confirmation)
    mirror: str | None = None
    # stored sealed: compared with what the stored rows say once opened with the organisation
    # key, and never found in the stored rows as typed
    sealed: Callable[[], list] | None = None


@dataclass
class HostileForm:
    name: str
    role: str
    path: Callable[[World], str]
    valid: Callable[[World], dict]
    fields: dict[str, Field]
    # pages that show what was stored, read after an accepted submission: (role, path)
    shows: Callable[[World], list[tuple[str, str]]] = lambda world: []
    prepare: Callable[[World], None] = lambda world: None
