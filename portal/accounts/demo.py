"""Sample accounts for `flask --app app demo`: fresh random passwords, printed once."""
from __future__ import annotations

import secrets
from collections.abc import Iterator

from portal.accounts import keys
from portal.accounts.models import User
from portal.clock import utc_now
from portal.roles import COUNCIL, STAFF
from portal.security import hash_password

DEMO_ACCOUNTS = [("demo-staff", STAFF, "Demo staff member"),
                 ("demo-council", COUNCIL, "Demo council member")]


def demo_accounts() -> Iterator[str]:
    """Accounts with fresh random passwords (never a default password)."""
    for username, role, name in DEMO_ACCOUNTS:
        if User.by_username(username) is not None:
            yield f"Account {username} already exists; left as it is."
            continue
        password = "-".join(secrets.token_urlsafe(6) for _ in range(3))
        user = User.create(username=username, display_name=name, role=role,
                           password_hash=hash_password(password), created_on=utc_now().date())
        yield f"Created {role} account {username} with password {password}"
        if user.is_staff:
            recovery_key = keys.claim_on_console(user, password)
            if recovery_key:
                yield (f"{username} holds the organisation key and reads sealed records. Its recovery "
                       f"key, shown only now (keep it offline): {recovery_key}")
            else:
                yield (f"An admin holds the organisation key: give {username} access to sealed "
                       "records on /staff/users.")
