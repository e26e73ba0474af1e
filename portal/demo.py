"""Sample data for a newcomer: a few accounts and, per area, realistic records."""
from __future__ import annotations

import secrets
from collections.abc import Iterator

from portal.accounts.models import User, utc_now
from portal.db import write_transaction
from portal.feedback.demo import demo_feedback
from portal.security import hash_password

DEMO_ACCOUNTS = [("demo-staff", "staff", "Demo staff member"),
                 ("demo-council", "council", "Demo council member")]


def _demo_accounts() -> Iterator[str]:
    """Accounts with fresh random passwords, printed once (never a default password)."""
    for username, role, name in DEMO_ACCOUNTS:
        if User.by_username(username) is not None:
            yield f"Account {username} already exists; left as it is."
            continue
        password = "-".join(secrets.token_urlsafe(6) for _ in range(3))
        User.create(username=username, display_name=name, role=role,
                    password_hash=hash_password(password), created_on=utc_now().date())
        yield f"Created {role} account {username} with password {password}"


# each area adds a generator of its own sample records here
DEMO_STEPS = [_demo_accounts]
DEMO_STEPS.append(demo_feedback)


def fill_demo_data() -> Iterator[str]:
    """Run every area's demo step, each in its own transaction."""
    for step in DEMO_STEPS:
        with write_transaction():
            lines = list(step())
        yield from lines
