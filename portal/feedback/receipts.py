"""Receipt codes: 80 random bits shown in groups of four; the database keeps only a keyed hash."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata

from flask import current_app

# Crockford base32 without the letters people misread (I, L, O, U): 16 characters = 80 bits
RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECEIPT_LENGTH = 16
RECEIPT_GROUP = 4
# what a person may type around or instead of the receipt's characters
RECEIPT_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212_.]+")
RECEIPT_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
MAX_RECEIPT_INPUT = 200


def new_receipt() -> str:
    """A fresh receipt: 16 random characters from the receipt alphabet."""
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))


def format_receipt(code: str) -> str:
    """Show a receipt in groups of four, easy to copy by hand: 7KQM-3WXD-9TPR-HF2C."""
    return "-".join(code[i:i + RECEIPT_GROUP] for i in range(0, len(code), RECEIPT_GROUP))


def normalise_receipt(text: str) -> str:
    """Accept any spacing, dashes, case and width, and the letters O, I and L for 0 and 1."""
    # NFKC turns full-width letters and digits from some phone keyboards into plain ones
    typed = unicodedata.normalize("NFKC", (text or "")[:MAX_RECEIPT_INPUT])
    cleaned = RECEIPT_SEPARATORS.sub("", typed)
    return cleaned.upper().translate(RECEIPT_LOOKALIKES)


def receipt_hash(code: str) -> str:
    """The keyed hash the database keeps instead of the receipt."""
    secret = current_app.config["SECRET_KEY"].encode()
    message = b"feedback-receipt:" + code.encode("utf-8", "replace")
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def tidy_receipt(text: str) -> str:
    """A typed receipt in its standard written form, for carrying in a hidden field."""
    return format_receipt(normalise_receipt(text))


def decoy_receipt() -> str:
    """A receipt that looks real but was never stored (the answer to a filled honeypot)."""
    return format_receipt(new_receipt())
