"""Test accounts that can read sealed records, without the slow parts of a real setup.

The organisation key is made (or an unclaimed one claimed) with a known recovery key, so a
helper can grant it to any account later; the argon2 cost is the app's, which tests keep cheap.
"""
from __future__ import annotations

from portal import sealing
from portal.accounts import keys
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
