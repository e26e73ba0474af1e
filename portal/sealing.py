"""Sealing at rest: what people write is encrypted to the organisation's key before it is stored.

The keys, from the top. The organisation has an X25519 key pair: the public key is kept in the clear,
so the server can seal while nobody is logged in; the private key never is. Every item gets its own
random item key, which encrypts the item's text (SecretBox) and is itself sealed to the public key
(SealedBox). Whoever may read one item besides staff (a client with a receipt code, a storyteller
with a withdrawal code) gets that item key wrapped with a key derived from their code. The private
key is stored wrapped once per account with its password (argon2id) and once with a recovery key
printed at setup; a logged-in session carries it wrapped with a key derived from the app's secret
key, so neither the database nor the session cookie alone can open it.

Protected: a copied database or backup alone, even with the secret key, reveals no text (the wrapped
private keys in it are as strong as the staff passwords against offline guessing, which argon2id
slows, and an item wrapped for a code as strong as its random code). Not protected: a running server
that has been taken over, or a logged-in staff member's session, reads what that member can. Which
area or day a text belongs to, and its rough length, stay in the clear.
"""
from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import secrets
import struct
from collections.abc import Iterator, Mapping
from typing import NamedTuple

from argon2.exceptions import HashingError
from argon2.low_level import Type, hash_secret_raw
from nacl.bindings import crypto_box_SEALBYTES
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox
from nacl.secret import SecretBox

from portal import codes

FORMAT_VERSION = 1
# an item key filed for the organisation: version and generation in the clear, then
# SecretBox(version, generation, key) under a key derived from the organisation private key
FILED_VERSION = 2
KEY_SIZE = 32
SALT_SIZE = 16
MAX_GENERATION = 0xFFFF
# a sealed item key: version and generation in the clear, then SealedBox(version, generation, key)
SEAL_HEADER = struct.Struct(">BH")
SEALED_KEY_SIZE = SEAL_HEADER.size + crypto_box_SEALBYTES + SEAL_HEADER.size + KEY_SIZE
FILED_KEY_SIZE = SEAL_HEADER.size + SecretBox.NONCE_SIZE + SecretBox.MACBYTES + SEAL_HEADER.size + KEY_SIZE
FILING_PURPOSE = "filed-item-keys"
# a key wrapped with argon2id: version, time cost, memory cost (KiB), parallelism, then the salt
ARGON2_HEADER = struct.Struct(">BIII")
# a damaged blob must not make the server spend minutes or gigabytes on one derivation
MAX_TIME_COST = 64
MAX_MEMORY_COST = 4 * 1024 * 1024
MAX_PARALLELISM = 255
SESSION_PURPOSE = "session-private-key"

# Crockford base32 from the codes module: 28 characters = 140 bits
RECOVERY_ALPHABET = codes.ALPHABET
RECOVERY_LENGTH = 28


class SealingError(Exception):
    """A blob could not be made or opened: tampered, malformed, or meant for another key."""


