"""Who may use which route: one table for every route and role, and checks on owned records.

The rows come from the area registry: each area's `access` names who may use each of its routes,
and a new route fails `test_every_route_is_in_the_table` until its area declares it. URL arguments
come from tests/support/world.py (ARGUMENTS).
"""
from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import pyotp
import pytest
from support.database import WriteCounter
from support.world import ROLES, World, build_world, route_keys, rule_for

from portal import areas
from portal.accounts.models import User
from portal.db import db

OK = "ok"                # the view ran (any answer below 500 that is not one of the others)
LOGIN = "login"          # redirected to /login
FORBIDDEN = "forbidden"  # 403
NOT_FOUND = "not_found"  # 404
REFUSED = (LOGIN, FORBIDDEN, NOT_FOUND)


def everyone(method: str) -> dict[str, str]:
    """A public route: every role gets it."""
    return dict.fromkeys(ROLES, OK)


def logged_in(method: str) -> dict[str, str]:
    """Anyone with an account."""
    return {"anonymous": LOGIN if method == "GET" else FORBIDDEN,
            "council": OK, "other_council": OK, "staff": OK, "admin": OK}


def staff_only(method: str) -> dict[str, str]:
    """Staff and admins."""
    return {"anonymous": LOGIN if method == "GET" else FORBIDDEN,
            "council": FORBIDDEN, "other_council": FORBIDDEN, "staff": OK, "admin": OK}


def admin_only(method: str) -> dict[str, str]:
    """Admins only."""
    return {**staff_only(method), "staff": FORBIDDEN}


def council_only(method: str) -> dict[str, str]:
    """Council members only (staff are refused: a member's own pages are not theirs)."""
    return {"anonymous": LOGIN if method == "GET" else FORBIDDEN,
            "council": OK, "other_council": OK, "staff": FORBIDDEN, "admin": FORBIDDEN}


def pending_login(method: str) -> dict[str, str]:
    """Without a password typed a moment ago, the second-factor page sends everyone to /login."""
    return dict.fromkeys(ROLES, LOGIN)


OUTCOMES = {areas.PUBLIC: everyone, areas.ACCOUNT: logged_in, areas.STAFF: staff_only,
            areas.ADMIN: admin_only, areas.COUNCIL: council_only,
            areas.PENDING_LOGIN: pending_login}


def access_table() -> dict[str, dict[str, str]]:
    """Every route each registered area declares, with the outcome each role must get."""
    assert set(OUTCOMES) == set(areas.ACCESS_KINDS), "every kind of access needs its outcomes"
    table = {}
    for area in areas.load_areas():
        for key, kind in area.access.items():
            assert kind in OUTCOMES, f"{area.name}: {key} has an unknown access kind {kind!r}"
            assert key not in table, f"{key} is declared by two areas"
            table[key] = OUTCOMES[kind](key.split(" ", 1)[0])
    return table


ACCESS = access_table()


def outcome(response) -> str:
    """Sort an answer into one of the outcomes the table uses."""
    if response.status_code in (301, 302, 303, 307, 308):
        if urlsplit(response.location).path == "/login":
            return LOGIN
    if response.status_code == 403:
        return FORBIDDEN
    if response.status_code == 404:
        return NOT_FOUND
    assert response.status_code < 500, f"server error {response.status_code}"
    return OK


def test_every_route_is_in_the_table(app):
    routes = set(route_keys(app))
    missing = sorted(routes - set(ACCESS))
    stale = sorted(set(ACCESS) - routes)
    assert not missing, f"add these routes to the `access` of their area's Area(...): {missing}"
    assert not stale, f"these rows name routes that no longer exist: {stale}"
    for key, row in ACCESS.items():
        assert set(row) == set(ROLES), f"{key} must give an outcome for each of {ROLES}"


@pytest.mark.parametrize("key", sorted(ACCESS))
def test_route_admits_exactly_the_roles_in_the_table(app, key):
    """Each role, in its own logged-in browser; a refused request writes nothing."""
    world = build_world(app)
    method, rule = rule_for(app, key)
    url = world.url(rule)
    for role in ROLES:
        client = world.clients[role]
        with WriteCounter(db.obj) as writes:
            response = client.open(url, method=method, data={}, buffered=True)
        got = outcome(response)
        assert got == ACCESS[key][role], f"{key} as {role}: expected {ACCESS[key][role]}, got {got} " \
                                         f"({response.status_code} {response.location or ''})"
        if got in REFUSED:
            assert not writes.statements, f"{key} refused {role} but wrote: {writes.statements}"


def test_a_view_without_an_access_rule_is_closed(app, tmp_path):
    """Default deny: a view that forgets its decorator answers 403 to everyone."""
    from support.config import portal_config
    from support.world import make_account, sign_in

    from portal import create_app

    fresh = create_app(portal_config(tmp_path / "fresh"))
    fresh.add_url_rule("/forgot-a-decorator", "forgot", lambda: "secret")
    staff = make_account(fresh, "admin", "forgetful-admin")
    client = fresh.test_client()
    assert client.get("/forgot-a-decorator").status_code == 403
    sign_in(client, staff)
    assert client.get("/forgot-a-decorator").status_code == 403


