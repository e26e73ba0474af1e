"""Codes people carry: random from the secrets module, read back in any spacing, kept as a keyed hash."""
from __future__ import annotations

import hashlib
import hmac
import secrets

import pytest

from portal import codes


def test_codes_are_drawn_from_the_secrets_module(monkeypatch):
    drawn = []
    real = secrets.choice

    def watched(alphabet):
        drawn.append(alphabet)
        return real(alphabet)

    monkeypatch.setattr(codes.secrets, "choice", watched)
    code = codes.generate(16)
    assert len(drawn) == 16 and all(a == codes.ALPHABET for a in drawn)
    assert len(code) == 16 and set(code) <= set(codes.ALPHABET)


def test_sixteen_characters_carry_80_bits():
    assert len(codes.ALPHABET) == 32 and len(set(codes.ALPHABET)) == 32
    assert not set("ILOU") & set(codes.ALPHABET)


@pytest.mark.parametrize("typed", ["7kqm 3wxd 9tpr hf2c", "7KQM-3WXD-9TPR-HF2C", " 7KQM3WXD9TPRHF2C ",
                                   "７ＫＱＭ－３ＷＸＤ－９ＴＰＲ－ＨＦ２Ｃ", "7KQM\u20133WXD.9TPR_HF2C"])
def test_a_code_reads_the_same_in_any_spacing_case_and_width(typed):
    assert codes.normalise(typed) == "7KQM3WXD9TPRHF2C"
    assert codes.tidy(typed) == "7KQM-3WXD-9TPR-HF2C"


def test_lookalike_letters_read_as_digits():
    assert codes.normalise("o1il") == "0111"


def test_the_keyed_hash_uses_the_secret_and_the_purpose():
    secret = "a-secret"
    expected = hmac.new(secret.encode(), b"receipt:CODE", hashlib.sha256).hexdigest()
    assert codes.keyed_hash("receipt", "CODE", secret) == expected
    assert codes.keyed_hash("withdrawal", "CODE", secret) != expected
    assert codes.keyed_hash("receipt", "CODE", secret + "x") != expected


def test_matching_compares_against_the_stored_hash(app):
    with app.app_context():
        stored = codes.keyed_hash("receipt", "CODE")
        assert codes.matches("receipt", "CODE", stored)
        assert not codes.matches("receipt", "CODX", stored)
        assert not codes.matches("receipt", "CODE", "")
