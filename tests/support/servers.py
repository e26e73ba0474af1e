"""The shipped gunicorn configuration, run in a subprocess on a free loopback port."""
from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
CHEAP_ARGON2 = {"PORTAL_ARGON2_TIME_COST": "1", "PORTAL_ARGON2_MEMORY_COST": "8",
                "PORTAL_ARGON2_PARALLELISM": "1"}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_is_free(port: int) -> bool:
    """True when a new server could bind the port."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def portal_environment(instance: Path, **settings: str) -> dict[str, str]:
    """The process environment for a portal command or server: only our PORTAL_* settings."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PORTAL_")}
    env.update(CHEAP_ARGON2)
    env.update({
        "PORTAL_INSTANCE_PATH": str(instance),
        "PORTAL_SECRET_KEY": "server-test-" + secrets.token_hex(16),
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(TESTS)]),
    })
    env.update(settings)
    return env


def flask_command(env: dict[str, str], *args: str, timeout: float = 120, **kwargs):
    """Run `flask --app app ...` as an operator would; returns the completed process."""
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout, **kwargs)


class Gunicorn:
    """gunicorn with the project's gunicorn.conf.py, in its own process group."""

    def __init__(self, env: dict[str, str], log_dir: Path, workers: int = 2,
                 app: str = "app:app", port: int | None = None) -> None:
        self.port = port or free_port()
        self.log_dir = log_dir
        self.app = app
        self.env = dict(env)
        self.env.update({
            "PORTAL_BIND": f"127.0.0.1:{self.port}",
            "PORTAL_WORKERS": str(workers),
            "PORTAL_ACCESS_LOG": str(log_dir / "access.log"),
            "PORTAL_ERROR_LOG": str(log_dir / "error.log"),
        })
        self.process: subprocess.Popen | None = None
        self.starts = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def start(self, timeout: float = 60) -> Gunicorn:
        """Start the server and wait until every worker can answer the health check."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.starts += 1
        out = open(self.log_dir / f"stdout-{self.starts}.log", "wb")  # noqa: SIM115
        err = open(self.log_dir / f"stderr-{self.starts}.log", "wb")  # noqa: SIM115
        with out, err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), self.app],
                cwd=ROOT, env=self.env, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.logs()}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(self.url("/healthz"), timeout=2).status_code == 200:
                    return self
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"gunicorn did not answer within {timeout}s:\n{self.logs()}")

    def stop(self, timeout: float = 30) -> None:
        """A graceful stop (SIGTERM), then SIGKILL for whatever is left of the group."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        self.kill()

    def kill(self) -> None:
        """SIGKILL the master and its workers at once, as a crash or an OOM killer would."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not port_is_free(self.port):
            time.sleep(0.05)
        self.process = None

    def logs(self) -> str:
        """Everything the server wrote: stdout, stderr, the access and the error log."""
        parts = []
        for path in sorted(self.log_dir.glob("*.log")):
            parts.append(path.read_text(encoding="utf-8", errors="replace"))
        return "\n".join(parts)

    def __enter__(self) -> Gunicorn:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
