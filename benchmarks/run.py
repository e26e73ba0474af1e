"""The portal under load, next to the stack's own floor, in one run: `python -m benchmarks.run`.

Starts the portal (a fresh database filled by `flask demo`) and the floor app under the same
gunicorn settings on loopback ports, drives every route from a separate load-generator process,
measures the staff feedback list and export at growing sizes, weighs each public page, samples
the workers' memory, and writes benchmarks/results/latest.json and latest.md.

    python -m benchmarks.run                    # SQLite, up to 1,000,000 threads (~7 minutes)
    python -m benchmarks.run --quick            # one short round, sizes up to 100,000
    python -m benchmarks.run --postgres         # PostgreSQL on 127.0.0.1:5432
    python -m benchmarks.run --threads 1        # both apps on sync workers (PORTAL_THREADS=1)

Run it from the repository root with the project's virtualenv; it is not part of the tests.
Public GET routes are found in the app's URL map; a POST or staff route is one line in ROUTES.
Results go to benchmarks/results/<--out>.json and .md; findings.md there is appended to them.
"""
from __future__ import annotations

import argparse
import datetime as dt
import gzip
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from benchmarks.databases import POSTGRES_ADMIN_URL, drop_postgres_database, postgres_database  # noqa: F401
from benchmarks.loadgen import LOOPBACK, Client

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"

FEEDBACK_FORM = {"topic": ["", "service", "staff", "space", "other"], "message": "@text",
                 "rating": ["", "1", "2", "3", "4", "5"], "quotable": ["", "y"], "website": ""}
# the demo's one-page survey (flask demo): one answer, a rating and a few words
SURVEY_FORM = {"page": "1", "send": "", "q1": ["1", "2", "decline"],
               "q2": ["", "1", "2", "3", "4", "5"], "website": "",
               "q3": ["", "Open earlier on Tuesdays.", "More chairs, and tea that stays hot."]}
RECEIPT = {"receipt": r'class="(?:[^"]*\s)?receipt(?:\s[^"]*)?"[^>]*>(.*?)</'}


def visit(path: str) -> dict:
    """A setup step: open a page (its CSRF token and session cookie are kept)."""
    return {"method": "GET", "path": path}


def send(path: str, form: dict, capture: dict | None = None) -> dict:
    """A setup step: submit a form and keep named values found in the answer."""
    return {"method": "POST", "path": path, "form": form, "capture": capture or {}}


@dataclass
class Route:
    """A route to drive: what to send, what each connection does first, whether staff log in."""

    method: str
    path: str
    form: dict | None = None
    setup: list = field(default_factory=list)
    staff: bool = False
    expect_text: str | None = None
    # the status a good answer has (a form that redirects after saving answers 302)
    expect: int = 200


# every public GET route without arguments is added on its own; POSTs and staff pages go here
ROUTES = [
    Route("POST", "/feedback", FEEDBACK_FORM, [visit("/feedback")], expect_text='class="receipt"'),
    Route("POST", "/feedback/status", {"receipt": "@receipt"},
          [visit("/feedback"), send("/feedback", FEEDBACK_FORM, RECEIPT)],
          expect_text='class="conversation"'),
    Route("GET", "/staff/feedback", staff=True),
    Route("GET", "/staff/", staff=True),
    Route("GET", "/staff/transparency", staff=True),
    Route("GET", "/staff/transparency/statement/preview", staff=True),
    Route("POST", "/staff/transparency/statement",
          {"introduction": "@text", "introduction_es": "", "amounts_shown": ["exact", "bands"]},
          [visit("/staff/transparency/statement")], staff=True, expect=302),
    Route("POST", "/surveys/drop-in-hours", SURVEY_FORM, [visit("/surveys/drop-in-hours")],
          expect_text="answers were sent"),
    Route("GET", "/staff/surveys", staff=True),
    Route("GET", "/staff/surveys/what-would-help/results", staff=True),
    Route("GET", "/staff/surveys/what-would-help/crosstab?rows=1&cols=5", staff=True),
    Route("GET", "/staff/stories", staff=True),
    Route("GET", "/staff/stories/takedowns", staff=True),
    Route("POST", "/stories/withdraw", {"code": "0000-0000-0000-0000"}, [visit("/stories/withdraw")],
          expect_text="could not find a story"),
    Route("GET", "/staff/council", staff=True),
    Route("GET", "/staff/council/proposals", staff=True),
    Route("GET", "/staff/council/diversity", staff=True),
    Route("GET", "/staff/council/participation", staff=True),
]
# public pages whose address takes an argument, as the demo data (flask demo) names them: measured,
# weighed and checked by Lighthouse like the pages found in the URL map
PUBLIC_PAGES_WITH_ARGUMENTS = ["/surveys/drop-in-hours", "/surveys/what-would-help/results",
                               "/transparency/history/1"]
FLOOR_ROUTES = [Route("GET", "/floor"), Route("POST", "/floor", {"message": "@text"})]

