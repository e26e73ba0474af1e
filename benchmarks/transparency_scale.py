"""The transparency area at scale: many funders, restrictions, partnerships, services and years of
published statements. `python -m benchmarks.transparency_scale` (SQLite; --postgres for
PostgreSQL on 127.0.0.1:5432; --sizes 10,100,1000 to choose the steps).

For each size it fills the tables straight into the database (executemany, no request per row),
publishes statements whose snapshots hold every record, then times the main pages in-process
(the Flask test client: the application's own time, no network), warm, and writes
benchmarks/results/transparency-scale.md. Run it from the repository root; it is not a test.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.databases import drop_postgres_database, scale_database

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
PAGES = ["/staff/transparency", "/staff/transparency/statement/preview", "/transparency",
         "/transparency/services", "/transparency/history", "/transparency.json",
         "/transparency/feed.atom", "/transparency/funding.csv"]
REPEATS = 20
WARMUP = 3


def _public_id(kind: str, n: int) -> str:
    return f"{kind}{n:011d}"[-12:]


def fill(funders: int, statements: int) -> dict:
    """Records for `funders` funders (with restrictions, a partnership and a service for every
    five), then `statements` published statements; returns what was made and how long it took."""
    from portal import clock
    from portal.db import db, write_transaction
    from portal.transparency import document
    from portal.transparency.models import (
        FundingSource,
        Partnership,
        Restriction,
        Service,
        ServiceFunding,
        Statement,
    )

    now = clock.utc_now()
    started = time.perf_counter()
    with write_transaction():
        FundingSource.insert_many([{
            "id": n, "public_id": _public_id("f", n), "funder_name": f"Funder {n:05d}",
            "funder_type": ("federal", "state", "local", "foundation", "corporate")[n % 5],
            "programme": f"Programme {n}", "description": "Case management and housing help.",
            "amount": 10_000 + 997 * n if n % 3 else None, "amount_band": "" if n % 3 else "50k-100k",
            "currency": "USD", "starts_on": dt.date(2025, 1, 1), "ends_on": dt.date(2026, 12, 31),
            "client_data": "aggregate", "client_data_detail": "Quarterly counts, never names.",
            "created_at": now, "updated_at": now} for n in range(1, funders + 1)]).execute()
        Restriction.insert_many([{
            "id": n, "public_id": _public_id("r", n), "funding_source": n,
            "kind": ("eligibility", "client-condition", "activity")[n % 3],
            "summary": f"Restriction {n}: trafficking survivors only",
            "terms_say": "The terms cover people who experienced trafficking; they do not bar "
                         "serving others.",
            "we_do": "Everyone else is served from unrestricted money.",
            "created_at": now, "updated_at": now} for n in range(1, funders + 1)]).execute()
        count = max(1, funders // 5)
        Partnership.insert_many([{
            "id": n, "public_id": _public_id("p", n), "name": f"Partner {n}",
            "kind": ("law-enforcement", "courts", "health", "housing", "sex-worker-safety")[n % 5],
            "basis": "chosen", "purpose": "Referrals for people who ask for them.",
            "shared": "with-release", "shared_detail": "A first name and a phone number.",
            "safeguards": "Only with the client's written, time-limited release.",
            "created_at": now, "updated_at": now} for n in range(1, count + 1)]).execute()
        Service.insert_many([{
            "id": n, "public_id": _public_id("s", n), "name": f"Service {n}",
            "description": "Help with whatever you choose.", "eligibility": "Anyone.",
            "requirements": "Nothing.", "not_required": "therapy,religion,leaving,police",
            "not_required_note": "", "limited_by": n, "referrals": "Safe Nights Collective.",
            "created_at": now, "updated_at": now} for n in range(1, count + 1)]).execute()
        ServiceFunding.insert_many([{"service": n, "funding_source": n}
                                    for n in range(1, count + 1)]).execute()
    records = time.perf_counter() - started

    started = time.perf_counter()
    base = document.build("Who pays for our work, and what they ask of us.", "", "exact",
                          "Community Services", "bench", number=1, published_on=now.date())
    rows = []
    for number in range(1, statements + 1):
        day = now.date() - dt.timedelta(days=30 * (statements - number))
        base["statement"] = {"id": secrets.token_urlsafe(9), "number": number,
                             "publishedOn": day.isoformat(), **({"previousNumber": number - 1}
                                                               if number > 1 else {})}
        changed = [] if number == 1 else [{"section": "funding", "action": "changed",
                                           "name": f"Funder {number % funders + 1:05d}",
                                           "fields": ["amount"]}]
        rows.append({"public_id": base["statement"]["id"], "number": number,
                     "introduction": "Who pays for our work, and what they ask of us.",
                     "introduction_es": "", "amounts_shown": "exact",
                     "snapshot": document.dumps(base), "changes": json.dumps(changed),
                     "created_at": now, "updated_at": now, "published_on": day,
                     "published_at": dt.datetime.combine(day, dt.time(10))})
    with write_transaction():
        for start in range(0, len(rows), 50):
            Statement.insert_many(rows[start:start + 50]).execute()
    snapshot_kb = len(rows[-1]["snapshot"]) / 1024
    db.close()
    return {"records_s": records, "statements_s": time.perf_counter() - started,
            "snapshot_kb": snapshot_kb, "partnerships": count}


def _signed_in(app, user):
    """A test client with the session a completed login gives."""
    client = app.test_client()
    now = int(time.time())
    with client.session_transaction() as session:
        session.update({"uid": user.id, "ver": user.session_version, "started": now, "seen": now})
    return client


def time_pages(app, staff) -> dict[str, dict]:
    """p50 and p95 of each page, warm, through the test client."""
    client = _signed_in(app, staff)
    figures = {}
    for path in PAGES:
        for _ in range(WARMUP):
            assert client.get(path).status_code == 200, path
        times, cpu = [], []
        for _ in range(REPEATS):
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(path)
            response.get_data()
            times.append((time.perf_counter() - started) * 1000)
            # the CPU this process spent: steadier than the wall clock on a shared machine
            cpu.append((time.process_time() - started_cpu) * 1000)
        times.sort()
        figures[path] = {"p50": statistics.median(times),
                         "p95": times[max(0, int(len(times) * 0.95) - 1)],
                         "cpu": statistics.median(cpu), "kb": len(response.get_data()) / 1024}
    return figures


def time_publish(app, staff) -> float:
    """Milliseconds to save a draft and publish it with every record in its snapshot."""
    from portal.db import db
    from portal.transparency import service

    with app.app_context(), db.connection_context():
        started = time.perf_counter()
        draft = service.save_draft(staff, "A new statement.", "", "exact")
        service.publish_draft(staff, draft.public_id)
        return (time.perf_counter() - started) * 1000


def run_size(size: int, statements: int, postgres: bool, folder: Path) -> dict:
    """Fill a fresh database for one size and measure it."""
    from portal import create_app
    from portal.accounts.models import User
    from portal.clock import utc_now
    from portal.db import close_pool, db
    from portal.security import hash_password

    url, name = scale_database("transparency", postgres, folder, size)
    try:
        app = create_app({"INSTANCE_PATH": str(folder / f"instance-{size}"), "DATABASE_URL": url,
                          "SECRET_KEY": secrets.token_hex(16), "RATELIMIT_ENABLED": False,
                          "LOG_REQUESTS": False, "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 8,
                          "ARGON2_PARALLELISM": 1, "SYNCHRONOUS": "OFF"})
        with app.app_context(), db.connection_context():
            staff = User.create(username="bench-staff", role="staff", password_hash=hash_password("x" * 20),
                                created_on=utc_now().date())
        with app.app_context():
            filled = fill(size, statements)
        pages = time_pages(app, staff)
        publish_ms = time_publish(app, staff)
        close_pool()
        return {"funders": size, "statements": statements, **filled, "pages": pages,
                "publish_ms": publish_ms}
    finally:
        drop_postgres_database(name)


def write_report(results: list[dict], postgres: bool, load: str) -> Path:
    """benchmarks/results/transparency-scale.md (or -postgres.md)."""
    engine = "PostgreSQL" if postgres else "SQLite"
    lines = [f"# Transparency at scale ({engine})", "",
             f"Run on {dt.date.today().isoformat()} with `python -m benchmarks.transparency_scale"
             f"{' --postgres' if postgres else ''}`: each page {REPEATS} times after {WARMUP} warm-up "
             "requests, in-process (Flask test client: the application's time, no network), on a "
             "machine shared with other work. Every funder has a restriction; every fifth has a "
             "partnership and a service the restriction limits; every statement's snapshot holds "
             f"all of them. Load average during the run: {load}.", "",
             "| funders | statements | snapshot | fill records / statements | publish |",
             "| --- | --- | --- | --- | --- |"]
    for r in results:
        lines.append(f"| {r['funders']:,} | {r['statements']:,} | {r['snapshot_kb']:.0f} KB | "
                     f"{r['records_s']:.2f} s / {r['statements_s']:.2f} s | {r['publish_ms']:.0f} ms |")
    lines += ["", "Wall-clock p95 (p50) in milliseconds, the median CPU time the application spent, and "
              "the answer's size:", "",
              "| page | " + " | ".join(f"{r['funders']:,} funders" for r in results) + " |",
              "| --- |" + " --- |" * len(results)]
    for path in PAGES:
        cells = [f"{r['pages'][path]['p95']:.0f} ({r['pages'][path]['p50']:.0f}); "
                 f"CPU {r['pages'][path]['cpu']:.0f}; {r['pages'][path]['kb']:.0f} KB" for r in results]
        lines.append(f"| `{path}` | " + " | ".join(cells) + " |")
    lines += ["", "The history page and the feed read only each statement's stored change list "
              "(and, for the feed, its introduction), never the snapshots, so they stay flat as "
              "statements pile up; the statement pages parse one snapshot; the staff overview and the "
              "preview build the next statement from every record and compare it with the current "
              "one, so they grow with the number of funders.", ""]
    name = "transparency-scale-postgres.md" if postgres else "transparency-scale.md"
    path = RESULTS / name
    path.write_text("\n".join(lines))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000", help="numbers of funders, comma-separated")
    parser.add_argument("--statements", default="10,100,200",
                        help="published statements for each size, comma-separated")
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    sizes = [int(n) for n in args.sizes.split(",")]
    counts = [int(n) for n in args.statements.split(",")]
    counts += [counts[-1]] * (len(sizes) - len(counts))
    results = []
    with tempfile.TemporaryDirectory(prefix="transparency-scale-") as folder:
        for size, statements in zip(sizes, counts, strict=False):
            print(f"{size} funders, {statements} statements ...", flush=True)
            result = run_size(size, statements, args.postgres, Path(folder))
            for path, figures in result["pages"].items():
                print(f"  {path:42} p95 {figures['p95']:7.1f} ms  CPU {figures['cpu']:6.1f} ms", flush=True)
            results.append(result)
    load = " / ".join(f"{n:.1f}" for n in os.getloadavg())
    print(f"wrote {write_report(results, args.postgres, f'{load} on {os.cpu_count()} cores')}")


if __name__ == "__main__":
    main()
