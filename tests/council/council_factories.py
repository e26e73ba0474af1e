"""Council members, proposals and meetings made in one call, the way staff and members make them."""
from __future__ import annotations

import datetime as dt
import secrets

from support.world import PASSWORD, log_in, make_account, sign_in

from portal.accounts.models import User
from portal.clock import today, utc_now
from portal.council import service
from portal.council.models import Member, Proposal
from portal.db import db

EVERY_TEXT = {"pronouns": "they/them", "languages": "English, Tagalog",
              "about": "Organiser since 2015."}


def staff_actor() -> User:
    """A staff account to act as (made once; call with the database open)."""
    user = User.by_username("council-staff")
    if user is None:
        user = User.create(username="council-staff", role="staff", password_hash="x",
                           created_on=utc_now().date())
    return user


def add_member(app, username: str | None = None, name: str = "Rosa", starts: dt.date | None = None,
               ends: dt.date | None = None) -> User:
    """A council account (password PASSWORD) on the roster; returns the account."""
    username = username or f"member-{secrets.token_hex(3)}"
    user = make_account(app, "council", username)
    with app.test_request_context("/"), db.connection_context():
        service.add_member(staff_actor(), user.id, name, starts or today() - dt.timedelta(days=30),
                           ends)
    return user


def member_of(app, user: User) -> Member:
    with app.app_context(), db.connection_context():
        return Member.get(Member.user == user.id)


def member_client(app, user: User):
    """A browser in which the member logged in with their password (their own key is opened)."""
    client = app.test_client()
    log_in(client, user, PASSWORD)
    return client


def staff_client(app, role: str = "staff"):
    """A browser of a staff account that can read sealed records."""
    client = app.test_client()
    sign_in(client, make_account(app, role, f"{role}-{secrets.token_hex(3)}"))
    return client


def give_access(app) -> None:
    """Staff give out the council key: every current member who logged in gets it."""
    assert staff_client(app).post("/staff/council/access").status_code == 302


def make_proposal(app, title: str = "Evening hours", closes_in: int = 5, state: str = "open",
                  closed: bool = False) -> Proposal:
    """A proposal (open by default); closed=True moves its closing day into the past."""
    with app.test_request_context("/"), db.connection_context():
        actor = staff_actor()
        proposal = service.save_proposal(actor, None, title, "Should we stay open until 9?",
                                         "Many people **work** days.", "https://example.org/a",
                                         today() + dt.timedelta(days=closes_in))
        if state == "open":
            service.open_proposal(actor, proposal)
        if closed:
            proposal.closes_on = today() - dt.timedelta(days=1)
            proposal.save()
        return Proposal.get_by_id(proposal.id)


def profile_data(name: str = "Rosa", **fields) -> dict:
    """The profile form's values: every field left empty and "council" unless given."""
    from portal.council.categories import CATEGORIES, TEXT_FIELDS

    data = {"name": name, "email": ""}
    for key, _ in TEXT_FIELDS:
        data[f"text_{key}"], data[f"vis_{key}"] = "", "council"
    for category in CATEGORIES:
        data[f"cat_{category.key}"], data[f"vis_{category.key}"] = "", "council"
    data.update(fields)
    return data