class Argon2Params(NamedTuple):
    """The cost of one argon2id derivation: passes, memory in KiB, lanes."""

    time_cost: int
    memory_cost: int
    parallelism: int

    @classmethod
    def from_config(cls, config: Mapping) -> Argon2Params:
        """The parameters the app is configured with (its ARGON2_* settings)."""
        return cls(config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_COST"], config["ARGON2_PARALLELISM"])


# the recovery key already carries 140 random bits; the cost is a second line, affordable since
# the key is used rarely (setup, a lost password), and each blob stores its own
RECOVERY_PARAMS = Argon2Params(time_cost=2, memory_cost=65536, parallelism=1)


@contextlib.contextmanager
def _refusals(message: str) -> Iterator[None]:
    """Turn any failure of the underlying libraries into one SealingError."""
    try:
        yield
    except (CryptoError, HashingError, ValueError, TypeError, IndexError, struct.error):
        # no chained cause: callers handle one error, and logs learn nothing about why it failed
        raise SealingError(message) from None


def _derive(secret: bytes, purpose: str, salt: bytes = b"") -> bytes:
    """A 32-byte key from a high-entropy secret, bound to a purpose and a salt (keyed BLAKE2b)."""
    if not secret:
        raise ValueError("a key needs a secret to derive it from")
    if len(secret) > hashlib.blake2b.MAX_KEY_SIZE:
        # as HMAC does with long keys: hash them down first
        secret = hashlib.blake2b(secret).digest()
    label = purpose.encode("utf-8")
    # the length prefix keeps ("ab", "c") and ("a", "bc") from deriving the same key
    message = struct.pack(">H", len(label)) + label + bytes(salt)
    return hashlib.blake2b(message, key=secret, digest_size=KEY_SIZE).digest()


def derive_key(secret: bytes, purpose: str, salt: bytes = b"") -> bytes:
    """A 32-byte key from a high-entropy secret (an app secret, a private key) for one purpose."""
    return _derive(bytes(secret), purpose, salt)


# --- the organisation key pair and items -----------------------------------------------------

def new_org_keypair() -> tuple[bytes, bytes]:
    """A fresh organisation key pair as raw bytes: (public, private)."""
    private = PrivateKey.generate()
    return bytes(private.public_key), bytes(private)


def public_key_for(private_key: bytes) -> bytes:
    """The public key of a private key (to check that an unwrapped key is the organisation's)."""
    with _refusals("not a private key"):
        return bytes(PrivateKey(bytes(private_key)).public_key)


def new_item_key() -> bytes:
    """A fresh random key for one item."""
    return secrets.token_bytes(KEY_SIZE)


def seal_item_key(item_key: bytes, public_key: bytes, generation: int = 1) -> bytes:
    """Seal an item key to the organisation public key of the given generation."""
    if not 0 < generation <= MAX_GENERATION:
        raise ValueError(f"generation must be between 1 and {MAX_GENERATION}")
    header = SEAL_HEADER.pack(FORMAT_VERSION, generation)
    with _refusals("cannot seal to this public key"):
        item_key = bytes(item_key)
        if len(item_key) != KEY_SIZE:
            raise ValueError("item keys are 32 bytes")
        # the header is sealed with the key too, so a generation changed in the clear is noticed
        return header + SealedBox(PublicKey(bytes(public_key))).encrypt(header + item_key)


def open_item_key(sealed: bytes, private_key: bytes) -> bytes:
    """The item key inside a seal, opened with the organisation private key."""
    with _refusals("cannot open this sealed key"):
        sealed = bytes(sealed)
        if len(sealed) != SEALED_KEY_SIZE or sealed[0] != FORMAT_VERSION:
            raise ValueError("not a sealed item key")
        inner = SealedBox(PrivateKey(bytes(private_key))).decrypt(sealed[SEAL_HEADER.size:])
    if not hmac.compare_digest(inner[:SEAL_HEADER.size], sealed[:SEAL_HEADER.size]):
        raise SealingError("cannot open this sealed key")
    return inner[SEAL_HEADER.size:]


def file_item_key(item_key: bytes, private_key: bytes, generation: int = 1) -> bytes:
    """File an item key for the organisation: what a seal becomes once a key holder has opened it.

    A seal needs one X25519 operation to open; a filed key needs only a SecretBox under a key
    derived from the private key, so lists and exports of many items stay fast. Both need the
    private key, so filing weakens nothing: only who holds it can file or open.
    """
    if not 0 < generation <= MAX_GENERATION:
        raise ValueError(f"generation must be between 1 and {MAX_GENERATION}")
    header = SEAL_HEADER.pack(FILED_VERSION, generation)
    with _refusals("cannot file this key"):
        item_key = bytes(item_key)
        if len(item_key) != KEY_SIZE:
            raise ValueError("item keys are 32 bytes")
        return header + bytes(SecretBox(filing_key(private_key)).encrypt(header + item_key))


def filing_key(private_key: bytes) -> bytes:
    """The symmetric key that files item keys for the holder of an organisation private key."""
    with _refusals("not a private key"):
        private_key = bytes(private_key)
        if len(private_key) != KEY_SIZE:
            raise ValueError("private keys are 32 bytes")
    return _derive(private_key, FILING_PURPOSE)


def open_key(blob: bytes, private_key: bytes, filing: bytes | None = None) -> bytes:
    """The item key inside a seal or a filed key (pass `filing` to skip deriving it each time)."""
    with _refusals("cannot open this key"):
        blob = bytes(blob)
        version = blob[0]
    if version == FORMAT_VERSION:
        return open_item_key(blob, private_key)
    if version != FILED_VERSION or len(blob) != FILED_KEY_SIZE:
        raise SealingError("cannot open this key")
    with _refusals("cannot open this key"):
        inner = SecretBox(filing or filing_key(private_key)).decrypt(blob[SEAL_HEADER.size:])
    if not hmac.compare_digest(inner[:SEAL_HEADER.size], blob[:SEAL_HEADER.size]):
        raise SealingError("cannot open this key")
    return inner[SEAL_HEADER.size:]


def key_size(blob: bytes) -> int:
    """How many bytes at the front of a blob are its sealed or filed key (by its version byte)."""
    with _refusals("not a sealed blob"):
        version = bytes(blob[:1])[0]
    if version == FORMAT_VERSION:
        return SEALED_KEY_SIZE
    if version == FILED_VERSION:
        return FILED_KEY_SIZE
    raise SealingError("not a sealed blob")


def blob_generation(blob: bytes) -> int:
    """The generation of the organisation key that sealed a blob (seal_text or seal_item_key)."""
    # read from the clear header, only to choose a key: opening checks it against the sealed copy
    with _refusals("not a sealed blob"):
        version, generation = SEAL_HEADER.unpack_from(bytes(blob))
    if version not in (FORMAT_VERSION, FILED_VERSION):
        raise SealingError("not a sealed blob")
    return generation


def encrypt_with_key(text: str, item_key: bytes) -> bytes:
    """Encrypt a text with an item key: nonce, authentication tag, ciphertext."""
    with _refusals("cannot encrypt with this key"):
        return bytes(SecretBox(bytes(item_key)).encrypt(text.encode("utf-8")))


def decrypt_with_key(blob: bytes, item_key: bytes) -> str:
    """The text inside a blob made by encrypt_with_key."""
    with _refusals("cannot decrypt with this key"):
        return SecretBox(bytes(item_key)).decrypt(bytes(blob)).decode("utf-8")


def seal_text(text: str, public_key: bytes, generation: int = 1) -> bytes:
    """Encrypt a text under a fresh item key sealed to the organisation: one self-describing blob."""
    item_key = new_item_key()
    return seal_item_key(item_key, public_key, generation) + encrypt_with_key(text, item_key)


def open_text(blob: bytes, private_key: bytes, filing: bytes | None = None) -> str:
    """The text inside a blob made by seal_text (or refiled), opened with the org private key."""
    with _refusals("not a sealed text"):
        blob = bytes(blob)
    size = key_size(blob)
    item_key = open_key(blob[:size], private_key, filing)
    return decrypt_with_key(blob[size:], item_key)


# --- wrapping keys for whoever holds a code ---------------------------------------------------

def wrap_key(key: bytes, wrapping_key: bytes) -> bytes:
    """Encrypt a key with a wrapping key (SecretBox)."""
    with _refusals("cannot wrap with this key"):
        return bytes(SecretBox(bytes(wrapping_key)).encrypt(bytes(key)))


def unwrap_key(blob: bytes, wrapping_key: bytes) -> bytes:
    """The key inside a blob made by wrap_key."""
    with _refusals("cannot unwrap with this key"):
        return SecretBox(bytes(wrapping_key)).decrypt(bytes(blob))


def code_wrapping_key(code: str, salt: bytes, purpose: str) -> bytes:
    """The key that wraps an item key for whoever holds a code (a receipt, a withdrawal code)."""
    # codes carry 80 or more random bits, beyond guessing even at hashing speed, so a fast KDF is
    # enough; passwords, which people choose, get argon2id below. Pass the code normalised.
    return _derive(code.encode("utf-8"), purpose, salt)


# --- the private key wrapped by password and by recovery key ----------------------------------

def password_wrapping_key(
    password: str, salt: bytes, time_cost: int, memory_cost: int, parallelism: int
) -> bytes:
    """The key derived from a password with argon2id, slow on purpose."""
    if not (0 < time_cost <= MAX_TIME_COST and 0 < memory_cost <= MAX_MEMORY_COST
            and 0 < parallelism <= MAX_PARALLELISM):
        raise SealingError("argon2 parameters out of range")
    with _refusals("cannot derive a key"):
        return hash_secret_raw(
            password.encode("utf-8"), bytes(salt), time_cost=time_cost, memory_cost=memory_cost,
            parallelism=parallelism, hash_len=KEY_SIZE, type=Type.ID,
        )


def _wrap_with_argon2(private_key: bytes, secret: str, params: Argon2Params) -> bytes:
    """Wrap a key under an argon2id key from secret, storing the parameters and salt in front."""
    salt = secrets.token_bytes(SALT_SIZE)
    # derive first: it refuses parameters the header could not hold or a later unwrap would refuse
    wrapping_key = password_wrapping_key(secret, salt, *params)
    return ARGON2_HEADER.pack(FORMAT_VERSION, *params) + salt + wrap_key(private_key, wrapping_key)


def _unwrap_with_argon2(blob: bytes, secret: str) -> bytes:
    """Unwrap a key with the parameters and salt the blob itself stores."""
    start = ARGON2_HEADER.size + SALT_SIZE
    with _refusals("not a wrapped key"):
        blob = bytes(blob)
        version, *costs = ARGON2_HEADER.unpack_from(blob)
    if version != FORMAT_VERSION or len(blob) < start:
        raise SealingError("not a wrapped key")
    # a changed parameter or salt derives another key, which the authenticated box then refuses
    return unwrap_key(blob[start:], password_wrapping_key(secret, blob[ARGON2_HEADER.size:start], *costs))


def wrap_private_key_with_password(private_key: bytes, password: str, params: Argon2Params) -> bytes:
    """Wrap the organisation private key for one account's password."""
    return _wrap_with_argon2(private_key, password, params)


def unwrap_private_key_with_password(blob: bytes, password: str) -> bytes:
    """The private key inside a password wrap (the blob carries its own argon2 parameters)."""
    return _unwrap_with_argon2(blob, password)


def new_recovery_key() -> str:
    """A fresh recovery key to print and keep, in groups of four: 7KQM-3WXD-..."""
    return codes.format_code(codes.generate(RECOVERY_LENGTH))


def normalise_recovery_key(text: str) -> str:
    """A typed recovery key without spaces or dashes, upper case, O, I and L read as 0 and 1."""
    return codes.normalise(text)


def recovery_wrapping_key(recovery_key: str, salt: bytes, params: Argon2Params = RECOVERY_PARAMS) -> bytes:
    """The key derived from a recovery key however it was typed (what the recovery wraps use)."""
    return password_wrapping_key(normalise_recovery_key(recovery_key), salt, *params)


def wrap_private_key_with_recovery(
    private_key: bytes, recovery_key: str, params: Argon2Params = RECOVERY_PARAMS
) -> bytes:
    """Wrap the organisation private key for the recovery key."""
    return _wrap_with_argon2(private_key, normalise_recovery_key(recovery_key), params)


def unwrap_private_key_with_recovery(blob: bytes, recovery_key: str) -> bytes:
    """The private key inside a recovery wrap, however the recovery key was typed."""
    return _unwrap_with_argon2(blob, normalise_recovery_key(recovery_key))


# --- carrying the private key through a session -----------------------------------------------

def session_key_box(secret_key: str, context: str = "") -> SecretBox:
    """The box that carries the private key through a session, keyed from the app's secret key.

    `context` binds the box to one session (say, the account and its session version), so a
    wrap copied out of an old cookie opens in no other session.
    """
    return SecretBox(_derive(secret_key.encode("utf-8"), SESSION_PURPOSE, context.encode("utf-8")))


def wrap_for_session(private_key: bytes, secret_key: str, context: str = "") -> str:
    """The private key as text for the session, openable only with the app's secret key."""
    with _refusals("cannot wrap for the session"):
        sealed = session_key_box(secret_key, context).encrypt(bytes(private_key))
    return base64.urlsafe_b64encode(sealed).decode("ascii")


def unwrap_from_session(text: str, secret_key: str, context: str = "") -> bytes:
    """The private key carried by a session, for the same context it was wrapped for."""
    with _refusals("cannot open the session's key"):
        sealed = base64.b64decode(text, altchars=b"-_", validate=True)
        return session_key_box(secret_key, context).decrypt(sealed)
