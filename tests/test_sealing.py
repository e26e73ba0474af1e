"""Sealing at rest: texts, item keys, password, recovery and session wraps open only for the right key."""
from __future__ import annotations

import base64
import re

import pytest

from portal import sealing
from portal.sealing import Argon2Params, SealingError

CHEAP = Argon2Params(time_cost=1, memory_cost=8, parallelism=1)
TEXTS = [
    "",
    "The night shelter turned me away twice.",
    "Me trataron con respeto; la señora de recepción habló español conmigo. ¡Gracias! ñ á é í ó ú ü",
    "Thank you 🙏🏽 for the bus pass 🚌 and the warm coat 🧥",
    "long " * 2000,
]


@pytest.fixture(scope="module")
def org():
    """One organisation key pair for the module: (public, private)."""
    return sealing.new_org_keypair()


def flipped(blob: bytes, index: int) -> bytes:
    """The blob with one bit of one byte changed."""
    return blob[:index] + bytes([blob[index] ^ 0x01]) + blob[index + 1:]


def assert_holds_none_of(blob: bytes, text: str) -> None:
    """No run of six bytes of the text appears anywhere in the blob."""
    data = text.encode("utf-8")
    assert data not in blob or not data
    for start in range(max(len(data) - 5, 0)):
        assert data[start:start + 6] not in blob


def assert_refused(call, *args) -> None:
    """The call raises SealingError itself, with no library exception chained to it."""
    with pytest.raises(SealingError) as caught:
        call(*args)
    error = caught.value
    assert type(error) is SealingError
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)


# --- texts sealed to the organisation ----------------------------------------------------------

def test_org_keypair_is_two_raw_32_byte_keys(org):
    public, private = org
    assert len(public) == len(private) == 32
    assert sealing.public_key_for(private) == public
    assert sealing.new_org_keypair() != org


@pytest.mark.parametrize("text", TEXTS)
def test_sealed_text_opens_with_the_org_private_key(org, text):
    public, private = org
    assert sealing.open_text(sealing.seal_text(text, public), private) == text


@pytest.mark.parametrize("text", TEXTS[1:])
def test_sealed_blob_holds_none_of_the_text(org, text):
    blob = sealing.seal_text(text, org[0])
    assert_holds_none_of(blob, text)


def test_two_seals_of_the_same_text_differ(org):
    first, second = (sealing.seal_text("same words", org[0]) for _ in range(2))
    assert first != second
    size = sealing.SEALED_KEY_SIZE
    assert first[3:size] != second[3:size] and first[size:] != second[size:]


def test_tampering_with_any_byte_is_refused(org):
    public, private = org
    blob = sealing.seal_text("Please call me back on Tuesday.", public, generation=3)
    for index in range(len(blob)):
        assert_refused(sealing.open_text, flipped(blob, index), private)
    assert_refused(sealing.open_text, blob[:-1], private)
    assert_refused(sealing.open_text, blob + b"\x00", private)


def test_another_org_key_cannot_open(org):
    blob = sealing.seal_text("for one organisation only", org[0])
    assert_refused(sealing.open_text, blob, sealing.new_org_keypair()[1])


@pytest.mark.parametrize("blob", [b"", b"\x01", b"\x01\x00\x01" + b"\x00" * 200, "a text", None, 7])
def test_malformed_blobs_are_refused(org, blob):
    assert_refused(sealing.open_text, blob, org[1])


@pytest.mark.parametrize("public", [b"", b"short", b"\x00" * 32, "not bytes"])
def test_sealing_to_a_bad_public_key_is_refused(public):
    assert_refused(sealing.seal_text, "words", public)