# issue 19: throughput against the floor by kind of route, p95 of public pages, worker memory
RATIO_TARGETS = {"overhead": 0.95, "content": 0.85, "form": 0.6, "write": 0.75, "staff": 0.4}
KIND_NAMES = {"overhead": "per-request overhead", "content": "content page", "form": "form page",
              "write": "anonymous write", "staff": "staff page"}
TARGETS = {
    "ratio_by_kind": RATIO_TARGETS,
    "p95_ms": 40.0,
    "list_ms_at_1m": 100.0,
    "page_kb": 30.0,
    "page_requests": 3,
    "worker_rss_mb": 60.0,
}


# --- processes and memory --------------------------------------------------------------------

def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process in kB (empty when it is gone)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    values = {}
    for line in text.splitlines():
        if line.startswith(("VmRSS:", "VmHWM:", "PPid:")):
            name, value = line.split(":", 1)
            values[name] = int(value.split()[0])
    return values


def children_of(pid: int) -> list[int]:
    """The processes whose parent is `pid` (gunicorn's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and proc_status(int(entry.name)).get("PPid") == pid:
            found.append(int(entry.name))
    return found


def reset_peak(pid: int) -> None:
    """Reset a process's peak RSS (VmHWM) to its current RSS."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        pass


class Server:
    """A gunicorn master with the project's gunicorn.conf.py, on a loopback port."""

    def __init__(self, name: str, app_spec: str, env: dict, workdir: Path):
        self.name, self.port = name, free_port()
        self.env = dict(env, PORTAL_BIND=f"{LOOPBACK}:{self.port}")
        self.log_path = workdir / f"{name}.log"
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", app_spec],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)

    def wait_ready(self, path: str, timeout: float = 60) -> None:
        """Wait until the server answers `path` and every worker is up."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {self.log_path}")
            try:
                conn = http.client.HTTPConnection(LOOPBACK, self.port, timeout=5)
                conn.request("GET", path)
                if conn.getresponse().status == 200:
                    conn.close()
                    time.sleep(1.0)
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not start; see {self.log_path}")

    def workers(self) -> list[int]:
        """The live worker processes."""
        return children_of(self.proc.pid)

    def stop(self) -> None:
        """Stop the master and its workers."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


class MemorySampler:
    """Samples every worker's RSS of some servers in the background."""

    def __init__(self, servers: list[Server], interval: float = 0.2):
        self.servers, self.interval = servers, interval
        self.peak_kb: dict[str, dict[int, int]] = {s.name: {} for s in servers}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        known: dict[str, list[int]] = {}
        tick = 0
        while not self._stop.is_set():
            for server in self.servers:
                # finding workers walks /proc, so it is done once a second; workers recycle
                if tick % 5 == 0 or server.name not in known:
                    known[server.name] = server.workers()
                peaks = self.peak_kb[server.name]
                for pid in known[server.name]:
                    rss = proc_status(pid).get("VmRSS", 0)
                    if rss:
                        peaks[pid] = max(peaks.get(pid, 0), rss)
            tick += 1
            self._stop.wait(self.interval)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


# --- the portal's setup ----------------------------------------------------------------------

