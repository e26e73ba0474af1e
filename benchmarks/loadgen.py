"""A small, bounded HTTP load generator for 127.0.0.1, run as its own process.

`python benchmarks/loadgen.py < spec.json` prints one JSON result. The spec names a route
(method, path, form), the setup each connection does first (for example a GET that yields a
CSRF token and a session cookie, or a POST whose answer holds a receipt), the number of
connections, worker processes, warm-up, duration and a cap on requests. Every connection is an
http.client keep-alive connection; a server that closes after each answer (gunicorn's sync
worker does) makes it reconnect, and that cost is part of the measured latency.
"""
from __future__ import annotations

import http.client
import json
import multiprocessing as mp
import random
import re
import resource
import sys
import threading
import time
from array import array
from urllib.parse import urlencode

LOOPBACK = "127.0.0.1"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
TAG_RE = re.compile(r"<[^>]+>")
WORDS = ("the staff were kind and the room was warm but the wait was long and I would like "
         "more evening hours a quieter space someone who speaks my language help with papers "
         "food clothes a phone charger thank you for listening").split()


def random_text(rng: random.Random) -> str:
    """A plausible message of 8 to 60 words."""
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 60))).capitalize() + "."


def fill_form(template: dict, captured: dict, rng: random.Random) -> dict:
    """Turn a form template into fields: lists pick one value, "@text" is a random message,
    "@name" is a value captured earlier on this connection."""
    fields = {}
    for name, value in template.items():
        if isinstance(value, list):
            value = rng.choice(value)
        if isinstance(value, str) and value == "@text":
            value = random_text(rng)
        elif isinstance(value, str) and value.startswith("@"):
            value = captured.get(value[1:], "")
        fields[name] = value
    if "csrf_token" in captured and "csrf_token" not in fields:
        fields["csrf_token"] = captured["csrf_token"]
    return fields


class Client:
    """One connection with its own cookies and captured values."""

    def __init__(self, port: int, cookies: dict, seed: int):
        self.conn = http.client.HTTPConnection(LOOPBACK, port, timeout=30)
        self.cookies = dict(cookies)
        self.captured: dict[str, str] = {}
        self.rng = random.Random(seed)
        self.opened = 0

    def request(self, method: str, path: str, fields: dict | None = None) -> tuple[int, bytes]:
        """Send one request and read the whole answer; reconnect if the server closed."""
        headers = {"Accept-Encoding": "identity", "Accept-Language": "en"}
        body = None
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if fields is not None:
            body = urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            if self.conn.sock is None:
                self.opened += 1
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine):
                # a kept-alive connection the server dropped between requests: retry once
                self.conn.close()
                if attempt == 2:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            pair = header.split(";", 1)[0]
            name, _, value = pair.partition("=")
            if "max-age=0" in header.lower() or value == "":
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value.strip()
        if response.will_close:
            self.conn.close()
        return response.status, data

    def capture(self, data: bytes, patterns: dict) -> None:
        """Keep the CSRF token and any named values found in an answer."""
        text = data.decode("utf-8", "replace")
        match = CSRF_RE.search(text)
        if match:
            self.captured["csrf_token"] = match.group(1) or match.group(2)
        for name, pattern in patterns.items():
            found = re.search(pattern, text, re.S)
            if found:
                self.captured[name] = TAG_RE.sub("", found.group(1)).strip()


def run_connection(spec: dict, index: int, barrier, released, out: dict) -> None:
    """Set up, wait for every other connection, warm up, then measure until time or cap."""
    client = Client(spec["port"], spec.get("cookies", {}), seed=spec.get("seed", 0) * 1000 + index)
    latencies = array("d")
    statuses: dict[str, int] = {}
    error = None
    try:
        for step in spec.get("setup", []):
            fields = fill_form(step["form"], client.captured, client.rng) if "form" in step else None
            status, data = client.request(step["method"], step["path"], fields)
            if status != 200:
                raise RuntimeError(f"setup {step['method']} {step['path']} answered {status}")
            client.capture(data, step.get("capture", {}))
    except Exception as exc:  # noqa: BLE001 - reported, and the run goes on without it
        error = f"{type(exc).__name__}: {exc}"
    barrier.wait(timeout=120)
    # the window is the same for every connection: it starts when the last one is ready
    window = {"start": released.value + spec["warmup"]}
    window["end"] = window["start"] + spec["duration"]
    if error is None:
        method, path, template = spec["method"], spec["path"], spec.get("form")
        expect = spec.get("expect", 200)
        # a marker the answer must hold, so a wrong page with the right status is not counted ok
        marker = spec["expect_text"].encode() if spec.get("expect_text") else None
        cap = spec["cap_per_connection"]
        try:
            while True:
                now = time.monotonic()
                if now >= window["end"] or len(latencies) >= cap:
                    break
                fields = fill_form(template, client.captured, client.rng) if template else None
                started = time.monotonic()
                status, body = client.request(method, path, fields)
                finished = time.monotonic()
                if started >= window["start"]:
                    latencies.append((finished - started) * 1000.0)
                    key = "ok" if status == expect else str(status)
                    if key == "ok" and marker is not None and marker not in body:
                        key = "wrong page"
                    statuses[key] = statuses.get(key, 0) + 1
                    out["last"] = max(out.get("last", 0.0), finished)
        except Exception as exc:  # noqa: BLE001
            error = f"{type(exc).__name__}: {exc}"
    out["latencies"] = latencies
    out["statuses"] = statuses
    out["error"] = error
    out["opened"] = client.opened
    client.conn.close()


