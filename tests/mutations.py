"""Break each rule on purpose, one at a time, and check that a test notices.

    python tests/mutations.py              # every break in BREAKS (tests/breaks.py)
    python tests/mutations.py --only 3 7   # some of them
    python tests/mutations.py --jobs 2     # two scratch copies side by side
    python tests/mutations.py --verbose    # and name the test that caught each break
    python tests/mutations.py --baseline   # first check each break's tests pass unbroken

Each break replaces one piece of text in one file of a scratch copy of the repository, runs only
the tests that guard that rule, and counts the break as caught when they fail. A break whose text
is not found exactly once is reported as stale (the table must follow the code). The exit status
is 0 only when every break was caught.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from breaks import BREAKS, Break  # noqa: E402


def tracked_files() -> list[str]:
    """The files git knows about (the scratch copy holds nothing else)."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    return [name for name in listed.stdout.decode().split("\0") if name]


def scratch_copy(target: Path) -> Path:
    """A copy of the tracked files, with the compiled catalogues the tests read."""
    for name in tracked_files():
        source = ROOT / name
        if source.is_file():
            destination = target / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)
    return target


def run_tests(tests: tuple[str, ...], copy: Path) -> subprocess.CompletedProcess:
    """Run a selection of tests in a copy, stopping at the first failure."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PORTAL_REQUIRE_BROWSER": ""}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
         "-p", "no:randomly", *tests],
        cwd=copy, env=env, capture_output=True, text=True, timeout=600)


def run_break(item: Break, copy: Path) -> tuple[str, str]:
    """Apply one break in the copy, run its tests, put the file back: (outcome, detail)."""
    path = copy / item.path
    original = path.read_text(encoding="utf-8")
    if original.count(item.old) != 1:
        return "stale", f"{item.path}: the text to break occurs {original.count(item.old)} times"
    path.write_text(original.replace(item.old, item.new), encoding="utf-8")
    try:
        result = run_tests(item.tests, copy)
    finally:
        path.write_text(original, encoding="utf-8")
    if result.returncode == 1:
        # the test that noticed (pytest stops at the first): tests/README.md names it
        failed = sorted({line.split()[1].split("[")[0] for line in result.stdout.splitlines()
                         if line.startswith("FAILED ")})
        return "caught", " ".join(failed)
    if result.returncode == 0:
        return "survived", " ".join(item.tests)
    tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-5:])
    return "error", f"pytest exited {result.returncode}:\n{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", type=int, help="numbers of the breaks to run")
    parser.add_argument("--jobs", type=int, default=1, help="scratch copies run side by side")
    parser.add_argument("--verbose", action="store_true", help="name the test that caught each break")
    parser.add_argument("--baseline", action="store_true",
                        help="first run each break's tests on the unbroken copy: a break whose tests "
                             "fail without it proves nothing and is reported as unsound")
    args = parser.parse_args(argv)
    chosen = [b for b in BREAKS if not args.only or b.number in args.only]
    numbers = [b.number for b in BREAKS]
    assert len(numbers) == len(set(numbers)), "two breaks share a number"
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="portal-mutations-") as base:
        copies: queue.Queue[Path] = queue.Queue()
        for n in range(max(1, args.jobs)):
            copies.put(scratch_copy(Path(base) / f"copy{n}"))

        passing: dict[tuple[str, ...], bool] = {}

        def work(item: Break) -> tuple[Break, str, str]:
            copy = copies.get()
            try:
                if args.baseline:
                    if item.tests not in passing:
                        passing[item.tests] = run_tests(item.tests, copy).returncode == 0
                    if not passing[item.tests]:
                        return item, "unsound", "its tests fail without the break"
                return (item, *run_break(item, copy))
            finally:
                copies.put(copy)

        results = []
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            for done in concurrent.futures.as_completed([pool.submit(work, b) for b in chosen]):
                item, outcome, _detail = done.result()
                results.append(done.result())
                # progress as it goes (the summary below comes at the end)
                print(f"[{len(results)}/{len(chosen)} {time.monotonic() - started:.0f} s] "
                      f"#{item.number} {outcome}", file=sys.stderr, flush=True)
    failed = 0
    for item, outcome, detail in sorted(results, key=lambda r: r[0].number):
        mark = "ok  " if outcome == "caught" else outcome.upper()
        print(f"{mark} #{item.number:<3} {item.rule}")
        if outcome == "caught" and args.verbose and detail:
            print(f"       caught by {detail}")
        if outcome != "caught":
            failed += 1
            print(f"       {item.path}: {detail}")
    print(f"\n{len(results) - failed} of {len(results)} breaks caught, {failed} not "
          f"({time.monotonic() - started:.0f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