def portal_env(instance: Path, database_url: str, extra: dict) -> dict:
    """The environment a portal process gets: its own instance, database and secret."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update({
        "PORTAL_INSTANCE_PATH": str(instance),
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_SECRET_KEY": secrets.token_hex(32),
        "PORTAL_RATELIMIT_ENABLED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    env.update(extra)
    return env


def prepare_portal(env: dict, demo: bool) -> tuple[dict, str]:
    """Migrate (and fill with demo data), add a staff account; returns facts and its password."""
    if demo:
        subprocess.run([sys.executable, "-m", "flask", "--app", "app", "demo"], cwd=ROOT, env=env,
                       check=True, capture_output=True)
    password = secrets.token_urlsafe(18)
    done = subprocess.run([sys.executable, "-m", "benchmarks.prepare", "bench-staff", password],
                          cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1]), password


def log_in(port: int, username: str, password: str) -> dict:
    """Log the staff account in once; returns its cookies."""
    client = Client(port, {}, seed=1)
    status, data = client.request("GET", "/login")
    client.capture(data, {})
    status, _ = client.request("POST", "/login", {"username": username, "password": password,
                                                  "csrf_token": client.captured.get("csrf_token", "")})
    if status != 302:
        raise RuntimeError(f"staff login answered {status}")
    client.conn.close()
    return client.cookies


# --- load ------------------------------------------------------------------------------------

def drive(port: int, route: Route, cookies: dict, args, seed: int) -> dict:
    """Run the load generator for one route in its own process and return its figures."""
    spec = {"port": port, "method": route.method, "path": route.path, "form": route.form,
            "setup": route.setup, "cookies": cookies if route.staff else {},
            "expect_text": route.expect_text, "expect": route.expect,
            "connections": args.connections, "processes": args.processes,
            "warmup": args.warmup, "duration": args.duration, "max_requests": args.max_requests,
            "seed": seed}
    done = subprocess.run([sys.executable, "-m", "benchmarks.loadgen"], cwd=ROOT,
                          input=json.dumps(spec), capture_output=True, text=True,
                          timeout=args.duration + args.warmup + 300)
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed for {route.method} {route.path}: {done.stderr}")
    return json.loads(done.stdout)


def median_of(runs: list[dict], key: str) -> float:
    """The median of one figure over the rounds."""
    return round(statistics.median(run[key] for run in runs), 2)


def load_phase(portal: Server, floor: Server, routes: list[Route], cookies: dict, args) -> list[dict]:
    """Rounds of: the floor, every portal route, the floor again; medians and ratios."""
    by_route: dict[tuple, list[dict]] = {}

    def run_floor(round_no: int) -> dict[str, dict]:
        runs = {}
        for route in FLOOR_ROUTES:
            result = drive(floor.port, route, {}, args, seed=round_no)
            runs[route.method] = result
            by_route.setdefault(("floor", route.method, route.path), []).append(result)
            print(f"  floor  {route.method:4} {route.path:28} {result['rps']:8.1f} rps  "
                  f"p95 {result['p95_ms']:6.1f} ms", flush=True)
        return runs

    loads = []
    for round_no in range(args.rounds):
        loads.append(os.getloadavg()[0])
        before = run_floor(round_no)
        portal_runs = []
        for route in routes:
            result = drive(portal.port, route, cookies, args, seed=round_no)
            by_route.setdefault(("portal", route.method, route.path), []).append(result)
            portal_runs.append(result)
            print(f"  portal {route.method:4} {route.path:28} {result['rps']:8.1f} rps  "
                  f"p95 {result['p95_ms']:6.1f} ms", flush=True)
        after = run_floor(round_no)
        loads.append(os.getloadavg()[0])
        # the floor route of the same method, measured just before and just after this round
        for result in portal_runs:
            floor_rps = (before[result["method"]]["rps"] + after[result["method"]]["rps"]) / 2
            result["ratio"] = round(result["rps"] / max(floor_rps, 1e-9), 3)
    load_phase.load_averages = [round(x, 2) for x in loads]
    summary = []
    for (app, method, path), runs in by_route.items():
        statuses: dict[str, int] = {}
        for run in runs:
            for key, value in run["statuses"].items():
                statuses[key] = statuses.get(key, 0) + value
        bad = sum(v for k, v in statuses.items() if k != "ok")
        summary.append({
            "app": app, "method": method, "path": path, "rounds": len(runs),
            "requests": sum(run["requests"] for run in runs),
            "rps": median_of(runs, "rps"),
            "p50_ms": median_of(runs, "p50_ms"), "p95_ms": median_of(runs, "p95_ms"),
            "p99_ms": median_of(runs, "p99_ms"),
            "ratio": median_of(runs, "ratio") if app == "portal" else None,
            "unexpected_statuses": bad, "statuses": statuses,
            "errors": sorted({e for run in runs for e in run["errors"]}),
            "connections_opened": sum(run["connections_opened"] for run in runs),
            "generator_cpu_s": round(sum(run["generator_cpu_s"] for run in runs), 1),
            "seconds": round(sum(run["seconds"] for run in runs), 1),
        })
    return summary


# --- weight ----------------------------------------------------------------------------------

class _Links(HTMLParser):
    """Everything in a page that a browser fetches on a first visit."""

    FETCHED_RELS = {"stylesheet", "icon", "shortcut", "apple-touch-icon", "manifest", "preload",
                    "modulepreload", "prefetch", "mask-icon"}

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.has_icon = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link":
            rels = set((attrs.get("rel") or "").lower().split())
            if rels & self.FETCHED_RELS and attrs.get("href"):
                self.urls.append(attrs["href"])
            self.has_icon = self.has_icon or bool(rels & {"icon", "shortcut"})
        elif tag in ("script", "img", "iframe", "embed", "audio", "video", "source", "track", "input"):
            if attrs.get("src") and (tag != "input" or attrs.get("type") == "image"):
                self.urls.append(attrs["src"])
        if tag == "object" and attrs.get("data"):
            self.urls.append(attrs["data"])
        if tag == "video" and attrs.get("poster"):
            self.urls.append(attrs["poster"])
        for candidate in (attrs.get("srcset") or "").split(","):
            if candidate.strip():
                self.urls.append(candidate.split()[0])
        if attrs.get("style"):
            self.urls.extend(CSS_URL.findall(attrs["style"]))


CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""")


def _kind(content_type: str) -> str:
    """html, css, js, img, font or other, from a Content-Type."""
    ct = content_type.split(";")[0].strip().lower()
    if ct == "text/html":
        return "html"
    if ct == "text/css":
        return "css"
    if "javascript" in ct:
        return "js"
    if ct.startswith("image/"):
        return "img"
    if ct.startswith("font/") or "font" in ct:
        return "font"
    return "other"


