"""Codes people carry: receipts, one-time links, recovery codes, withdrawal codes, limiter keys.

A code is random (from `secrets`), shown in groups that are easy to copy by hand, accepted in any
spacing, case or width, and kept only as a keyed hash. Each use names its own purpose, so a hash
made for one purpose never matches another.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata

from flask import current_app

# Crockford base32 without the letters people misread (I, L, O, U): 5 bits a character
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
GROUP = 4
# what a person may type around or instead of a code's characters
SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212_.]+")
LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
MAX_INPUT = 200


def generate(length: int = 16) -> str:
    """A fresh code of `length` characters from the alphabet (16 characters = 80 bits)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def format_code(code: str, group: int = GROUP) -> str:
    """Show a code in groups of four, easy to copy by hand: 7KQM-3WXD-9TPR-HF2C."""
    return "-".join(code[i:i + group] for i in range(0, len(code), group))


def normalise(text: str) -> str:
    """Accept any spacing, dashes, case and width, and the letters O, I and L for 0 and 1."""
    # NFKC turns full-width letters and digits from some phone keyboards into plain ones
    typed = unicodedata.normalize("NFKC", (text or "")[:MAX_INPUT])
    return SEPARATORS.sub("", typed).upper().translate(LOOKALIKES)


def tidy(text: str) -> str:
    """A typed code in its standard written form, for carrying in a hidden field."""
    return format_code(normalise(text))


def keyed_hash(purpose: str, value: str, secret: str | None = None) -> str:
    """HMAC-SHA256 of a value under the secret key, separated by purpose; what the database keeps."""
    key = (secret if secret is not None else current_app.config["SECRET_KEY"]).encode()
    message = purpose.encode() + b":" + value.encode("utf-8", "replace")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def matches(purpose: str, value: str, stored_hash: str) -> bool:
    """True when the value hashes to the stored hash, compared in constant time."""
    return hmac.compare_digest(keyed_hash(purpose, value), stored_hash or "")