# --- owned records: a member acting on another member's record changes nothing of it -----------

@dataclass
class OwnedAction:
    """Something a person does to their own record, tried against the record of "council"."""

    name: str
    method: str
    path: Callable[[World], str]
    data: Callable[[World], dict]
    # what of the owner's record must not change (read with the database open)
    owner_state: Callable[[World], object]
    # who tries it: a second council member, staff, or a stranger
    actors: tuple[str, ...] = ("other_council", "staff")


def _owner(world: World) -> User:
    return User.get_by_id(world.users["council"].id)


def _tampering(world: World) -> dict:
    """Fields a curious person adds, naming the owner's record."""
    owner = world.users["council"]
    return {"user_id": owner.id, "uid": owner.id, "id": owner.id, "username": owner.username}


def _enable_totp(world: World) -> dict:
    secret = pyotp.random_base32()
    return {**_tampering(world), "secret": secret, "code": pyotp.TOTP(secret).now()}


def _guessed_receipt(world: World) -> dict:
    receipt = world.value("thread_id") and world.objects["feedback"][0]
    # one character changed: close to the owner's code, but not it
    swapped = receipt[:-1] + ("2" if receipt[-1] != "2" else "3")
    return {"receipt": swapped, "message": "Someone else's words."}


def _thread_messages(world: World):
    from portal.feedback.models import FeedbackMessage
    return [m.body for m in FeedbackMessage.select().where(
        FeedbackMessage.thread == world.value("thread_id")).order_by(FeedbackMessage.id)]


NEW_PASSWORD = "another-quiet-harbour-77"

OWNED: list[OwnedAction] = [
    OwnedAction("change password", "POST", lambda w: "/account",
                lambda w: {**_tampering(w), "current": "correct-kettle-meadow-42",
                           "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
                lambda w: (_owner(w).password_hash, _owner(w).session_version)),
    OwnedAction("turn on a second factor", "POST", lambda w: "/account/two-factor", _enable_totp,
                lambda w: (_owner(w).totp_enabled, _owner(w).totp_secret)),
    OwnedAction("log out everywhere", "POST", lambda w: "/logout", _tampering,
                lambda w: _owner(w).session_version),
    OwnedAction("deactivate the account", "POST",
                lambda w: f"/staff/users/{w.users['council'].id}/deactivate", _tampering,
                lambda w: (_owner(w).is_active, _owner(w).session_version)),
    OwnedAction("reset link for the account", "POST",
                lambda w: f"/staff/users/{w.users['council'].id}/reset", _tampering,
                lambda w: (_owner(w).password_hash, list(_owner(w).links))),
    # a feedback thread belongs to whoever holds its receipt
    OwnedAction("add to a feedback thread with a guessed receipt", "POST",
                lambda w: "/feedback/status", _guessed_receipt, _thread_messages,
                actors=("anonymous", "other_council")),
]


@pytest.mark.parametrize("action", OWNED, ids=[a.name for a in OWNED])
def test_acting_on_another_members_record_changes_nothing(app, action):
    for actor in action.actors:
        world = build_world(app)
        data = action.data(world)
        state = functools.partial(action.owner_state, world)
        before = world.query(state)
        response = world.clients[actor].open(action.path(world), method=action.method, data=data)
        assert response.status_code < 500
        assert world.query(state) == before, f"{actor}: {action.name}"
        # and the owner's own session is untouched
        still = world.clients["council"].get("/account")
        assert still.status_code == 200, f"{actor}: {action.name} ended the owner's session"


def test_own_password_change_touches_only_ones_own_account(app):
    """The positive half: the same request changes the actor's record, proving the path ran."""
    world = build_world(app)
    actor = world.users["other_council"]
    before = world.query(lambda: User.get_by_id(actor.id).password_hash)
    response = world.clients["other_council"].post("/account", data={
        **_tampering(world), "current": "correct-kettle-meadow-42",
        "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert world.query(lambda: User.get_by_id(actor.id).password_hash) != before


def test_a_session_cookie_from_before_a_password_change_is_refused(app):
    """Sessions belong to an account version: another browser's old cookie stops working."""
    world = build_world(app)
    owner = world.users["council"]
    second = app.test_client()
    from support.world import sign_in

    sign_in(second, owner)
    assert second.get("/account").status_code == 200
    world.clients["council"].post("/account", data={
        "current": "correct-kettle-meadow-42", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert outcome(second.get("/account")) == LOGIN


def test_a_forged_session_is_refused(app):
    """A cookie signed with another key never logs anyone in."""
    world = build_world(app, roles=("anonymous", "admin"))
    other = app.test_client()
    app.secret_key, real = "not-the-key-" + secrets.token_hex(8), app.secret_key
    try:
        from support.world import sign_in

        sign_in(other, world.users["admin"])
    finally:
        app.secret_key = real
    assert outcome(other.get("/staff/users")) == LOGIN