def test_blob_generation_is_readable_and_bound_to_the_seal(org):
    public, private = org
    for generation in (1, 2, 300, sealing.MAX_GENERATION):
        blob = sealing.seal_text("rotated", public, generation=generation)
        assert sealing.blob_generation(blob) == generation
        assert sealing.blob_generation(blob[:sealing.SEALED_KEY_SIZE]) == generation
    assert sealing.blob_generation(sealing.seal_text("default", public)) == 1
    relabelled = blob[:1] + (7).to_bytes(2, "big") + blob[3:]
    assert sealing.blob_generation(relabelled) == 7
    assert_refused(sealing.open_text, relabelled, private)


@pytest.mark.parametrize("generation", [0, -1, sealing.MAX_GENERATION + 1])
def test_generation_out_of_range_is_a_programming_error(org, generation):
    with pytest.raises(ValueError):
        sealing.seal_text("words", org[0], generation=generation)


@pytest.mark.parametrize("blob", [b"", b"\x01", b"\x03\x00\x01" + b"\x00" * 100])
def test_blob_generation_of_a_foreign_blob_is_refused(blob):
    assert_refused(sealing.blob_generation, blob)


def test_blobs_read_from_postgres_as_memoryview_open(org):
    public, private = org
    blob = memoryview(sealing.seal_text("bytea", public))
    assert sealing.open_text(blob, memoryview(private)) == "bytea"
    assert sealing.blob_generation(blob) == 1


# --- items a second party can read ------------------------------------------------------------

def test_client_with_a_receipt_reads_the_item_and_the_org_can_too(org):
    public, private = org
    item_key = sealing.new_item_key()
    assert len(item_key) == 32 and item_key != sealing.new_item_key()
    sealed_key = sealing.seal_item_key(item_key, public, 4)
    message = sealing.encrypt_with_key("¿Cuándo abren? 🙂", item_key)
    reply = sealing.encrypt_with_key("Monday to Friday, 9 to 5.", item_key)
    salt = b"s" * 16
    wrapped = sealing.wrap_key(item_key, sealing.code_wrapping_key("7KQM3WXD9TPRHF2C", salt, "receipt"))

    assert sealing.blob_generation(sealed_key) == 4
    assert sealing.open_item_key(sealed_key, private) == item_key
    client_key = sealing.unwrap_key(wrapped, sealing.code_wrapping_key("7KQM3WXD9TPRHF2C", salt, "receipt"))
    assert sealing.decrypt_with_key(message, client_key) == "¿Cuándo abren? 🙂"
    assert sealing.decrypt_with_key(reply, client_key) == "Monday to Friday, 9 to 5."
    assert_holds_none_of(message, "¿Cuándo abren? 🙂")
    assert item_key not in sealed_key and item_key not in wrapped


def test_another_code_salt_or_purpose_cannot_unwrap(org):
    item_key = sealing.new_item_key()
    salt = b"s" * 16
    wrapped = sealing.wrap_key(item_key, sealing.code_wrapping_key("7KQM3WXD9TPRHF2C", salt, "receipt"))
    for code, other_salt, purpose in [
        ("7KQM3WXD9TPRHF2D", salt, "receipt"),
        ("7KQM3WXD9TPRHF2C", b"t" * 16, "receipt"),
        ("7KQM3WXD9TPRHF2C", salt, "withdrawal"),
    ]:
        assert_refused(sealing.unwrap_key, wrapped, sealing.code_wrapping_key(code, other_salt, purpose))


def test_code_wrapping_key_is_32_bytes_and_repeatable():
    key = sealing.code_wrapping_key("ABCD", b"salt", "receipt")
    assert len(key) == 32 and key == sealing.code_wrapping_key("ABCD", b"salt", "receipt")
    # purpose and salt are kept apart, so they cannot be shifted into each other
    assert key != sealing.code_wrapping_key("ABCD", b"ptsalt", "receie")


