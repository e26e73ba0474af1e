"""The council area at scale: many members who described themselves, many proposals with a
response from every member, and years of participation. `python -m benchmarks.council_scale`
(SQLite; --postgres for PostgreSQL on 127.0.0.1:5432; --sizes 20,200 to choose the numbers of
members).

For each size it fills the tables (members through the service, so their words are sealed as in
real use; responses and participation with bulk inserts of sealed rows), then times the main pages
in-process (the Flask test client: the application's own time, no network), warm, as a staff member
who can read sealed records and as a member, and writes benchmarks/results/council-scale.md.
Run it from the repository root; it is not a test.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.databases import drop_postgres_database, scale_database

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
REPEATS = 15
WARMUP = 2
PROPOSALS = 40
ENTRIES_PER_MEMBER = 150  # three years of meetings and reviews


def fill(members: int) -> dict:
    """Members with profiles, PROPOSALS proposals each answered by every member (a comment on
    every third), and ENTRIES_PER_MEMBER participation entries each."""
    from portal import clock
    from portal.accounts.models import User
    from portal.council import keyring, service
    from portal.council.models import Participation, ProposalResponse
    from portal.db import write_transaction

    today = clock.today()
    staff = User.get(User.username == "bench-staff")
    started = time.perf_counter()
    made = []
    genders = ("woman", "man", "nonbinary", "trans_woman", "prefer_not")
    for n in range(members):
        user = User.create(username=f"bench-member-{n}", role="council", password_hash="!",
                           created_on=today)
        member = service.add_member(staff, user.id, f"Member {n:04d}", today - dt.timedelta(days=400), None)
        service.save_profile(user, member, member.name, n % 3 == 0, None,
                             {"pronouns": ("they/them", "public"),
                              "about": (f"Member {n} has organised for {n % 20} years.", "council")},
                             {"gender": (genders[n % len(genders)], "council"),
                              "age": (("25_34", "35_44", "45_54")[n % 3], "me"),
                              "lived": (("labour", "sex", "none")[n % 3], "me")})
        made.append(member)
    profiles_s = time.perf_counter() - started
    started = time.perf_counter()
    proposals = []
    for p in range(PROPOSALS):
        proposal = service.save_proposal(staff, None, f"Proposal {p}", "Should we?", "Background **text**.",
                                         "", today + dt.timedelta(days=3))
        service.open_proposal(staff, proposal)
        proposals.append(proposal)
    rows = []
    for proposal in proposals:
        for n, member in enumerate(made):
            sealed = keyring.seal_for_council(f"Comment {n} on {proposal.title}") if n % 3 == 0 else {}
            rows.append({"public_id": 10**14 + len(rows) * 7919 % (9 * 10**14), "proposal": proposal.id,
                         "member": member.id, "position": ("support", "concerns", "object", "abstain")[n % 4],
                         "hide_name": n % 5 == 0, "org_key": sealed.get("org_key"),
                         "council_key": sealed.get("council_key"), "comment": sealed.get("text"),
                         "updated_on": today})
    with write_transaction():
        for start in range(0, len(rows), 500):
            ProposalResponse.insert_many(rows[start:start + 500]).execute()
    entries = []
    for member in made:
        for e in range(ENTRIES_PER_MEMBER):
            entries.append({"public_id": 5 * 10**14 + len(entries), "member": member.id,
                            "worked_on": today - dt.timedelta(days=e * 7), "kind": "review",
                            "minutes": 30 + e % 90, "rate_cents": 2500, "note": "Reading"})
    with write_transaction():
        for start in range(0, len(entries), 1000):
            Participation.insert_many(entries[start:start + 1000]).execute()
    return {"profiles_s": profiles_s, "bulk_s": time.perf_counter() - started,
            "responses": len(rows), "entries": len(entries), "proposal": proposals[0].public_id,
            "member": made[0]}


def _signed_in(app, user, member_key: bytes | None = None):
    """A test client with the session a login gives (the staff key, or the member's own key)."""
    from portal import sealing
    from portal.accounts import keys
    from portal.council import keyring
    from portal.db import db

    client = app.test_client()
    now = int(time.time())
    values = {"uid": user.id, "ver": user.session_version, "started": now, "seen": now}
    with app.app_context(), db.connection_context():
        if user.is_staff:
            sys.path.insert(0, str(ROOT / "tests"))
            from support.sealing import give_key, org_private_key

            give_key(user, "x" * 20)
            values[keys.SESSION_KEY] = sealing.wrap_for_session(org_private_key(), app.config["SECRET_KEY"],
                                                                keys._context(user))
        elif member_key is not None:
            values[keyring.SESSION_NAME] = sealing.wrap_for_session(
                member_key, app.config["SECRET_KEY"], keyring._context(user))
    with client.session_transaction() as session:
        session.update(values)
    return client


def _time(client, path: str) -> dict:
    for _ in range(WARMUP):
        assert client.get(path).status_code == 200, path
    times, cpu = [], []
    for _ in range(REPEATS):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        response.get_data()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    times.sort()
    return {"p50": statistics.median(times), "p95": times[max(0, int(len(times) * 0.95) - 1)],
            "cpu": statistics.median(cpu), "kb": len(response.get_data()) / 1024}


def run_size(size: int, postgres: bool, folder: Path) -> dict:
    """Fill a fresh database for one size and measure it."""
    from portal import create_app, sealing
    from portal.accounts.models import User
    from portal.clock import utc_now
    from portal.council.models import MemberKey
    from portal.db import close_pool, db

    url, name = scale_database("council", postgres, folder, size)
    try:
        app = create_app({"INSTANCE_PATH": str(folder / f"instance-{size}"), "DATABASE_URL": url,
                          "SECRET_KEY": secrets.token_hex(16), "RATELIMIT_ENABLED": False,
                          "LOG_REQUESTS": False, "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 8,
                          "ARGON2_PARALLELISM": 1, "SYNCHRONOUS": "OFF"})
        with app.app_context(), db.connection_context():
            staff = User.create(username="bench-staff", role="staff", password_hash="!",
                                created_on=utc_now().date())
        with app.test_request_context("/"), db.connection_context():
            filled = fill(size)
            member = filled.pop("member")
            public, private = sealing.new_org_keypair()
            MemberKey.create(user=member.user_id, public_key=public,
                             wrapped_private=sealing.wrap_private_key_with_password(
                                 private, "x" * 20, sealing.Argon2Params.from_config(app.config)))
            member_user = User.get_by_id(member.user_id)
        staff_client = _signed_in(app, staff)
        # staff give every member who has a key the council key (the roster's button)
        import re

        token = re.search(r'name="csrf_token" value="([^"]+)"',
                          staff_client.get("/staff/council").get_data(as_text=True)).group(1)
        assert staff_client.post("/staff/council/access", data={"csrf_token": token}).status_code == 302
        member_client = _signed_in(app, member_user, private)
        proposal = filled["proposal"]
        pages = {
            "/council": _time(app.test_client(), "/council"),
            "/staff/council": _time(staff_client, "/staff/council"),
            "/staff/council/diversity": _time(staff_client, "/staff/council/diversity"),
            "/staff/council/proposals": _time(staff_client, "/staff/council/proposals"),
            "/staff/council/proposals/<id>": _time(staff_client, f"/staff/council/proposals/{proposal}"),
            "/staff/council/participation": _time(staff_client, "/staff/council/participation"),
            "/staff/council/participation.csv (a year)": _time(
                staff_client, f"/staff/council/participation.csv?start={dt.date.today().year - 1}-01-01"
                              f"&end={dt.date.today().isoformat()}"),
            "/council/home": _time(member_client, "/council/home"),
            "/council/members": _time(member_client, "/council/members"),
            "/council/proposals/<id>": _time(member_client, f"/council/proposals/{proposal}"),
        }
        close_pool()
        return {"members": size, **filled, "pages": pages}
    finally:
        drop_postgres_database(name)


def write_report(results: list[dict], postgres: bool, load: str) -> Path:
    """benchmarks/results/council-scale.md (or -postgres.md)."""
    engine = "PostgreSQL" if postgres else "SQLite"
    lines = [f"# Advisory council at scale ({engine})", "",
             f"Run on {dt.date.today().isoformat()} with `python -m benchmarks.council_scale"
             f"{' --postgres' if postgres else ''}`: each page {REPEATS} times after {WARMUP} warm-up "
             "requests, in-process (Flask test client: the application's time, no network), on a "
             f"machine shared with other work. {PROPOSALS} open proposals, each answered by every "
             f"member (a sealed comment on every third response); {ENTRIES_PER_MEMBER} participation "
             f"entries per member. Load average during the run: {load}.", "",
             "| members | responses | participation entries | profiles through the service | bulk rows |",
             "| --- | --- | --- | --- | --- |"]
    for r in results:
        lines.append(f"| {r['members']:,} | {r['responses']:,} | {r['entries']:,} | "
                     f"{r['profiles_s']:.1f} s | {r['bulk_s']:.1f} s |")
    lines += ["", "Wall-clock p95 (p50) in milliseconds, the median CPU time the application spent, "
              "and the answer's size:", "",
              "| page | " + " | ".join(f"{r['members']:,} members" for r in results) + " |",
              "| --- |" + " --- |" * len(results)]
    for path in results[0]["pages"]:
        cells = [f"{r['pages'][path]['p95']:.0f} ({r['pages'][path]['p50']:.0f}); "
                 f"CPU {r['pages'][path]['cpu']:.0f}; {r['pages'][path]['kb']:.0f} KB" for r in results]
        lines.append(f"| `{path}` | " + " | ".join(cells) + " |")
    lines += ["", "A council is a few dozen people, so the larger size is far beyond real use. The "
              "pages that open sealed words (a proposal's comments, the member roster) pay one "
              "X25519 operation per sealed item not yet filed for staff, and for members one per "
              "comment through the council key; the public page reads only published copies.", ""]
    name = "council-scale-postgres.md" if postgres else "council-scale.md"
    path = RESULTS / name
    path.write_text("\n".join(lines))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20,200", help="numbers of members, comma-separated")
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="council-scale-") as folder:
        for size in (int(n) for n in args.sizes.split(",")):
            print(f"{size} members ...", flush=True)
            result = run_size(size, args.postgres, Path(folder))
            results.append(result)
            for path, figures in result["pages"].items():
                print(f"  {path}: p95 {figures['p95']:.0f} ms, p50 {figures['p50']:.0f} ms", flush=True)
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(write_report(results, args.postgres, load))


if __name__ == "__main__":
    main()
