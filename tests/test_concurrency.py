"""Many writers at once, and crashes in the middle: nothing acknowledged is lost or doubled.

gunicorn (the shipped gunicorn.conf.py, 4 workers) on SQLite in WAL mode and on PostgreSQL;
32 clients send 2,000 submissions, each carrying a unique marker. Then the same while the
whole server is SIGKILLed at random moments and restarted. A new area's write path is one row
in SUBMISSIONS.
"""
from __future__ import annotations

import collections
import contextlib
import random
import re
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from support.config import portal_config
from support.database import throwaway_postgres
from support.sealing import message_texts
from support.servers import Gunicorn, portal_environment
from support.world import csrf_token
from urllib3.exceptions import NewConnectionError

from portal import create_app
from portal.db import close_pool, db

pytestmark = pytest.mark.slow

CLIENTS = 32
TOTAL = 2000
KILLS = 4
TIME_LIMIT = 150  # seconds for one run, a bound and never expected to be reached


@dataclass
class Submission:
    """An anonymous form a load test fills in, and where its text lands."""

    page: str
    data: Callable[[str], dict]
    # the stored texts that may carry markers (opened with the organisation key; run in the app),
    # and SQL counting half-saved records
    stored: Callable[[], list[str | None]]
    broken: str
    success: re.Pattern


SUBMISSIONS = {
    "feedback": Submission(
        "/feedback",
        lambda marker: {"message": f"Load test {marker}: the queue was long.", "topic": "service"},
        message_texts,
        "SELECT count(*) FROM feedback_thread t WHERE NOT EXISTS "
        "(SELECT 1 FROM feedback_message m WHERE m.thread_id = t.id)",
        re.compile(r'class="receipt"'),
    ),
}
MARKER = re.compile(r"Load test (m\d+-\d+)")


