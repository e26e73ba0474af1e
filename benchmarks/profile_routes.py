"""In-process cost of each route next to the floor's page, through Flask's test client.

    python -m benchmarks.profile_routes                       # 2,000 requests per route
    python -m benchmarks.profile_routes --count 500 --only "GET /feedback"
    python -m benchmarks.profile_routes --profile "GET /feedback" --profiler pyinstrument

No server, no network: the figures are the app's own CPU time per request (microseconds), the
floor's `GET /floor` measured in the same process as the yardstick. A request-level profile of
one route is printed with cProfile (default) or pyinstrument.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROUTES = ["GET /healthz", "GET /", "GET /login", "GET /feedback", "GET /feedback/status",
          "GET /surveys/drop-in-hours", "GET /council", "GET /transparency",
          "POST /feedback", "GET /staff/feedback", "GET /staff/"]
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def build(workdir: Path, threads: int):
    """The portal with demo data, a logged-in staff client and an anonymous one; the floor app."""
    os.environ["FLOOR_DATABASE_URL"] = f"sqlite:///{workdir / 'floor.sqlite'}"
    from benchmarks.floor_app import app as floor
    from portal import create_app
    from portal.accounts.models import User
    from portal.clock import utc_now
    from portal.db import db, write_transaction
    from portal.security import hash_password

    app = create_app({"INSTANCE_PATH": str(workdir / "instance"), "SECRET_KEY": secrets.token_hex(16),
                      "DATABASE_URL": f"sqlite:///{workdir / 'portal.sqlite'}",
                      "RATELIMIT_ENABLED": False, "LOG_REQUESTS": True,
                      "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 8, "ARGON2_PARALLELISM": 1})
    app.test_cli_runner().invoke(args=["demo"])
    if threads:
        from benchmarks import bulk_load
        with app.app_context(), db.connection_context():
            user_id = User.select(User.id).scalar()
        bulk_load.top_up(app.config["DATABASE_URL"], threads, staff_id=user_id)
    with app.app_context(), db.connection_context(), write_transaction():
        User.create(username="profile-staff", role="staff", password_hash=hash_password("x" * 16),
                    created_on=utc_now().date())
    staff = app.test_client()
    page = staff.get("/login").get_data(as_text=True)
    staff.post("/login", data={"username": "profile-staff", "password": "x" * 16,
                               "csrf_token": _token(page)})
    return app, floor, staff


def _token(html: str) -> str:
    found = CSRF.search(html)
    return (found.group(1) or found.group(2)) if found else ""


def request_for(app, staff, route: str):
    """A function making one request of `route` and returning its status."""
    method, path = route.split(" ", 1)
    if path.startswith("/staff"):
        return lambda: staff.get(path).status_code
    client = app.test_client()
    if method == "GET":
        return lambda: client.get(path).status_code
    token = _token(client.get(path).get_data(as_text=True))
    form = {"message": "The waiting room was cold this morning.", "topic": "space", "rating": "4",
            "csrf_token": token}
    return lambda: client.post(path, data=form).status_code


def per_request_us(call, count: int) -> float:
    """The CPU time one call takes, in microseconds: the least over 5 batches.

    CPU time of this process, not wall time, and the least batch: other work on a shared
    machine can only add to a batch, never take from it."""
    for _ in range(min(50, count)):
        call()
    batch = max(count // 5, 1)
    times = []
    for _ in range(5):
        started = time.process_time()
        for _ in range(batch):
            call()
        times.append((time.process_time() - started) / batch * 1e6)
    return min(times)


def calls_per_request(call, count: int = 100) -> int:
    """Python function calls one request makes: unlike time, the same on a busy machine."""
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(count):
        call()
    profile.disable()
    return round(pstats.Stats(profile).total_calls / count)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--only", action="append", help="a route such as 'GET /feedback'")
    parser.add_argument("--threads", type=int, default=1000, help="feedback threads in all")
    parser.add_argument("--profile", help="profile this route")
    parser.add_argument("--profiler", choices=["cprofile", "pyinstrument"], default="cprofile")
    args = parser.parse_args(argv)
    import logging
    logging.getLogger("portal.requests").disabled = False
    with tempfile.TemporaryDirectory(prefix="portal-profile-") as tmp:
        app, floor, staff = build(Path(tmp), args.threads)
        # the request log goes nowhere, as under a benchmark with the access log off
        logging.getLogger("portal.requests").handlers = [logging.NullHandler()]
        floor_client = floor.test_client()
        floor_call = lambda: floor_client.get("/floor").status_code  # noqa: E731
        floor_us = per_request_us(floor_call, args.count)
        print(f"{'GET /floor (floor)':28} {floor_us:8.0f} us  {calls_per_request(floor_call):6} calls")
        for route in args.only or ROUTES:
            call = request_for(app, staff, route)
            status = call()
            us = per_request_us(call, args.count)
            print(f"{route:28} {us:8.0f} us  {calls_per_request(call):6} calls  status {status}"
                  f"  floor/route {floor_us / us:5.2f}")
        if args.profile:
            call = request_for(app, staff, args.profile)
            call()
            if args.profiler == "pyinstrument":
                from pyinstrument import Profiler
                profiler = Profiler(interval=0.0002)
                profiler.start()
                for _ in range(args.count):
                    call()
                profiler.stop()
                print(profiler.output_text(unicode=False, color=False, show_all=False))
            else:
                profile = cProfile.Profile()
                profile.enable()
                for _ in range(args.count):
                    call()
                profile.disable()
                pstats.Stats(profile, stream=sys.stdout).sort_stats("tottime").print_stats(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
