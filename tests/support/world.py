"""A populated portal for walking every route: one account per role and one object per URL argument.

Areas extend it with rows in tests/<area>/rows.py: ARGUMENTS (how to make the object a URL
argument names) and QUERY_STRINGS (query values a route needs), never with new machinery.
"""
from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode

import pyotp
from flask import Flask
from werkzeug.routing import Rule

from portal.accounts.models import User
from portal.clock import utc_now
from portal.db import db
from portal.security import hash_password
from support.rows import gather_dict
from support.sealing import give_key, org_private_key

PASSWORD = "correct-kettle-meadow-42"
# "other_council" is a second council member acting on records that belong to "council"
ROLES = ("anonymous", "council", "other_council", "staff", "admin")
ACCOUNT_ROLE = {"council": "council", "other_council": "council", "staff": "staff", "admin": "admin"}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def route_keys(app: Flask) -> list[str]:
    """"METHOD /rule" for every route the application answers, static files excluded."""
    keys = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        keys.extend(f"{method} {rule.rule}" for method in sorted(rule.methods & set(METHODS)))
    return sorted(keys)


def rule_for(app: Flask, key: str) -> tuple[str, Rule]:
    """The method and werkzeug rule behind a route key."""
    method, path = key.split(" ", 1)
    for rule in app.url_map.iter_rules():
        if rule.rule == path and method in rule.methods:
            return method, rule
    raise KeyError(key)


def csrf_token(html: str) -> str | None:
    """The CSRF token in a page, when the page has a form protected by one."""
    match = TOKEN.search(html)
    return match.group(1) if match else None


class _ClassText(HTMLParser):
    """The text inside the first element carrying a class."""

    def __init__(self, wanted: str) -> None:
        super().__init__()
        self.wanted = wanted
        self.depth = 0
        self.text: list[str] = []
        self.done = False

    def handle_starttag(self, tag, attrs):
        if self.done:
            return
        if self.depth:
            self.depth += 1
        elif self.wanted in (dict(attrs).get("class") or "").split():
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1
            if self.depth == 0:
                self.done = True

    def handle_data(self, data):
        if self.depth and not self.done:
            self.text.append(data)


def text_of_class(html: str, css_class: str) -> str | None:
    """The text of the first element with this class, or None."""
    parser = _ClassText(css_class)
    parser.feed(html)
    return "".join(parser.text).strip() if parser.depth or parser.done else None


def submit(client, path: str, data: dict, page: str | None = None, **kwargs):
    """POST a form the way a browser does: with the CSRF token of the page that shows it."""
    data = dict(data)
    if client.application.config.get("WTF_CSRF_ENABLED", True) and "csrf_token" not in data:
        token = csrf_token(client.get(page or path).get_data(as_text=True))
        if token is None:
            token = csrf_token(client.get("/login").get_data(as_text=True))
        data["csrf_token"] = token
    return client.post(path, data=data, **kwargs)


def log_in(client, user: User, password: str = PASSWORD):
    """Log a test client in, passing the second factor when the account has one."""
    response = submit(client, "/login", {"username": user.username, "password": password})
    if response.status_code == 302 and "/login/verify" in response.location:
        code = pyotp.TOTP(user.totp_secret).now()
        response = submit(client, "/login/verify", {"code": code})
    assert response.status_code == 302, f"{user.username} could not log in"
    return response


def sign_in(client, user: User) -> None:
    """Give a test client the session a completed login gives (no password or code typed)."""
    from portal import sealing
    from portal.accounts import keys

    now = int(time.time())
    values = {"uid": user.id, "ver": user.session_version, "started": now, "seen": now}
    app = client.application
    if user.is_staff:
        with app.app_context(), db.connection_context():
            private = org_private_key()
            values[keys.SESSION_KEY] = sealing.wrap_for_session(
                private, app.config["SECRET_KEY"], keys._context(user))
    with client.session_transaction() as session:
        session.clear()
        session.update(values)


def make_account(app: Flask, role: str, username: str, **fields) -> User:
    """An active account with the shared test password (admins get a second factor).

    Staff and admins can read sealed records; sign_in carries the key as a login would.
    """
    with app.app_context(), db.connection_context():
        user = User.create(
            username=username,
            role=role,
            password_hash=hash_password(PASSWORD),
            totp_secret=pyotp.random_base32() if role == "admin" else None,
            totp_enabled=role == "admin",
            created_on=utc_now().date(),
            **fields,
        )
        if user.is_staff:
            give_key(user, PASSWORD)
        return user


@dataclass
class World:
    """An application with one logged-in client per role and the objects URLs point at."""

    app: Flask
    users: dict[str, User | None] = field(default_factory=dict)
    clients: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)

    def value(self, name: str):
        """The object behind a URL argument, made on first use."""
        if name not in self.objects:
            arguments = gather_dict("ARGUMENTS")
            if name not in arguments:
                raise KeyError(f"add a row to ARGUMENTS in the tests/<area>/rows.py of <{name}>")
            self.objects[name] = arguments[name](self)
        return self.objects[name]

    def account(self, role: str) -> User:
        """The account of a role, made (without a logged-in client) when the world has none."""
        if self.users.get(role) is None:
            name = f"{role.replace('_', '-')}-{secrets.token_hex(3)}"
            self.users[role] = make_account(self.app, ACCOUNT_ROLE[role], name)
        return self.users[role]

    def url(self, rule: Rule) -> str:
        """A concrete URL for a rule, with arguments from the world's objects."""
        values = {name: self.value(name) for name in rule.arguments}
        with self.app.test_request_context():
            path = self.app.url_map.bind("localhost").build(rule.endpoint, values)
        query = gather_dict("QUERY_STRINGS").get(rule.rule)
        if query:
            path += "?" + urlencode(query(self))
        return path

    def query(self, fn: Callable):
        """Run a function with the database open."""
        with self.app.app_context(), db.connection_context():
            return fn()


def build_world(app: Flask, roles: tuple[str, ...] = ROLES) -> World:
    """Accounts for each role, each with its own logged-in client."""
    world = World(app)
    for role in roles:
        client = app.test_client()
        world.clients[role] = client
        if role == "anonymous":
            world.users[role] = None
            continue
        user = make_account(app, ACCOUNT_ROLE[role], f"{role.replace('_', '-')}-{secrets.token_hex(3)}")
        world.users[role] = user
        sign_in(client, user)
    return world


# --- making records the way people make them -------------------------------------------------

def new_feedback_thread(world: World, message: str = "The kettle is broken.",
                        **fields: str) -> tuple[str, int]:
    """A feedback thread made the way a client makes one: (its receipt, its public number)."""
    from portal import codes
    from portal.feedback import receipts
    from portal.feedback.models import FeedbackThread

    data = {"message": message, "topic": "", **fields}
    response = submit(world.app.test_client(), "/feedback", data)
    receipt = text_of_class(response.get_data(as_text=True), "receipt")
    assert receipt, "the feedback form showed no receipt"
    digest = world.query(lambda: receipts.receipt_hash(codes.normalise(receipt)))
    thread = world.query(lambda: FeedbackThread.by_receipt_hash(digest))
    assert thread is not None, "the receipt opens no thread"
    return receipt, thread.public_id



def session_cookie_bytes(client, name: str = "session") -> bytes:
    """What a client's signed session cookie holds, decoded (it is signed, not encrypted)."""
    import base64
    import zlib

    value = client.get_cookie(name).value
    compressed = value.startswith(".")
    payload = value.lstrip(".").split(".")[0]
    data = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return zlib.decompress(data) if compressed else data