class Load:
    """Bounded concurrent clients; each outcome is kept by marker."""

    def __init__(self, server: Gunicorn, submission: Submission, total: int, run: str) -> None:
        self.server = server
        self.submission = submission
        self.total = total
        self.run = run
        self.next = 0
        self.lock = threading.Lock()
        self.outcomes: dict[str, int | None] = {}
        self.deadline = time.monotonic() + TIME_LIMIT

    def _take(self) -> str | None:
        with self.lock:
            if self.next >= self.total or time.monotonic() > self.deadline:
                return None
            self.next += 1
            return f"{self.run}-{self.next:05d}"

    def _client(self) -> None:
        session = requests.Session()
        token = None
        while (marker := self._take()) is not None:
            while token is None and time.monotonic() < self.deadline:
                try:
                    token = csrf_token(session.get(self.server.url(self.submission.page), timeout=30).text)
                except requests.RequestException:
                    time.sleep(0.05)  # the server is restarting
            data = {**self.submission.data(marker), "csrf_token": token}
            try:
                answer = self._post(session, data)
            except requests.RequestException:
                self.outcomes[marker] = None  # no answer: it may or may not have been kept
                continue
            ok = 200 <= answer.status_code < 300 and self.submission.success.search(answer.text)
            self.outcomes[marker] = answer.status_code if ok or answer.status_code >= 300 else 299

    def _post(self, session: requests.Session, data: dict) -> requests.Response:
        """Send once; only a connection that was refused (nothing sent) is tried again."""
        while True:
            try:
                return session.post(self.server.url(self.submission.page), data=data, timeout=30)
            except requests.ConnectionError as error:
                reason = getattr(error.args[0], "reason", None) if error.args else None
                if not isinstance(reason, NewConnectionError) or time.monotonic() > self.deadline:
                    raise
                time.sleep(0.05)  # the server is restarting: the request never left

    def run_clients(self) -> None:
        threads = [threading.Thread(target=self._client, daemon=True) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(TIME_LIMIT + 60)

    @property
    def acknowledged(self) -> set[str]:
        return {m for m, status in self.outcomes.items() if status is not None and 200 <= status < 300}


def _stored_markers(url: str, submission: Submission, env: dict,
                    folder: Path) -> tuple[collections.Counter, int]:
    """The markers of stored submissions (opened as the server's own secret key opens them)."""
    app = create_app(portal_config(folder, DATABASE_URL=url, AUTO_INIT_DB=False,
                                   SECRET_KEY=env["PORTAL_SECRET_KEY"]))
    try:
        with app.app_context(), db.connection_context():
            texts = [text for text in submission.stored() if text]
            broken = db.execute_sql(submission.broken).fetchone()[0]
    finally:
        close_pool()
    return collections.Counter(MARKER.search(t).group(1) for t in texts if MARKER.search(t)), broken


def _integrity(url: str) -> str:
    if not url.startswith("sqlite"):
        return "ok"
    connection = sqlite3.connect(url.split("sqlite:///", 1)[1])
    try:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        connection.close()


def _crash_repeatedly(server: Gunicorn, load: Load, kills: int, log: list) -> None:
    """SIGKILL the master and its workers at random moments, restarting each time."""
    rng = random.Random()
    for _ in range(kills):
        time.sleep(rng.uniform(0.4, 1.5))
        if load.next >= load.total:
            break
        server.kill()
        log.append(load.next)
        server.start()


@contextlib.contextmanager
def _database(engine: str, tmp_path: Path):
    if engine == "postgresql":
        with throwaway_postgres("portal_stress") as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / 'instance' / 'portal.sqlite'}"


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
@pytest.mark.parametrize("name", sorted(SUBMISSIONS))
def test_concurrent_writers_and_crashes_lose_nothing_acknowledged(tmp_path, engine, name):
    submission = SUBMISSIONS[name]
    with _database(engine, tmp_path) as url:
        env = portal_environment(tmp_path / "instance", PORTAL_DATABASE_URL=url,
                                 PORTAL_RATELIMIT_ENABLED="0", PORTAL_LOG_REQUESTS="0")
        server = Gunicorn(env, tmp_path / "logs", workers=4)

        # 1. steady load: every submission answered 2xx and stored exactly once
        with server:
            steady = Load(server, submission, TOTAL, "m1")
            started = time.monotonic()
            steady.run_clients()
            took = time.monotonic() - started
        assert len(steady.outcomes) == TOTAL, f"only {len(steady.outcomes)} sent in {took:.0f}s"
        # four workers creating a fresh database at once must not trip over each other
        assert "Exception in worker process" not in server.logs()
        statuses = collections.Counter(steady.outcomes.values())
        assert set(statuses) == {200}, f"answers other than 200: {statuses}"
        stored, broken = _stored_markers(url, submission, env, tmp_path / "reader1")
        assert len(stored) == len(steady.acknowledged) == TOTAL
        assert set(stored.values()) == {1}, "a submission was stored twice"
        assert broken == 0
        assert _integrity(url) == "ok"

        # 2. the same while the whole server is killed and restarted
        crashing = Load(server, submission, TOTAL, "m2")
        kills: list[int] = []
        server.start()
        try:
            killer = threading.Thread(target=_crash_repeatedly, args=(server, crashing, KILLS, kills))
            killer.start()
            crashing.run_clients()
            killer.join(TIME_LIMIT)
        finally:
            server.stop()
        assert kills, "the server was never killed"
        statuses = collections.Counter(crashing.outcomes.values())
        print(f"{engine}: steady {TOTAL} in {took:.1f}s; crashing: {len(kills)} kills after {kills} "
              f"submissions, {len(crashing.acknowledged)} acknowledged, outcomes {dict(statuses)}")
        assert not [s for s in statuses if s is not None and s >= 500], f"server errors: {statuses}"
        stored, broken = _stored_markers(url, submission, env, tmp_path / "reader2")
        crashed_run = {m: n for m, n in stored.items() if m.startswith("m2-")}
        lost = crashing.acknowledged - set(crashed_run)
        assert not lost, f"{len(lost)} acknowledged submissions lost after {len(kills)} crashes"
        assert set(crashed_run.values()) <= {1}, "a submission was stored twice"
        refused = {m for m, s in crashing.outcomes.items() if s is not None and not 200 <= s < 300}
        assert not refused & set(crashed_run), "a refused submission was stored"
        assert set(crashed_run) <= set(crashing.outcomes), "a submission nobody sent was stored"
        assert broken == 0, "a half-saved submission survived a crash"
        assert _integrity(url) == "ok"
        # steady-run rows survived the crashes too
        assert sum(1 for m in stored if m.startswith("m1-")) == TOTAL
