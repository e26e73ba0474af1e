"""Receipt codes: 80 random bits shown in groups of four; the database keeps only a keyed hash."""
from __future__ import annotations

from portal import codes

RECEIPT_LENGTH = 16
PURPOSE = "feedback-receipt"


def new_receipt() -> str:
    """A fresh receipt: 16 random characters (80 bits)."""
    return codes.generate(RECEIPT_LENGTH)


def receipt_hash(code: str) -> str:
    """The keyed hash the database keeps instead of the receipt (of its normalised form)."""
    return codes.keyed_hash(PURPOSE, code)


def decoy_receipt() -> str:
    """A receipt that looks real but was never stored (the answer to a filled honeypot)."""
    return codes.format_code(new_receipt())


def looks_like_receipt(code: str) -> bool:
    """True for a normalised code of the receipt's length written in the code alphabet."""
    return len(code) == RECEIPT_LENGTH and all(ch in codes.ALPHABET for ch in code)