def weigh_page(port: int, path: str) -> dict:
    """Bytes by kind and requests a first visit to a page makes (empty cache)."""
    origin = f"http://{LOOPBACK}:{port}"
    client = Client(port, {}, seed=3)
    bytes_by_kind = {"html": 0, "css": 0, "js": 0, "img": 0, "font": 0, "other": 0}
    fetched, third_party, gz = [], [], 0
    status, data = client.request("GET", path)
    bytes_by_kind["html"] += len(data)
    gz += len(gzip.compress(data))
    fetched.append(path)
    parser = _Links()
    parser.feed(data.decode("utf-8", "replace"))
    queue = [urljoin(origin + path, url) for url in parser.urls if not url.startswith("data:")]
    if not parser.has_icon:
        queue.append(origin + "/favicon.ico")  # browsers ask for it when no icon is linked
    seen = set()
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != origin:
            third_party.append(url)
            continue
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        client.conn.request("GET", target, headers={"Accept-Encoding": "identity"})
        response = client.conn.getresponse()
        body = response.read()
        if response.will_close:
            client.conn.close()
        kind = _kind(response.getheader("Content-Type", ""))
        bytes_by_kind[kind] += len(body)
        gz += len(gzip.compress(body))
        fetched.append(f"{target} ({response.status}, {kind}, {len(body)} B)")
        if kind == "css":
            for found in CSS_URL.findall(body.decode("utf-8", "replace")):
                ref = found[0] or found[1]
                if not ref.startswith("data:"):
                    queue.append(urljoin(url, ref))
    client.conn.close()
    total = sum(bytes_by_kind.values())
    return {"path": path, "status": status, "bytes": bytes_by_kind, "total_bytes": total,
            "total_kb": round(total / 1024, 1), "gzip_kb": round(gz / 1024, 1),
            "requests": len(fetched) + len(third_party), "fetched": fetched,
            "other_origins": third_party}


def route_kind(port: int, path: str, content_type: str) -> str:
    """overhead (not a page), form (a page with a form to send) or content, for its target."""
    if not content_type.startswith("text/html"):
        return "overhead"
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=30)
    conn.request("GET", path)
    body = conn.getresponse().read().decode("utf-8", "replace")
    conn.close()
    return "form" if re.search(r'<form[^>]*method="post"', body) else "content"


def probe(port: int, path: str) -> tuple[int, str]:
    """Status and Content-Type of one anonymous GET."""
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=30)
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status, response.getheader("Content-Type", "")


# --- lighthouse ------------------------------------------------------------------------------

LIGHTHOUSE = ROOT / "tools" / "node_modules" / "lighthouse" / "cli" / "index.js"
LIGHTHOUSE_CATEGORIES = ("performance", "accessibility", "best-practices")


def lighthouse(port: int, path: str, workdir: Path, attempts: int = 3) -> dict:
    """Lighthouse's scores for one page: mobile preset, simulated slow 4G and CPU throttling.
    Chromium sometimes fails to record its trace on a busy machine: such a run is tried again."""
    for _ in range(attempts):
        found = _lighthouse_once(port, path, workdir)
        if "error" not in found:
            break
    return found


