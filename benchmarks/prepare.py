"""Inside the portal's own environment: add a staff account and list the public GET routes.

`python -m benchmarks.prepare USERNAME PASSWORD` prints JSON: the account's id and every
route a visitor can open without logging in and without a URL argument.
"""
from __future__ import annotations

import json
import sys

from portal import create_app
from portal.accounts import keys
from portal.accounts.models import User
from portal.clock import utc_now
from portal.db import db, write_transaction
from portal.security import hash_password, view_access


def public_get_routes(app) -> list[str]:
    """Paths of public views that answer GET and take no arguments."""
    paths = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint == "static" or rule.arguments or "GET" not in rule.methods:
                continue
            access = view_access(rule.endpoint)
            if access and "public" in access:
                paths.append(rule.rule)
    return sorted(set(paths))


def main(username: str, password: str) -> None:
    """Create the staff account (straight into the database) and print what the run needs."""
    app = create_app()
    with app.app_context():
        with db.connection_context(), write_transaction():
            user = User.by_username(username)
            if user is None:
                user = User.create(username=username, display_name="Benchmark staff", role="staff",
                                   password_hash=hash_password(password), created_on=utc_now().date())
        with db.connection_context():
            # the benchmark's own database: its staff account holds the key, as an admin's would
            keys.claim_on_console(user, password)
        print(json.dumps({"staff_id": user.id, "public_get_routes": public_get_routes(app)}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