def test_item_blobs_refuse_tampering_and_other_keys(org):
    public, private = org
    item_key, other_key = sealing.new_item_key(), sealing.new_item_key()
    sealed_key = sealing.seal_item_key(item_key, public, 2)
    message = sealing.encrypt_with_key("words", item_key)
    wrapped = sealing.wrap_key(item_key, other_key)
    for index in range(len(sealed_key)):
        assert_refused(sealing.open_item_key, flipped(sealed_key, index), private)
    for index in range(len(message)):
        assert_refused(sealing.decrypt_with_key, flipped(message, index), item_key)
    for index in range(len(wrapped)):
        assert_refused(sealing.unwrap_key, flipped(wrapped, index), other_key)
    assert_refused(sealing.open_item_key, sealed_key, sealing.new_org_keypair()[1])
    assert_refused(sealing.decrypt_with_key, message, other_key)
    assert_refused(sealing.unwrap_key, wrapped, item_key)
    assert_refused(sealing.seal_item_key, b"short", public, 1)
    assert_refused(sealing.encrypt_with_key, "words", b"short")


def test_empty_text_round_trips_with_an_item_key():
    item_key = sealing.new_item_key()
    assert sealing.decrypt_with_key(sealing.encrypt_with_key("", item_key), item_key) == ""


# --- the private key wrapped by password -------------------------------------------------------

def test_password_wrap_round_trips_and_hides_the_key(org):
    private = org[1]
    blob = sealing.wrap_private_key_with_password(private, "correct horse battery staple", CHEAP)
    assert private not in blob
    assert sealing.unwrap_private_key_with_password(blob, "correct horse battery staple") == private
    assert blob != sealing.wrap_private_key_with_password(private, "correct horse battery staple", CHEAP)


@pytest.mark.parametrize("password", ["correct horse battery stapl", "Correct horse battery staple", ""])
def test_wrong_password_is_refused(org, password):
    blob = sealing.wrap_private_key_with_password(org[1], "correct horse battery staple", CHEAP)
    assert_refused(sealing.unwrap_private_key_with_password, blob, password)


def test_password_wrap_survives_a_change_of_configured_costs(org):
    old = sealing.wrap_private_key_with_password(org[1], "pässwörd ünïcode 🔑", Argon2Params(2, 16, 2))
    # the app now runs with other costs; the blob still says which ones it was made with
    new = sealing.wrap_private_key_with_password(org[1], "pässwörd ünïcode 🔑", CHEAP)
    assert old[1:13] != new[1:13]
    for blob in (old, new):
        assert sealing.unwrap_private_key_with_password(blob, "pässwörd ünïcode 🔑") == org[1]


def test_password_wrap_refuses_tampering_with_any_byte(org):
    blob = sealing.wrap_private_key_with_password(org[1], "a long pass phrase", CHEAP)
    for index in range(len(blob)):
        assert_refused(sealing.unwrap_private_key_with_password, flipped(blob, index), "a long pass phrase")
    assert_refused(sealing.unwrap_private_key_with_password, blob[:20], "a long pass phrase")
    assert_refused(sealing.unwrap_private_key_with_password, b"", "a long pass phrase")


def test_password_wrapping_key_is_argon2id_of_the_given_costs():
    key = sealing.password_wrapping_key("pass phrase", b"0123456789abcdef", 1, 8, 1)
    assert len(key) == 32
    assert key == sealing.password_wrapping_key("pass phrase", b"0123456789abcdef", 1, 8, 1)
    assert key != sealing.password_wrapping_key("pass phrase", b"0123456789abcdef", 2, 8, 1)
    assert_refused(sealing.password_wrapping_key, "pass phrase", b"0123456789abcdef", 1, 10**9, 1)


def test_argon2_params_come_from_the_app_config():
    config = {"ARGON2_TIME_COST": 3, "ARGON2_MEMORY_COST": 65536, "ARGON2_PARALLELISM": 4}
    assert Argon2Params.from_config(config) == Argon2Params(3, 65536, 4)


# --- the recovery key ---------------------------------------------------------------------------

