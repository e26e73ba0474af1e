"""What sealing at rest costs the staff: the feedback list and the CSV export, timed in-process.

    python -m benchmarks.sealing_cost --threads 100000 --dir /tmp/sealing-cost

Fills a fresh SQLite database with the bulk loader, logs a staff member in through the login form
(so the session carries what a real login gives) and times, on the Flask test client, the first
page of the staff list (50 threads), a page half way down, and one full export. Medians of
several runs; no server, no network, so the figures compare code paths, not deployments.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from benchmarks import bulk_load
from portal import create_app
from portal.accounts.models import User
from portal.clock import utc_now
from portal.db import db
from portal.security import hash_password

PASSWORD = "measure-the-sealing-cost-42"


def _median_ms(client, path: str, runs: int) -> float:
    """The median time of a GET in milliseconds, after a warm-up."""
    for _ in range(5):
        client.get(path)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return round(statistics.median(times), 2)


def _export_seconds(client) -> tuple[float, int]:
    """One full export: seconds and the number of lines read."""
    started = time.perf_counter()
    response = client.get("/staff/feedback/export.csv")
    lines = sum(chunk.count(b"\n") for chunk in response.response)
    return round(time.perf_counter() - started, 2), lines


def measure(folder: Path, threads: int, runs: int, exports: int) -> dict:
    """Load, log in, time."""
    folder.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{folder / 'portal.sqlite'}"
    app = create_app({"INSTANCE_PATH": str(folder / "instance"), "DATABASE_URL": url,
                      "SECRET_KEY": "sealing-cost", "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False,
                      "LOG_REQUESTS": False,
                      "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 8, "ARGON2_PARALLELISM": 1})
    with app.app_context(), db.connection_context():
        staff = User.get_or_none(User.username == "measure") or User.create(
            username="measure", role="staff", password_hash=hash_password(PASSWORD),
            created_on=utc_now().date())
    setup = getattr(bulk_load, "prepare_keys", None)
    if setup is not None:
        with app.app_context(), db.connection_context():
            setup(staff, PASSWORD)
    loaded = bulk_load.top_up(url, threads, staff_id=staff.id)
    client = app.test_client()
    response = client.post("/login", data={"username": "measure", "password": PASSWORD})
    assert response.status_code == 302, "could not log in"
    cursor = bulk_load.middle_cursor(url)
    export = [_export_seconds(client) for _ in range(exports)]
    return {
        "threads": loaded["threads"],
        "list_first_ms": _median_ms(client, "/staff/feedback", runs),
        "list_deep_ms": _median_ms(client, f"/staff/feedback?cursor={cursor}", runs),
        "thread_page_ms": _median_ms(client, f"/staff/feedback/{cursor.split('.')[1]}", runs),
        "export_s": statistics.median(seconds for seconds, _ in export),
        "export_lines": export[0][1],
    }


def main() -> None:
    """Parse arguments and print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=100_000)
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--exports", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(measure(args.dir, args.threads, args.runs, args.exports), indent=2))


if __name__ == "__main__":
    main()
