"""Test accounts that can read sealed records, without the slow parts of a real setup.

The organisation key is made (or an unclaimed one claimed) with a known recovery key, so a
helper can grant it to any account later; the argon2 cost is the app's, which tests keep cheap.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

from flask import g

from portal import sealing
from portal.accounts import keys, sealed
from portal.accounts.models import User
from portal.clock import today

TEST_RECOVERY_KEY = "TEST-REC0-VERY-KEYS-0123-4567-89AB"


def org_private_key() -> bytes:
    """The organisation private key of the current generation, made or claimed when needed."""
    params = keys._params()
    org = keys.OrgKey.current()
    if org is None:
        public, private = sealing.new_org_keypair()
        keys.OrgKey.create(generation=1, public_key=public, created_on=today(),
                           recovery_wrap=sealing.wrap_private_key_with_recovery(
                               private, TEST_RECOVERY_KEY, params))
    elif org.pending_wrap is not None:
        private = sealing.unwrap_key(org.pending_wrap, keys._secret_wrapping_key())
        org.recovery_wrap = sealing.wrap_private_key_with_recovery(private, TEST_RECOVERY_KEY, params)
        org.pending_wrap = None
        org.save()
    else:
        private = sealing.unwrap_private_key_with_recovery(org.recovery_wrap, TEST_RECOVERY_KEY)
    keys.forget_cached_org_key()
    return private


def give_key(user: User, password: str) -> None:
    """Give a staff or admin account access, as if an admin had granted it (app context, db open)."""
    private = org_private_key()
    account = keys._new_account_key(user, password)
    keys._store_grant(user, account, keys.OrgKey.current(), private)


# --- feedback rows made and read straight in the database -------------------------------------

def make_thread(message: str, day, code: str | None = None, **fields):
    """A feedback thread with one client message, sealed as a submission seals it."""
    from portal.feedback import receipts, service

    thread, item_key = service.create_thread(code or receipts.new_receipt(), day, **fields)
    service.store_message(thread, item_key, "client", message, day)
    return thread


def add_message(thread, author: str, text: str, day, staff_user=None):
    """One more message in a thread, with the thread's key (opened with the organisation key)."""
    from portal.feedback import service

    item_key = sealed.Reader(org_private_key()).item_key(thread.sealed_key)
    return service.store_message(thread, item_key, author, text, day, staff_user=staff_user)


def message_texts(messages=None) -> list[str | None]:
    """What the stored messages say (all of them, oldest first, unless given)."""
    from portal.feedback.models import FeedbackMessage, FeedbackThread

    reader = sealed.Reader(org_private_key())
    if messages is None:
        messages = FeedbackMessage.select().order_by(FeedbackMessage.id)
    texts = []
    for message in messages:
        thread = FeedbackThread.get_by_id(message.thread_id)
        found = (reader.item_key(thread.sealed_key), reader.item_key(thread.legacy_key))
        text = None
        for item_key in (k for k in found if k is not None):
            text = sealed.decrypt(message.body, item_key)
            if text is not None:
                break
        texts.append(text)
    return texts


@contextlib.contextmanager
def holding_the_key(app, user: User) -> Iterator[None]:
    """A request whose session carries the organisation key, as after the user logged in."""
    with app.test_request_context():
        g.user = user
        keys.carry(org_private_key(), user)
        yield