def test_recovery_key_is_printed_in_groups_and_carries_128_bits_or_more():
    key = sealing.new_recovery_key()
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4})+", key)
    compact = sealing.normalise_recovery_key(key)
    assert len(compact) * 5 >= 128
    assert set(compact) <= set(sealing.RECOVERY_ALPHABET)
    assert sealing.new_recovery_key() != key


def test_normalising_a_recovery_key_tolerates_how_it_was_typed():
    key = sealing.new_recovery_key()
    compact = sealing.normalise_recovery_key(key)
    spaced = " ".join(compact[i:i + 5] for i in range(0, len(compact), 5))
    for typed in (key, key.lower(), spaced, f"  {spaced.lower()}\n", key.replace("-", " - "), compact):
        assert sealing.normalise_recovery_key(typed) == compact
    assert sealing.normalise_recovery_key("o1l-I0") == "01110"


def test_recovery_wrap_opens_with_the_key_however_typed(org):
    key = sealing.new_recovery_key()
    blob = sealing.wrap_private_key_with_recovery(org[1], key, CHEAP)
    assert org[1] not in blob
    for typed in (key, key.lower().replace("-", " ")):
        assert sealing.unwrap_private_key_with_recovery(blob, typed) == org[1]
    salt = blob[13:29]
    assert sealing.unwrap_key(blob[29:], sealing.recovery_wrapping_key(key.lower(), salt, CHEAP)) == org[1]


def test_wrong_recovery_key_is_refused(org):
    blob = sealing.wrap_private_key_with_recovery(org[1], sealing.new_recovery_key(), CHEAP)
    assert_refused(sealing.unwrap_private_key_with_recovery, blob, sealing.new_recovery_key())
    assert_refused(sealing.unwrap_private_key_with_recovery, blob, "")


def test_recovery_wrap_with_its_default_cost(org):
    key = sealing.new_recovery_key()
    blob = sealing.wrap_private_key_with_recovery(org[1], key)
    assert sealing.unwrap_private_key_with_recovery(blob, key) == org[1]


# --- carrying the private key through a session ----------------------------------------------

def test_session_wrap_round_trips_as_urlsafe_text(org):
    text = sealing.wrap_for_session(org[1], "app secret key")
    assert isinstance(text, str) and re.fullmatch(r"[A-Za-z0-9_\-]+=*", text)
    assert org[1] not in base64.urlsafe_b64decode(text)
    assert sealing.unwrap_from_session(text, "app secret key") == org[1]
    assert text != sealing.wrap_for_session(org[1], "app secret key")


def test_session_wrap_works_with_a_long_secret_key(org):
    secret = "k" * 500
    assert sealing.unwrap_from_session(sealing.wrap_for_session(org[1], secret), secret) == org[1]


def test_wrong_session_secret_is_refused(org):
    text = sealing.wrap_for_session(org[1], "app secret key")
    assert_refused(sealing.unwrap_from_session, text, "another secret key")
    assert_refused(sealing.unwrap_from_session, text, "")


def test_tampered_or_malformed_session_text_is_refused(org):
    text = sealing.wrap_for_session(org[1], "app secret key")
    raw = base64.urlsafe_b64decode(text)
    for index in range(len(raw)):
        tampered = base64.urlsafe_b64encode(flipped(raw, index)).decode()
        assert_refused(sealing.unwrap_from_session, tampered, "app secret key")
    for bad in ("", "!!!!", text[:-4], text + "AAAA", "ñ" + text, None):
        assert_refused(sealing.unwrap_from_session, bad, "app secret key")


def test_session_box_is_keyed_by_the_secret_and_its_purpose():
    key = sealing.session_key_box("app secret key")
    assert bytes(key) == bytes(sealing.session_key_box("app secret key"))
    assert bytes(key) != bytes(sealing.session_key_box("app secret kez"))
    assert bytes(key) != sealing.code_wrapping_key("app secret key", b"", "receipt")
