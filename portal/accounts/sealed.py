"""Sealed text: the one way every area stores what people write.

Store a text in a `SealedTextField` (assign a str: it is sealed on the way in) or seal it yourself
with `seal(text)`; read it with `reveal(blob)`, which gives None when this request holds no key
(nobody logged in, a council member, an account without access) and never raises to a view.

For an item someone else may read without an account (a feedback thread read with its receipt,
a story's withdrawal page), make one item key with `new_item_key()`, keep it sealed to the
organisation in a `SealedKeyField` (`seal_item_key`) and wrapped for the person's code
(`wrap_for_code`), and encrypt the item's texts with it (`encrypt`, `decrypt`) in `ItemTextField`s.

Sealing needs only the public key, so it works with nobody logged in. Opening a seal costs one
X25519 operation; `file_sealed` turns seals into filed keys, which a key holder opens with one
fast SecretBox (see sealing.file_item_key), so long lists and exports stay quick.
"""
from __future__ import annotations

import hashlib
import secrets

from flask import g, has_app_context

from portal import sealing
from portal.accounts import keys
from portal.accounts.keys import BytesField

SealingError = sealing.SealingError


class SealedTextField(BytesField):
    """Text sealed to the organisation key: a str assigned to it is sealed before it is stored."""

    def db_value(self, value):
        """Seal text; pass blobs (already sealed) through."""
        if isinstance(value, str):
            value = seal(value)
        return super().db_value(value)


class SealedKeyField(BytesField):
    """An item key sealed (or filed) to the organisation key; see seal_item_key."""


class ItemTextField(BytesField):
    """Text encrypted with its item's own key (see encrypt); the key lives in a SealedKeyField."""


# --- sealing: the public key is enough ------------------------------------------------------

def seal(text: str) -> bytes:
    """Seal a text to the current organisation key: works with nobody logged in."""
    generation, public = keys.org_public_key()
    return sealing.seal_text(text, public, generation)


def new_item_key() -> bytes:
    """A fresh random key for one item (a thread and its messages, a story)."""
    return sealing.new_item_key()


def seal_item_key(item_key: bytes) -> bytes:
    """An item key sealed to the current organisation key."""
    generation, public = keys.org_public_key()
    return sealing.seal_item_key(item_key, public, generation)


def encrypt(text: str, item_key: bytes) -> bytes:
    """A text encrypted with an item key."""
    return sealing.encrypt_with_key(text, item_key)


def decrypt(blob: bytes | None, item_key: bytes | None) -> str | None:
    """The text inside a blob made by encrypt, or None when it cannot be opened."""
    if blob is None or item_key is None:
        return None
    try:
        return sealing.decrypt_with_key(blob, item_key)
    except SealingError:
        return None


def wrap_for_code(item_key: bytes, code: str, purpose: str) -> bytes:
    """The item key wrapped for whoever holds a code (a receipt, a withdrawal code): salt + wrap.

    Pass the code normalised (codes.normalise), and a purpose naming the kind of code.
    """
    salt = secrets.token_bytes(sealing.SALT_SIZE)
    return salt + sealing.wrap_key(item_key, sealing.code_wrapping_key(code, salt, purpose))


def unwrap_for_code(blob: bytes | None, code: str, purpose: str) -> bytes | None:
    """The item key a code opens, or None."""
    if not blob or len(blob) <= sealing.SALT_SIZE:
        return None
    blob = bytes(blob)
    salt = blob[:sealing.SALT_SIZE]
    try:
        return sealing.unwrap_key(blob[sealing.SALT_SIZE:], sealing.code_wrapping_key(code, salt, purpose))
    except SealingError:
        return None


# --- opening: the private key, from the session or the console ----------------------------------

class Reader:
    """Opens seals and filed keys with one organisation private key; remembers what it opened."""

    def __init__(self, private_key: bytes) -> None:
        self.private_key = bytes(private_key)
        self.filing = sealing.filing_key(self.private_key)
        self._opened: dict[bytes, bytes] = {}

    def item_key(self, sealed: bytes | None) -> bytes | None:
        """The item key inside a SealedKeyField value, or None."""
        if not sealed:
            return None
        sealed = bytes(sealed)
        digest = hashlib.blake2b(sealed, digest_size=16).digest()
        if digest not in self._opened:
            try:
                self._opened[digest] = sealing.open_key(sealed, self.private_key, self.filing)
            except SealingError:
                return None
        return self._opened[digest]

    def text(self, blob: bytes | None) -> str | None:
        """The text inside a SealedTextField value, or None."""
        if blob is None:
            return None
        try:
            return sealing.open_text(blob, self.private_key, self.filing)
        except SealingError:
            return None

    def file(self, sealed: bytes) -> bytes | None:
        """A seal (a key or the front of a sealed text) filed for quick opening, or None."""
        try:
            blob = bytes(sealed)
            size = sealing.key_size(blob)
            if blob[0] != sealing.FORMAT_VERSION:
                return None  # already filed
            item_key = sealing.open_key(blob[:size], self.private_key, self.filing)
            generation = sealing.blob_generation(blob)
            return sealing.file_item_key(item_key, self.private_key, generation) + blob[size:]
        except SealingError:
            return None


def reader() -> Reader | None:
    """A Reader for this request's key (kept for the request), or None when it holds none."""
    if not has_app_context():
        return None
    if "_sealed_reader" not in g:
        private_key = keys.current_private_key()
        g._sealed_reader = Reader(private_key) if private_key is not None else None
    return g._sealed_reader


def reveal(blob: bytes | None) -> str | None:
    """The text inside a sealed blob, or None when this request cannot open it."""
    opener = reader()
    return opener.text(blob) if opener is not None else None


def open_item_key(sealed: bytes | None) -> bytes | None:
    """The item key inside a sealed key with this request's key, or None."""
    opener = reader()
    return opener.item_key(sealed) if opener is not None else None
