"""What sealing at rest costs the staff: the feedback list and the CSV export, timed in-process.

    python -m benchmarks.sealing_cost --threads 100000 --dir /tmp/sealing-cost

Fills a fresh SQLite database with the bulk loader (rows sealed as submissions seal them), logs a
staff member in through the login form (so the session carries what a real login gives) and
times, on the Flask test client, the first page of the staff list (50 threads), a page half way
down, one thread's page, and one full export: first with every thread key still a seal (one
X25519 operation each), then after filing them all (what logins do, a second at a time, for what
arrived since the last one). Medians of several runs, in CPU time of this process (the machine is shared, and
wall-clock time measures the neighbours too) and in wall-clock time; no server, no network, so
the figures compare code paths, not deployments. Run it on a tree from before sealing too (it
then skips the sealing steps) to compare like with like.
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

try:
    from portal.accounts import keys, sealed
except ImportError:  # a tree from before sealing, measured for comparison
    keys = sealed = None

PASSWORD = "measure-the-sealing-cost-42"


def _median_ms(client, path: str, runs: int) -> dict:
    """The median CPU and wall-clock time of a GET in milliseconds, after a warm-up."""
    for _ in range(5):
        client.get(path)
    cpu, wall = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        cpu.append((time.process_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return {"cpu": round(statistics.median(cpu), 2), "wall": round(statistics.median(wall), 2)}


def _export_seconds(client) -> tuple[float, float, int]:
    """One full export: CPU seconds, wall-clock seconds and the number of lines read."""
    started, started_cpu = time.perf_counter(), time.process_time()
    response = client.get("/staff/feedback/export.csv")
    lines = sum(chunk.count(b"\n") for chunk in response.response)
    return (round(time.process_time() - started_cpu, 2), round(time.perf_counter() - started, 2),
            lines)


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
        if keys is not None:
            keys.claim_on_console(staff, PASSWORD)
    started = time.perf_counter()
    loaded = bulk_load.top_up(url, threads, staff_id=staff.id)
    load_seconds = round(time.perf_counter() - started, 1)
    client = app.test_client()
    if sealed is not None:
        # log in without filing anything, to time the worst case first
        sealed.FILING_SECONDS = 0
    response = client.post("/login", data={"username": "measure", "password": PASSWORD})
    assert response.status_code == 302, "could not log in"
    cursor = bulk_load.middle_cursor(url)
    report = {"threads": loaded["threads"], "load_s": load_seconds,
              "sealed": _timings(client, cursor, runs, exports)}
    if keys is None:
        return report
    with app.test_request_context(), db.connection_context():
        reader = sealed.Reader(keys.unlock(staff, PASSWORD))
        started = time.perf_counter()
        filed = sealed.file_sealed(reader, seconds=3600)
        report["filing"] = {"keys": filed, "seconds": round(time.perf_counter() - started, 1)}
    report["filed"] = _timings(client, cursor, runs, exports)
    return report


def _timings(client, cursor: str, runs: int, exports: int) -> dict:
    """The list, a deep page, a thread and the export."""
    export = [_export_seconds(client) for _ in range(exports)]
    return {
        "list_first_ms": _median_ms(client, "/staff/feedback", runs),
        "list_deep_ms": _median_ms(client, f"/staff/feedback?cursor={cursor}", runs),
        "thread_page_ms": _median_ms(client, f"/staff/feedback/{cursor.split('.')[1]}", runs),
        "export_s": {"cpu": statistics.median(cpu for cpu, _, _ in export),
                     "wall": statistics.median(wall for _, wall, _ in export)},
        "export_lines": export[0][2],
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
