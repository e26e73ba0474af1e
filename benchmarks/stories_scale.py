"""The stories area at scale: many stories, each with its consent, uses and takedowns, and one story
used very many times. `python -m benchmarks.stories_scale` (SQLite; --postgres for PostgreSQL on
127.0.0.1:5432; --sizes 100,1000,10000 to choose the steps).

For each size it fills the tables straight into the database (executemany; every story sealed with
its own key, as recording one seals it), files the sealed keys as a login does, then times the main
pages and the gate in-process (the Flask test client: the application's own time, no network),
warm, and writes benchmarks/results/stories-scale.md. Run it from the repository root; it is not a test.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.databases import drop_postgres_database, scale_database

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
REPEATS = 20
WARMUP = 3
PASSWORD = "bench-" + "x" * 20
CHANNELS = ("training", "funders", "website", "social", "print", "press", "advocacy")


def fill(stories: int, popular_uses: int) -> dict:
    """`stories` stories with three channels and two uses each, a takedown for every tenth, and one
    story used `popular_uses` times; returns what was made and how long it took."""
    from portal import clock, codes
    from portal.accounts import sealed
    from portal.db import sqlite_path, write_transaction
    from portal.stories import service
    from portal.stories.models import Story, StoryChannel, StoryTakedown, StoryUse

    today = clock.today()
    now = clock.utc_now()
    started = time.perf_counter()
    code_of_first = None
    key_of = {}
    with write_transaction():
        rows = []
        for n in range(1, stories + 1):
            code = codes.generate(service.CODE_LENGTH)
            code_of_first = code_of_first or code
            item_key = sealed.new_item_key()
            key_of[n] = item_key
            rows.append({
                "id": n, "public_id": 10**14 + n * 7919, "code_hash": service.code_hash(code),
                "sealed_key": sealed.seal_item_key(item_key),
                "code_key": sealed.wrap_for_code(item_key, code, service.KEY_PURPOSE),
                "title": sealed.encrypt(f"Story {n}: staying for the people", item_key),
                "sealed_text": sealed.encrypt("I came for a shower and stayed. " * 30, item_key),
                "content_notes": None, "attribution": "pseudonym",
                "real_name": sealed.encrypt("Maria Example", item_key),
                "credit_name": sealed.encrypt("Rosa", item_key),
                "consent_given_on": today, "consent_method": "in_person", "consent_language": "en",
                "wording_version": "2026-1",
                "consent_expires_on": today + dt.timedelta(days=(n % 400) + 1),
                "edits_need_approval": True, "created_on": today - dt.timedelta(days=n % 700)})
        for start in range(0, len(rows), 500):
            Story.insert_many(rows[start:start + 500]).execute()
        channels = [{"story": n, "channel": channel,
                     "conditions": sealed.encrypt("No photo.", key_of[n]) if channel == "website" else None}
                    for n in range(1, stories + 1) for channel in ("funders", "website", "print")]
        for start in range(0, len(channels), 500):
            StoryChannel.insert_many(channels[start:start + 500]).execute()
        uses = []
        for n in range(1, stories + 1):
            for channel in ("funders", "website"):
                uses.append((n, channel))
        uses += [(1, "print")] * popular_uses
        use_rows = [{"id": i, "public_id": 10**14 + i * 104729, "story": n, "channel": channel,
                     "purpose": sealed.encrypt("Annual report", key_of[n]),
                     "place": sealed.encrypt(f"Report page {i}", key_of[n]), "attribution": "pseudonym",
                     "used_on": today, "used_by": None, "created_at": now}
                    for i, (n, channel) in enumerate(uses, start=1)]
        for start in range(0, len(use_rows), 500):
            StoryUse.insert_many(use_rows[start:start + 500]).execute()
        tasks = [{"public_id": 10**14 + i * 15485863, "story": row["story"], "use": row["id"],
                  "channel": row["channel"], "created_on": today}
                 for i, row in enumerate(use_rows[:2 * stories:20], start=1)]
        for start in range(0, len(tasks), 500):
            StoryTakedown.insert_many(tasks[start:start + 500]).execute()
    filled = time.perf_counter() - started
    path = sqlite_path()
    size_mb = os.path.getsize(path) / 1e6 if path else None
    return {"fill_s": filled, "uses": len(use_rows), "tasks": len(tasks), "code": code_of_first,
            "size_mb": size_mb}


def _signed_in(app, user, private: bytes):
    """A test client with the session a completed login gives (carrying the organisation key)."""
    from portal import sealing
    from portal.accounts import keys

    client = app.test_client()
    now = int(time.time())
    with client.session_transaction() as session:
        session.update({"uid": user.id, "ver": user.session_version, "started": now, "seen": now,
                        keys.SESSION_KEY: sealing.wrap_for_session(private, app.config["SECRET_KEY"],
                                                                   keys._context(user))})
    return client


def _time(call) -> dict:
    """p50, p95 and median CPU of a request, warm."""
    for _ in range(WARMUP):
        response = call()
        assert response.status_code in (200, 302), response.status_code
        # a streamed download must be read to its end before the next request
        response.get_data()
    times, cpu = [], []
    for _ in range(REPEATS):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = call()
        response.get_data()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    times.sort()
    return {"p50": statistics.median(times), "p95": times[max(0, int(len(times) * 0.95) - 1)],
            "cpu": statistics.median(cpu), "kb": len(response.get_data()) / 1024}


def time_pages(app, client, code: str, stories: int) -> dict[str, dict]:
    """The main pages, the gate and the storyteller's page."""
    first, middle = 10**14 + 7919, 10**14 + (stories // 2) * 7919
    deep = (dt.date.today() - dt.timedelta(days=300)).isoformat() + ".999999999999999"
    anonymous = app.test_client()
    use = {"channel": "funders", "purpose": "Annual report", "place": "Report p. 4",
           "attribution": "pseudonym"}
    return {
        "/staff/stories": _time(lambda: client.get("/staff/stories")),
        "/staff/stories?cursor= (deep page)": _time(lambda: client.get(f"/staff/stories?cursor={deep}")),
        "/staff/stories/<id> (2 uses)": _time(lambda: client.get(f"/staff/stories/{middle}")),
        "/staff/stories/<id> (the much-used story)": _time(lambda: client.get(f"/staff/stories/{first}")),
        "/staff/stories/<id>/text": _time(lambda: client.get(f"/staff/stories/{middle}/text")),
        "/staff/stories/takedowns": _time(lambda: client.get("/staff/stories/takedowns")),
        "POST /staff/stories/<id>/use (the gate)": _time(
            lambda: client.post(f"/staff/stories/{middle}/use", data=use)),
        "/staff/stories/<id>/uses.csv (the much-used story)": _time(
            lambda: client.get(f"/staff/stories/{first}/uses.csv")),
        "POST /stories/withdraw (code, the much-used story)": _time(
            lambda: anonymous.post("/stories/withdraw", data={"code": code})),
        "POST /stories/withdraw (wrong code)": _time(
            lambda: anonymous.post("/stories/withdraw", data={"code": "0000-0000-0000-0000"})),
    }


def time_withdrawal(app, stories: int) -> tuple[float, int]:
    """Milliseconds to withdraw every use of the much-used story (a takedown task per past use)."""
    from portal.db import db
    from portal.stories import service
    from portal.stories.models import Story

    with app.app_context(), db.connection_context():
        story = Story.get(Story.public_id == 10**14 + 7919)
        started = time.perf_counter()
        tasks = service.withdraw(story, [], "code")
        return (time.perf_counter() - started) * 1000, len(tasks)


def run_size(size: int, popular: int, postgres: bool, folder: Path) -> dict:
    """Fill a fresh database for one size and measure it."""
    from portal import create_app
    from portal.accounts import keys, sealed
    from portal.accounts.models import User
    from portal.clock import utc_now
    from portal.db import close_pool, db
    from portal.security import hash_password

    url, name = scale_database("stories", postgres, folder, size)
    try:
        app = create_app({"INSTANCE_PATH": str(folder / f"instance-{size}"), "DATABASE_URL": url,
                          "SECRET_KEY": secrets.token_hex(16), "RATELIMIT_ENABLED": False,
                          "LOG_REQUESTS": False, "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 8,
                          "ARGON2_PARALLELISM": 1, "SYNCHRONOUS": "OFF",
                          "WTF_CSRF_ENABLED": False})
        with app.app_context(), db.connection_context():
            staff = User.create(username="bench-staff", role="staff", password_hash=hash_password(PASSWORD),
                                created_on=utc_now().date())
            keys.claim_on_console(staff, PASSWORD)
            private = keys.unlock(staff, PASSWORD)
        with app.test_request_context("/"), db.connection_context():
            filled = fill(size, popular)
            started = time.perf_counter()
            filed = sealed.file_sealed(sealed.Reader(private), seconds=600)
            filed_s = time.perf_counter() - started
        client = _signed_in(app, staff, private)
        pages = time_pages(app, client, filled["code"], size)
        withdraw_ms, tasks = time_withdrawal(app, size)
        close_pool()
        return {"stories": size, "popular": popular, **filled, "filed": filed, "filed_s": filed_s,
                "pages": pages, "withdraw_ms": withdraw_ms, "withdraw_tasks": tasks}
    finally:
        drop_postgres_database(name)


def write_report(results: list[dict], postgres: bool, load: str) -> Path:
    """benchmarks/results/stories-scale.md (or -postgres.md)."""
    engine = "PostgreSQL" if postgres else "SQLite"
    lines = [f"# Stories at scale ({engine})", "",
             f"Run on {dt.date.today().isoformat()} with `python -m benchmarks.stories_scale"
             f"{' --postgres' if postgres else ''}`: each request {REPEATS} times after {WARMUP} warm-up "
             "requests, in-process (Flask test client: the application's time, no network), on a "
             "machine shared with other work. Every story has its own key, three consented channels "
             "(one with a condition) and two uses; every tenth use has a takedown task; one story is "
             f"used very many times. Load average during the run: {load}.", "",
             "| stories | uses | takedown tasks | fill | filing the sealed keys (as a login does) | "
             "withdrawing every use of the much-used story |",
             "| --- | --- | --- | --- | --- | --- |"]
    for r in results:
        lines.append(f"| {r['stories']:,} | {r['uses']:,} | {r['tasks']:,} | {r['fill_s']:.1f} s | "
                     f"{r['filed']:,} keys in {r['filed_s']:.1f} s | {r['withdraw_ms']:.0f} ms "
                     f"({r['withdraw_tasks']:,} tasks) |")
    lines += ["", "Wall-clock p95 (p50) in milliseconds, the median CPU time the application spent, and "
              "the answer's size:", "",
              "| request | " + " | ".join(f"{r['stories']:,} stories" for r in results) + " |",
              "| --- |" + " --- |" * len(results)]
    for path in results[0]["pages"]:
        cells = [f"{r['pages'][path]['p95']:.0f} ({r['pages'][path]['p50']:.0f}); "
                 f"CPU {r['pages'][path]['cpu']:.0f}; {r['pages'][path]['kb']:.0f} KB" for r in results]
        lines.append(f"| `{path}` | " + " | ".join(cells) + " |")
    lines += ["", "The staff list is a keyset page of 50 stories (ordered by the day recorded and the "
              "random public id), so it reads the same number of rows at any size and any depth; each "
              "title is opened with the story's filed key (one SecretBox, no X25519). A story's page, "
              "its use log and the storyteller's page grow with that story's uses, not with the "
              "number of stories; the gate reads the story's channel row again inside the write "
              "transaction and writes one use row, whatever the size. The takedown list shows "
              "at most 200 tasks.", ""]
    name = "stories-scale-postgres.md" if postgres else "stories-scale.md"
    path = RESULTS / name
    path.write_text("\n".join(lines))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000", help="numbers of stories, comma-separated")
    parser.add_argument("--popular", type=int, default=2000, help="uses of the much-used story")
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="stories-scale-") as folder:
        for size in (int(n) for n in args.sizes.split(",")):
            print(f"{size} stories ...", flush=True)
            result = run_size(size, args.popular, args.postgres, Path(folder))
            for path, figures in result["pages"].items():
                print(f"  {path:52} p95 {figures['p95']:7.1f} ms  CPU {figures['cpu']:6.1f} ms", flush=True)
            results.append(result)
    load = " / ".join(f"{n:.1f}" for n in os.getloadavg())
    print(f"wrote {write_report(results, args.postgres, f'{load} on {os.cpu_count()} cores')}")


if __name__ == "__main__":
    main()