def run_process(spec: dict, first: int, count: int, barrier, released, queue) -> None:
    """One worker process driving `count` connections from threads."""
    outs = [{} for _ in range(count)]
    threads = [threading.Thread(target=run_connection,
                                args=(spec, first + i, barrier, released, outs[i]))
               for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies = array("d")
    statuses: dict[str, int] = {}
    errors = []
    last = 0.0
    opened = 0
    for out in outs:
        latencies.extend(out.get("latencies", array("d")))
        for key, value in out.get("statuses", {}).items():
            statuses[key] = statuses.get(key, 0) + value
        if out.get("error"):
            errors.append(out["error"])
        last = max(last, out.get("last", 0.0))
        opened += out.get("opened", 0)
    queue.put({"latencies": latencies.tobytes(), "statuses": statuses, "errors": errors,
               "last": last, "opened": opened})


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of sorted values."""
    if not values:
        return float("nan")
    rank = max(0, min(len(values) - 1, int(round(fraction * len(values) + 0.5)) - 1))
    return values[rank]


def run(spec: dict) -> dict:
    """Drive one route and summarise what came back."""
    if spec.get("host", LOOPBACK) != LOOPBACK:
        raise SystemExit("the load generator only targets 127.0.0.1")
    connections = int(spec.get("connections", 16))
    processes = max(1, min(int(spec.get("processes", 4)), connections))
    cap = int(spec.get("max_requests", 20000))
    spec["cap_per_connection"] = max(1, -(-cap // connections))
    spec.setdefault("warmup", 1.0)
    spec.setdefault("duration", 10.0)
    ctx = mp.get_context("fork")
    released = ctx.Value("d", 0.0)

    def mark_release() -> None:
        released.value = time.monotonic()

    barrier = ctx.Barrier(connections, action=mark_release)
    queue = ctx.Queue()
    started = time.monotonic()
    share, extra = divmod(connections, processes)
    workers, first = [], 0
    for p in range(processes):
        count = share + (1 if p < extra else 0)
        worker = ctx.Process(target=run_process, args=(spec, first, count, barrier, released, queue))
        worker.start()
        workers.append(worker)
        first += count
    hard_limit = started + 120 + spec["warmup"] + spec["duration"] + 60
    parts = []
    while len(parts) < processes and time.monotonic() < hard_limit:
        try:
            parts.append(queue.get(timeout=1.0))
        except Exception:  # noqa: BLE001 - queue.Empty; keep waiting until the hard limit
            continue
    for worker in workers:
        worker.join(timeout=5)
        if worker.is_alive():
            worker.terminate()
    latencies = array("d")
    statuses: dict[str, int] = {}
    errors: list[str] = []
    last, opened = 0.0, 0
    for part in parts:
        chunk = array("d")
        chunk.frombytes(part["latencies"])
        latencies.extend(chunk)
        for key, value in part["statuses"].items():
            statuses[key] = statuses.get(key, 0) + value
        errors.extend(part["errors"])
        last = max(last, part["last"])
        opened += part["opened"]
    ordered = sorted(latencies)
    window_start = released.value + spec["warmup"]
    elapsed = max(1e-9, last - window_start) if ordered else 0.0
    return {
        "method": spec["method"],
        "path": spec["path"],
        "connections": connections,
        "processes": processes,
        "requests": len(ordered),
        "seconds": round(elapsed, 3),
        "rps": round(len(ordered) / elapsed, 1) if ordered else 0.0,
        "p50_ms": round(percentile(ordered, 0.50), 2),
        "p95_ms": round(percentile(ordered, 0.95), 2),
        "p99_ms": round(percentile(ordered, 0.99), 2),
        "max_ms": round(ordered[-1], 2) if ordered else None,
        "statuses": statuses,
        "connections_opened": opened,
        "errors": sorted(set(errors))[:5],
        # the generator shares the machine with the server: its own CPU time, for the record
        "generator_cpu_s": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
                                 + resource.getrusage(resource.RUSAGE_CHILDREN).ru_stime, 2),
    }


if __name__ == "__main__":
    print(json.dumps(run(json.load(sys.stdin))))
