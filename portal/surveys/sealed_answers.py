"""Answers in a person's own words, sealed before they are stored and opened only for staff."""
from __future__ import annotations


def seal(text: str) -> bytes:
    """The stored form of a typed answer."""
    # placeholder until the sealed-text field lands: see the merge of branch cryptoint
    return text.encode("utf-8")


def reveal(blob: bytes) -> str | None:
    """The text of a stored answer, or None when this session cannot open it."""
    return bytes(blob).decode("utf-8")
