"""The browser suite's shared fixtures: the real app under gunicorn on a loopback port, a second
loopback site for the quick exit, one Chromium per session, accounts, logging in, axe, and the
three ways every journey runs (English with and without JavaScript, Spanish without).

A journey for a new area is one file: take `page` (it runs once per variant), `t` for the
variant's words, `server.make_account(role)`, `log_in`, `new_page` for a second person, and
`check_accessibility(page)` after each page it reaches.
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pyotp
import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PASSWORD = "browser-kettle-meadow-42"
PHONE = {"width": 360, "height": 740}
# every journey runs in each of these
VARIANTS = {
    "en-js": ("en", True),
    "en-nojs": ("en", False),
    "es-nojs": ("es", False),
}
BROWSER_LOCALES = {"en": "en-GB", "es": "es-ES"}
AXE_CHECKS = {"pages": 0}
# whether each open browser context runs JavaScript, by id()
JAVASCRIPT: dict[int, bool] = {}


def pytest_terminal_summary(terminalreporter):
    """Say how many page states axe checked in this run."""
    if AXE_CHECKS["pages"]:
        terminalreporter.write_line(f"axe-core: {AXE_CHECKS['pages']} page states passed with no "
                                    f"violation of {', '.join(WCAG_TAGS)}")


def _require_chromium() -> None:
    """Skip without Chromium, unless CI says the browser suite must run."""
    if not CHROMIUM.exists():
        if os.environ.get("PORTAL_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is missing and PORTAL_REQUIRE_BROWSER is set")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the quick exit's destination ------------------------------------------------------------

class _ExitHandler(http.server.BaseHTTPRequestHandler):
    """A harmless page standing in for the weather site the quick exit goes to."""

    def do_GET(self):
        self.server.seen.append(dict(self.headers))
        body = (b"<!doctype html><html lang='en'><title>Weather</title>"
                b"<h1 id='weather'>Weather today</h1><p>Sunny spells.</p></html>")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def exit_site():
    """A second loopback site; `.url` is where "Leave this site" leads, `.seen` its requests."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", _free_port()), _ExitHandler)
    server.seen = []
    server.url = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


# --- the portal ------------------------------------------------------------------------------

@dataclass
class Account:
    """A person who logs in, as the browser sees them."""

    id: int
    username: str
    role: str
    password: str = PASSWORD
    totp_secret: str | None = None
    used_steps: set = field(default_factory=set)

    def totp_code(self) -> str:
        """A current code the portal has not seen yet (it refuses replays)."""
        totp = pyotp.TOTP(self.totp_secret)
        while int(time.time()) // totp.interval in self.used_steps:
            time.sleep(0.5)
        step = int(time.time()) // totp.interval
        self.used_steps.add(step)
        return totp.at(step * totp.interval)


class LiveServer:
    """The portal under gunicorn, plus an app in this process that writes to the same database."""

    def __init__(self, base_url: str, app, exit_url: str, log_path: Path):
        from portal.db import db

        self.url = base_url
        self.app = app
        self.exit_url = exit_url
        self.log_path = log_path
        self.database = db.obj

    def run(self, fn):
        """Run fn() with the portal's database open in this process."""
        from portal.db import db

        with self.app.app_context():
            # other tests in this session may have bound the shared proxy to their own database
            if db.obj is not self.database:
                db.initialize(self.database)
            with db.connection_context():
                return fn()

    def make_account(self, role: str = "staff", totp: bool | None = None,
                     username: str | None = None) -> Account:
        """A fresh account; admins get a second factor unless told otherwise; staff and admins
        can read sealed records."""
        from portal.accounts.models import User
        from portal.clock import utc_now
        from portal.security import hash_password

        totp = (role == "admin") if totp is None else totp
        name = username or f"{role}-{secrets.token_hex(4)}"
        secret = pyotp.random_base32() if totp else None

        def create():
            from support.sealing import give_key

            user = User.create(username=name, role=role, password_hash=hash_password(PASSWORD),
                               totp_secret=secret, totp_enabled=bool(totp),
                               created_on=utc_now().date())
            if user.is_staff:
                # staff and admins read sealed records, as if an admin had given them access
                give_key(user, PASSWORD)
            return user
        user = self.run(create)
        return Account(id=user.id, username=name, role=role, totp_secret=secret)

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's output, for failure messages."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def _server_environment(tmp: Path, port: int, exit_url: str) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PORTAL_")}
    env.update({
        "PORTAL_INSTANCE_PATH": str(tmp / "instance"),
        "PORTAL_DATABASE_URL": f"sqlite:///{tmp / 'portal.sqlite'}",
        "PORTAL_SECRET_KEY": secrets.token_hex(32),
        "PORTAL_BASE_URL": f"http://127.0.0.1:{port}",
        "PORTAL_BIND": f"127.0.0.1:{port}",
        "PORTAL_WORKERS": "3",
        "PORTAL_QUICK_EXIT_URL": exit_url,
        "PORTAL_ARGON2_TIME_COST": "1",
        "PORTAL_ARGON2_MEMORY_COST": "8",
        "PORTAL_ARGON2_PARALLELISM": "1",
        "PORTAL_RATELIMIT_ENABLED": "0",
        "PORTAL_SQLITE_SYNCHRONOUS": "NORMAL",
    })
    return env