def _lighthouse_once(port: int, path: str, workdir: Path) -> dict:
    out = workdir / f"lighthouse-{len(list(workdir.glob('lighthouse-*')))}.json"
    env = dict(os.environ, CHROME_PATH=os.environ.get("CHROME_PATH", "/usr/bin/chromium"))
    done = subprocess.run(
        ["node", str(LIGHTHOUSE), f"http://{LOOPBACK}:{port}{path}", "--quiet", "--output=json",
         f"--output-path={out}", f"--only-categories={','.join(LIGHTHOUSE_CATEGORIES)}",
         "--form-factor=mobile", "--throttling-method=simulate",
         "--chrome-flags=--headless=new --no-sandbox --disable-gpu"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0 or not out.exists():
        return {"path": path, "error": (done.stderr or done.stdout).strip()[-300:]}
    result = json.loads(out.read_text())
    scores = {name: round((result["categories"][name]["score"] or 0) * 100)
              for name in LIGHTHOUSE_CATEGORIES}
    failed = sorted(audit["id"] for audit in result["audits"].values()
                    if audit.get("score") is not None and audit["score"] < 1
                    and audit.get("scoreDisplayMode") in ("binary", "numeric", "metricSavings"))
    metrics = {key: round(result["audits"][key]["numericValue"])
               for key in ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time")
               if key in result["audits"]}
    return {"path": path, "scores": scores, "metrics_ms": metrics, "audits_below_full": failed}


# --- scale -----------------------------------------------------------------------------------

def timed_gets(port: int, path: str, cookies: dict, count: int) -> dict:
    """Sequential GETs on one connection: p50, p95 and max in ms, and the statuses."""
    client = Client(port, cookies, seed=5)
    times, statuses = [], {}
    for _ in range(8):
        client.request("GET", path)  # every worker has its templates compiled and caches warm
    for _ in range(count):
        started = time.perf_counter()
        status, _ = client.request("GET", path)
        times.append((time.perf_counter() - started) * 1000)
        statuses[status] = statuses.get(status, 0) + 1
    client.conn.close()
    times.sort()
    return {"p50_ms": round(times[len(times) // 2], 1),
            "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 1),
            "max_ms": round(times[-1], 1), "statuses": {str(k): v for k, v in statuses.items()}}


def stream_export(server: Server, cookies: dict, expected_rows: int) -> dict:
    """Read the CSV export in small chunks while watching the workers' memory."""
    workers = server.workers()
    before = {pid: proc_status(pid).get("VmRSS", 0) for pid in workers}
    for pid in workers:
        reset_peak(pid)
    peaks = dict(before)

    def note_peaks() -> None:
        for pid in workers:
            peak = proc_status(pid).get("VmHWM")
            if peak:
                peaks[pid] = max(peaks[pid], peak)

    timeouts_before = server.log_path.read_text(errors="replace").count("WORKER TIMEOUT")
    conn = http.client.HTTPConnection(LOOPBACK, server.port, timeout=120)
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
               "Accept-Encoding": "identity"}
    started = time.perf_counter()
    conn.request("GET", "/staff/feedback/export.csv", headers=headers)
    response = conn.getresponse()
    first_byte = None
    size = lines = 0
    error = None
    next_look = 0.0
    try:
        while True:
            chunk = response.read(65536)
            now = time.perf_counter()
            if first_byte is None:
                first_byte = now - started
            if now >= next_look:
                note_peaks()
                next_look = now + 0.1
            if not chunk:
                break
            size += len(chunk)
            lines += chunk.count(b"\n")
    except (http.client.IncompleteRead, ConnectionError) as exc:
        error = type(exc).__name__
    took = time.perf_counter() - started
    conn.close()
    note_peaks()
    time.sleep(0.5)
    timeouts = server.log_path.read_text(errors="replace").count("WORKER TIMEOUT") - timeouts_before
    # the worker that served it is the one whose peak rose most
    served_by = max(peaks, key=lambda pid: peaks[pid] - before.get(pid, 0)) if peaks else None
    # a row is one message; a message body may hold a line break, so lines can exceed rows
    return {"status": response.status, "seconds": round(took, 2),
            "first_byte_ms": round((first_byte or 0) * 1000, 1),
            "mb": round(size / 1e6, 1), "lines": lines, "expected_rows": expected_rows,
            "complete": error is None and lines >= expected_rows + 1,
            "error": error, "worker_timeouts": timeouts,
            "worker_rss_before_mb": round(before.get(served_by, 0) / 1024, 1),
            "worker_peak_rss_mb": round(peaks.get(served_by, 0) / 1024, 1)}


def scale_phase(workdir: Path, args, database_url: str) -> list[dict]:
    """The staff list and the export at each size, the table topped up between sizes."""
    from benchmarks import bulk_load

    instance = workdir / "scale-instance"
    env = portal_env(instance, database_url, args.server_env)
    facts, password = prepare_portal(env, demo=False)
    server = Server("scale", "app:app", env, workdir)
    results = []
    try:
        server.wait_ready("/healthz")
        cookies = log_in(server.port, "bench-staff", password)
        for size in args.sizes:
            loaded = bulk_load.top_up(database_url, size, staff_id=facts["staff_id"])
            cursor = bulk_load.middle_cursor(database_url)
            expected = bulk_load.expected_export_rows(database_url)
            print(f"  {size:>9,} threads loaded in {loaded['seconds']} s", flush=True)
            row = {"threads": size, "load_seconds": loaded["seconds"],
                   "messages_added": loaded["messages_added"]}
            row["list_first"] = timed_gets(server.port, "/staff/feedback", cookies, args.samples)
            row["list_deep"] = timed_gets(server.port, f"/staff/feedback?cursor={cursor}", cookies,
                                          args.samples)
            row["list_status"] = timed_gets(server.port, "/staff/feedback?status=new", cookies,
                                            args.samples)
            row["list_status_topic"] = timed_gets(
                server.port, f"/staff/feedback?status=read&topic=space&cursor={cursor}", cookies,
                args.samples)
            row["export"] = stream_export(server, cookies, expected)
            print(f"    list p95 {row['list_first']['p95_ms']} ms, deep {row['list_deep']['p95_ms']} ms,"
                  f" export {row['export']['seconds']} s, worker peak"
                  f" {row['export']['worker_peak_rss_mb']} MB", flush=True)
            results.append(row)
    finally:
        server.stop()
    return results


# --- report ----------------------------------------------------------------------------------

def machine() -> dict:
    """What the figures were measured on."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "cpu_model": model, "python": platform.python_version(),
            "platform": platform.platform(), "memory_gb": round(
                os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)}


def cpu_pressure_us() -> int | None:
    """Microseconds some task has waited for a CPU since boot (Linux PSI), or None."""
    try:
        line = Path("/proc/pressure/cpu").read_text().splitlines()[0]
    except (OSError, IndexError):
        return None
    return int(line.rsplit("total=", 1)[1])


def gunicorn_settings(env: dict) -> dict:
    """The settings both apps ran with, read from gunicorn.conf.py the way gunicorn reads it."""
    code = ("import json, runpy; c = runpy.run_path('gunicorn.conf.py'); print(json.dumps({k: c[k] "
            "for k in ('workers', 'threads', 'worker_class', 'keepalive', 'timeout', 'max_requests')}))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout)


def check_targets(report: dict) -> list[dict]:
    """Each target with the measured figure and whether it was met."""
    checks = []
    load = [r for r in report["load"] if r["app"] == "portal"]
    kinds = report.get("route_kinds", {})
    for r in load:
        kind = kinds.get(f"{r['method']} {r['path']}")
        if kind:
            wanted = RATIO_TARGETS[kind]
            checks.append({"target": f"{r['method']} {r['path']} ({KIND_NAMES[kind]}) throughput >= "
                                     f"{wanted}x floor",
                           "value": r["ratio"], "met": r["ratio"] >= wanted})
    for r in load:
        if kinds.get(f"{r['method']} {r['path']}") in ("content", "form", "overhead"):
            checks.append({"target": f"{r['method']} {r['path']} p95 < {TARGETS['p95_ms']:.0f} ms at "
                                     f"{report['settings']['connections']} connections",
                           "value": r["p95_ms"], "met": r["p95_ms"] < TARGETS["p95_ms"]})
    for row in report.get("scale", []):
        if row["threads"] >= 1_000_000:
            worst = max(row["list_first"]["p95_ms"], row["list_deep"]["p95_ms"],
                        row["list_status"]["p95_ms"], row["list_status_topic"]["p95_ms"])
            checks.append({"target": "staff list p95 < 100 ms at 1,000,000 threads",
                           "value": worst, "met": worst < TARGETS["list_ms_at_1m"]})
    if len(report.get("scale", [])) >= 2:
        first, last = report["scale"][0]["export"], report["scale"][-1]["export"]
        growth = last["worker_peak_rss_mb"] - first["worker_peak_rss_mb"]
        checks.append({"target": "export memory flat with size (peak grows < 10 MB)",
                       "value": round(growth, 1), "met": growth < 10})
        for row in report["scale"]:
            if not row["export"]["complete"]:
                e = row["export"]
                checks.append({"target": f"export complete at {row['threads']:,} threads",
                               "value": f"cut at {e['lines']:,} of {e['expected_rows']:,} rows after"
                                        f" {e['seconds']} s ({e['worker_timeouts']} worker timeout)",
                               "met": False})
    for page in report["weight"]:
        checks.append({"target": f"{page['path']} <= {TARGETS['page_kb']:.0f} KB, "
                                 f"<= {TARGETS['page_requests']} requests, no other origin",
                       "value": f"{page['total_kb']} KB, {page['requests']} requests",
                       "met": page["total_kb"] <= TARGETS["page_kb"]
                       and page["requests"] <= TARGETS["page_requests"]
                       and not page["other_origins"]})
    for page in report.get("lighthouse", []):
        scores = page.get("scores") or {}
        checks.append({"target": f"Lighthouse {page['path']}: 100 in performance, accessibility and"
                                 " best practices",
                       "value": "/".join(str(scores.get(k, "-")) for k in LIGHTHOUSE_CATEGORIES)
                       if scores else page.get("error", "")[:60],
                       "met": bool(scores) and all(v == 100 for v in scores.values())})
    rss = report["memory"]["portal"]["peak_worker_rss_mb"]
    checks.append({"target": f"portal worker RSS < {TARGETS['worker_rss_mb']:.0f} MB under load",
                   "value": rss, "met": rss < TARGETS["worker_rss_mb"]})
    return checks


def markdown(report: dict) -> str:
    """The figures as Markdown tables."""
    m, s = report["machine"], report["settings"]
    out = [f"# Benchmark results ({report['database']})", "",
           f"Run {report['started']} in {report['seconds']:.0f} s on {m['cpus']} CPUs ({m['cpu_model']}),"
           f" Python {m['python']}. gunicorn: {s['gunicorn']['workers']} {s['gunicorn']['worker_class']}"
           f" workers, {s['connections']} connections from {s['processes']} load-generator processes"
           f" on the same machine (they share its {m['cpus']} CPUs with the server),"
           f" {s['duration']} s per step after {s['warmup']} s warm-up, {s['rounds']} round(s),"
           " medians shown. Ratios compare with the floor route of the same method measured in"
           " the same round (floor run before and after each round of portal routes)."
           f" Load average at start {m.get('load_average_at_start')}, at end"
           f" {m.get('load_average_at_end')}, 1-minute load average at the start and end of each"
           f" round of the load phase {m.get('load_average_during_load')}; CPU pressure during the run"
           f" {m.get('cpu_pressure_pct')}% (other processes on this machine add noise).", "",
           "## Throughput and latency", "",
           "| app | route | req/s | p50 ms | p95 ms | p99 ms | x floor | bad statuses |",
           "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in report["load"]:
        ratio = f"{r['ratio']:.2f}" if r["ratio"] is not None else ""
        out.append(f"| {r['app']} | {r['method']} {r['path']} | {r['rps']:.0f} | {r['p50_ms']:.1f} |"
                   f" {r['p95_ms']:.1f} | {r['p99_ms']:.1f} | {ratio} | {r['unexpected_statuses']} |")
    if report.get("scale"):
        out += ["", "## Scale: staff feedback list and CSV export", "",
                "| threads | list p95 ms (first) | deep page | status filter | status+topic, deep |"
                " export s | export MB | export worker peak RSS MB | complete |",
                "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
        for row in report["scale"]:
            e = row["export"]
            out.append(f"| {row['threads']:,} | {row['list_first']['p95_ms']} |"
                       f" {row['list_deep']['p95_ms']} | {row['list_status']['p95_ms']} |"
                       f" {row['list_status_topic']['p95_ms']} |"
                       f" {e['seconds']} | {e['mb']} | {e['worker_peak_rss_mb']} |"
                       f" {'yes' if e['complete'] else 'no: ' + str(e['error'])} |")
    out += ["", "## Weight of each public page (first visit, empty cache)", "",
            "| page | HTML B | CSS B | JS B | images B | total KB | gzip KB | requests | other origins |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for p in report["weight"]:
        b = p["bytes"]
        out.append(f"| {p['path']} | {b['html']} | {b['css']} | {b['js']} | {b['img']} | {p['total_kb']} |"
                   f" {p['gzip_kb']} | {p['requests']} | {len(p['other_origins'])} |")
    mem = report["memory"]
    out += ["", "## Worker memory", "",
            "| app | peak worker RSS MB under load | worker RSS MB after the run | workers seen |",
            "| --- | ---: | --- | ---: |"]
    for name in ("portal", "floor"):
        out.append(f"| {name} | {mem[name]['peak_worker_rss_mb']} |"
                   f" {', '.join(str(v) for v in mem[name]['after_run_mb'])} | {mem[name]['workers_seen']} |")
    if mem.get("login_peak_mb"):
        out.append(f"\nA staff login (argon2id) raised the peak RSS of the worker that served it to"
                   f" {mem['login_peak_mb']} MB; that memory is returned right after.")
    if report.get("lighthouse"):
        out += ["", "## Lighthouse (mobile preset, simulated throttling, Debian's Chromium)", "",
                "| page | performance | accessibility | best practices | FCP ms | LCP ms | TBT ms |"
                " audits below full marks |",
                "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
        for page in report["lighthouse"]:
            if "error" in page:
                out.append(f"| {page['path']} | error: {page['error'][:80]} | | | | | | |")
                continue
            sc, me = page["scores"], page["metrics_ms"]
            out.append(f"| {page['path']} | {sc['performance']} | {sc['accessibility']} |"
                       f" {sc['best-practices']} | {me.get('first-contentful-paint', '')} |"
                       f" {me.get('largest-contentful-paint', '')} | {me.get('total-blocking-time', '')} |"
                       f" {', '.join(page['audits_below_full']) or 'none'} |")
    out += ["", "## Targets", "", "| target | measured | met |", "| --- | --- | --- |"]
    for c in report["targets"]:
        out.append(f"| {c['target']} | {c['value']} | {'yes' if c['met'] else '**no**'} |")
    if report.get("findings"):
        out += ["", report["findings"].strip()]
    return "\n".join(out) + "\n"


# --- main ------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short steps, sizes up to 100,000")
    parser.add_argument("--postgres", action="store_true", help="use PostgreSQL on 127.0.0.1:5432")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--processes", type=int, default=4, help="load-generator processes")
    parser.add_argument("--duration", type=float, default=None, help="seconds measured per step")
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--max-requests", type=int, default=100_000, help="cap per step")
    parser.add_argument("--sizes", default=None, help="comma-separated thread counts")
    parser.add_argument("--samples", type=int, default=30, help="list requests per size")
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--workers", default=None, help="PORTAL_WORKERS for both apps")
    parser.add_argument("--threads", default=None, help="PORTAL_THREADS for both apps")
    parser.add_argument("--out", default=None, help="results file stem (default: latest)")
    parser.add_argument("--keep", action="store_true", help="keep the working folder (databases, logs)")
    parser.add_argument("--lighthouse", action="store_true",
                        help="Lighthouse on each public page (npm ci --prefix tools; Debian's Chromium)")
    args = parser.parse_args(argv)
    args.duration = args.duration or (3.0 if args.quick else 6.0)
    args.rounds = args.rounds or (1 if args.quick else 3)
    sizes = args.sizes or ("1000,10000,100000" if args.quick else "1000,10000,100000,1000000")
    args.sizes = [int(s) for s in sizes.split(",")]
    args.server_env = {"PORTAL_ACCESS_LOG": "-"}
    if args.workers:
        args.server_env["PORTAL_WORKERS"] = args.workers
    if args.threads:
        args.server_env["PORTAL_THREADS"] = args.threads
    args.out = args.out or ("latest-postgres" if args.postgres
                            else "latest")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    made_databases: list[str] = []

    def database(name: str) -> str:
        if args.postgres:
            made_databases.append(f"portal_bench_{name}")
            return postgres_database(f"portal_bench_{name}")
        return f"sqlite:///{workdir / (name + '.sqlite')}"

    report = {"started": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
              "database": "PostgreSQL" if args.postgres else "SQLite", "machine": machine(),
              "targets_set": TARGETS, "load": [], "weight": [], "scale": [],
              "memory": {"portal": {}, "floor": {}}, "public_routes": [], "lighthouse": [], "route_kinds": {}}
    print(f"working in {workdir}", flush=True)
    pressure_start = cpu_pressure_us()
    report["machine"]["load_average_at_start"] = [round(x, 2) for x in os.getloadavg()]
    try:
        env = portal_env(workdir / "instance", database("load"), args.server_env)
        report["settings"] = {"connections": args.connections, "processes": args.processes,
                              "duration": args.duration, "warmup": args.warmup,
                              "rounds": args.rounds, "max_requests": args.max_requests,
                              "gunicorn": gunicorn_settings(env)}
        if not args.skip_load:
            run_load(report, env, workdir, args, database("floor"))
        if not args.skip_scale:
            print("scale: staff list and export", flush=True)
            report["scale"] = scale_phase(workdir, args, database("scale"))
    finally:
        for name in made_databases:
            drop_postgres_database(name)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    report["seconds"] = round(time.monotonic() - started, 1)
    report["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    if pressure_start is not None:
        # share of the run during which some runnable task waited for a CPU: ours or others'
        waited = (cpu_pressure_us() - pressure_start) / 1e6
        report["machine"]["cpu_pressure_pct"] = round(100 * waited / report["seconds"], 1)
    findings = RESULTS / "findings.md"
    report["findings"] = findings.read_text() if findings.exists() else ""
    if not args.skip_load:
        report["targets"] = check_targets(report)
    else:
        report["targets"] = []
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.out}.json").write_text(json.dumps(report, indent=2) + "\n")
    if not args.skip_load:
        (RESULTS / f"{args.out}.md").write_text(markdown(report))
    print(f"wrote {RESULTS / (args.out + '.json')} in {report['seconds']:.0f} s", flush=True)
    missed = [c for c in report["targets"] if not c["met"]]
    for c in missed:
        print(f"  missed: {c['target']}: {c['value']}")
    return 0


def run_load(report: dict, env: dict, workdir: Path, args, floor_url: str) -> None:
    """Start both apps, weigh pages, drive every route, and note the workers' memory."""
    print("preparing the portal (demo data, staff account)", flush=True)
    facts, password = prepare_portal(env, demo=True)
    floor_env = dict(env, FLOOR_DATABASE_URL=floor_url)
    portal = Server("portal", "app:app", env, workdir)
    floor = Server("floor", "benchmarks.floor_app:app", floor_env, workdir)
    try:
        portal.wait_ready("/healthz")
        floor.wait_ready("/floor")
        for pid in portal.workers():
            reset_peak(pid)
        cookies = log_in(portal.port, "bench-staff", password)
        login_peak = max((proc_status(pid).get("VmHWM", 0) for pid in portal.workers()), default=0)
        report["memory"]["login_peak_mb"] = round(login_peak / 1024, 1)
        routes, skipped = [], []
        for path in facts["public_get_routes"] + PUBLIC_PAGES_WITH_ARGUMENTS:
            status, content_type = probe(portal.port, path)
            if status == 200:
                routes.append(Route("GET", path))
                report["route_kinds"][f"GET {path}"] = route_kind(portal.port, path, content_type)
                report["public_routes"].append(path)
                if content_type.startswith("text/html"):
                    report["weight"].append(weigh_page(portal.port, path))
            else:
                skipped.append(f"{path} ({status})")
        for route in ROUTES:
            report["route_kinds"][f"{route.method} {route.path}"] = (
                "staff" if route.staff else "write" if route.method == "POST" else "content")
        report["skipped_routes"] = skipped
        print(f"public GET routes: {', '.join(report['public_routes'])}; skipped: {skipped}", flush=True)
        if args.lighthouse:
            for page in report["weight"]:
                found = lighthouse(portal.port, page["path"], workdir)
                report["lighthouse"].append(found)
                print(f"  lighthouse {page['path']}: {found.get('scores') or found.get('error')}", flush=True)
        with MemorySampler([portal, floor]) as sampler:
            report["load"] = load_phase(portal, floor, routes + ROUTES, cookies, args)
            report["machine"]["load_average_during_load"] = load_phase.load_averages
        for server in (portal, floor):
            peaks = sampler.peak_kb[server.name]
            report["memory"][server.name] = {
                "peak_worker_rss_mb": round(max(peaks.values(), default=0) / 1024, 1),
                "after_run_mb": [round(proc_status(pid).get("VmRSS", 0) / 1024, 1)
                                 for pid in server.workers()],
                "workers_seen": len(peaks)}
    finally:
        portal.stop()
        floor.stop()


if __name__ == "__main__":
    sys.exit(main())