def _wait_until_up(url: str, process: subprocess.Popen, log_path: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the portal stopped at start-up:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise RuntimeError(f"the portal did not answer within {seconds}s:\n{log_path.read_text()}")


@contextlib.contextmanager
def running_portal(tmp: Path, exit_url: str):
    """Start the real portal (gunicorn, CSRF on, a new SQLite database in tmp) on a free loopback
    port and stop it afterwards."""
    from portal import create_app

    port = _free_port()
    env = _server_environment(tmp, port, exit_url)
    # the database is created here first, so the workers start against a migrated schema
    app = create_app({
        "INSTANCE_PATH": env["PORTAL_INSTANCE_PATH"],
        "DATABASE_URL": env["PORTAL_DATABASE_URL"],
        "SECRET_KEY": env["PORTAL_SECRET_KEY"],
        "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 8, "ARGON2_PARALLELISM": 1,
        "RATELIMIT_ENABLED": False,
        "LOG_REQUESTS": False,
    })
    log_path = tmp / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:app"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    live = LiveServer(f"http://127.0.0.1:{port}", app, exit_url, log_path)
    try:
        _wait_until_up(live.url, process, log_path)
        yield live
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def start_portal():
    """with start_portal(tmp_dir, exit_url) as portal: a portal of one's own, for a module that
    needs an empty database."""
    _require_chromium()
    return running_portal


@pytest.fixture(scope="session")
def server(tmp_path_factory, exit_site):
    """The portal every journey shares; each test makes its own accounts and records."""
    _require_chromium()
    with running_portal(tmp_path_factory.mktemp("portal-server"), exit_site.url) as live:
        yield live


# --- the browser -----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser():
    """One Chromium for the whole session; each test gets its own contexts."""
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class PageWatch:
    """What a page did that it should not: script errors, broken resources, other sites."""

    def __init__(self, allowed_origins: set[str]):
        self.allowed = allowed_origins
        self.problems: list[str] = []

    def attach(self, page) -> None:
        page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        page.on("console", self._console)
        page.on("request", self._request)
        page.on("response", self._response)

    def _console(self, message) -> None:
        # a refused CSP rule shows up here; failed loads are judged in _response instead
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.problems.append(f"console error: {message.text}")

    def _request(self, request) -> None:
        url = request.url
        if url.startswith(("data:", "about:", "blob:")):
            return
        origin = "/".join(url.split("/", 3)[:3])
        if origin not in self.allowed:
            self.problems.append(f"request to another site: {url}")

    def _response(self, response) -> None:
        # a page may answer 4xx on purpose (404, a refused form); a resource never, nothing 5xx
        document = response.request.resource_type == "document"
        if response.status >= 500 or (not document and response.status >= 400):
            self.problems.append(f"{response.status} for {response.url}")


@pytest.fixture
def new_page(browser, server):
    """Open a page in a fresh context (its own cookies): new_page(lang="es", js=False); pass
    portal= to open it on another running portal than the shared one."""
    contexts = []
    watches = []

    def _open(lang: str = "en", js: bool = True, viewport: dict | None = None,
              portal: LiveServer | None = None):
        portal = portal or server
        context = browser.new_context(
            java_script_enabled=js,
            locale=BROWSER_LOCALES[lang],
            viewport=viewport or PHONE,
            base_url=portal.url,
            reduced_motion="reduce",
        )
        context.set_default_timeout(10_000)
        JAVASCRIPT[id(context)] = js
        contexts.append(context)
        page = context.new_page()
        watch = PageWatch({portal.url, portal.exit_url.rstrip("/")})
        watch.attach(page)
        watches.append((watch, portal))
        return page

    yield _open
    for context in contexts:
        JAVASCRIPT.pop(id(context), None)
        context.close()
    problems = [problem for watch, _ in watches for problem in watch.problems]
    logs = {portal.log_tail() for watch, portal in watches if watch.problems}
    assert not problems, ("the pages did something they should not:\n" + "\n".join(problems)
                          + "\nserver log:\n" + "\n".join(logs))


@pytest.fixture(params=list(VARIANTS))
def variant(request) -> tuple[str, bool]:
    """(language, JavaScript on?) for this run of a journey."""
    return VARIANTS[request.param]


@pytest.fixture
def lang(variant) -> str:
    """The language of this run of a journey."""
    return variant[0]


@pytest.fixture
def page(new_page, variant):
    """A phone-sized page in the variant's language, with or without JavaScript."""
    language, js = variant
    return new_page(lang=language, js=js)


@functools.cache
def _catalogue(language: str):
    from babel.support import NullTranslations, Translations

    if language == "en":
        return NullTranslations()
    return Translations.load(str(ROOT / "translations"), [language])


def translator(language: str):
    """t("Log in") in the given language, with %(name)s values filled in."""
    def t(text: str, **values) -> str:
        translated = _catalogue(language).gettext(text)
        return translated % values if values else translated
    return t


@pytest.fixture
def t(lang):
    """The words the visitor sees in this run's language: t("Send feedback")."""
    return translator(lang)


# --- people ------------------------------------------------------------------------------------

def log_in(page, account: Account) -> None:
    """Log in through the form, and the second step when the account has one."""
    page.goto("/login")
    page.locator("#username").fill(account.username)
    page.locator("#password").fill(account.password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    if page.url.endswith("/login/verify"):
        page.locator("#code").fill(account.totp_code())
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
    assert "/login" not in page.url, f"login failed for {account.username}: {page.url}"


@pytest.fixture(name="log_in")
def log_in_fixture():
    """log_in(page, account): the login form, and the second step when the account has one."""
    return log_in


@pytest.fixture
def logged_in(new_page, server):
    """(page, account) for a fresh account, logged in: logged_in("staff", lang="es", js=False)."""
    def _open(role: str, *, totp: bool | None = None, **page_options):
        account = server.make_account(role, totp=totp)
        page = new_page(**page_options)
        log_in(page, account)
        return page, account
    return _open


# --- accessibility -----------------------------------------------------------------------------

def _describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation.get('impact')}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    at {node['target']}: {node.get('failureSummary', '').strip()}")
    return "\n".join(lines)


_SNAPSHOT_VIEWERS: dict = {}


def _scriptable_copy(page):
    """The page's current document in a JavaScript-enabled tab with page scripts blocked.

    axe-core needs JavaScript to run; with it turned off in the page's own context, axe runs on
    a faithful copy (same address, same stylesheet, same viewport, still no page script)."""
    browser = page.context.browser
    viewer = _SNAPSHOT_VIEWERS.get(browser)
    if viewer is None or viewer.is_closed():
        context = browser.new_context(java_script_enabled=True)
        context.route("**/*.js", lambda route: route.abort())
        viewer = _SNAPSHOT_VIEWERS[browser] = context.new_page()
    viewer.set_viewport_size(page.viewport_size)
    address = page.url.split("#", 1)[0]
    html = page.content()

    def same_address(url: str) -> bool:
        return url == address

    def serve(route):
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)

    viewer.route(same_address, serve)
    try:
        viewer.goto(address)
    finally:
        viewer.unroute(same_address, serve)
    return viewer


def check_accessibility(page, note: str = "") -> None:
    """Run axe-core on the page as it is now; fail on any WCAG 2.1 A or AA violation."""
    from axe_playwright_python.sync_playwright import Axe

    target = page if JAVASCRIPT.get(id(page.context), True) else _scriptable_copy(page)
    results = Axe().run(target, options={"runOnly": {"type": "tag", "values": WCAG_TAGS},
                                         "resultTypes": ["violations"]})
    violations = results.response["violations"]
    where = f"{page.url} {note}".strip()
    assert not violations, f"axe found violations on {where}:\n{_describe(violations)}"
    AXE_CHECKS["pages"] += 1


@pytest.fixture(name="check_accessibility")
def check_accessibility_fixture():
    """check_accessibility(page): zero axe-core violations at WCAG 2.1 A and AA."""
    return check_accessibility


def scrolls_sideways(page) -> bool:
    """True when the page is wider than its window, so it would scroll sideways."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth > document.documentElement.clientWidth")


@pytest.fixture(name="scrolls_sideways")
def scrolls_sideways_fixture():
    """scrolls_sideways(page): True when the page is wider than its window."""
    return scrolls_sideways
