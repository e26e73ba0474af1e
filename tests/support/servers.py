"""The shipped gunicorn configuration, run in a subprocess on a free loopback port."""
from __future__ import annotations

import contextlib
import http.client
import http.server
import os
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import threading
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
                 app: str = "app:app", port: int | None = None,
                 certificate: tuple[Path, Path] | None = None) -> None:
        self.port = port or free_port()
        self.log_dir = log_dir
        self.app = app
        # (certificate, key): gunicorn serves HTTPS itself
        self.certificate = certificate
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
        scheme = "https" if self.certificate else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def start(self, timeout: float = 60) -> Gunicorn:
        """Start the server and wait until every worker can answer the health check."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.starts += 1
        out = open(self.log_dir / f"stdout-{self.starts}.log", "wb")  # noqa: SIM115
        err = open(self.log_dir / f"stderr-{self.starts}.log", "wb")  # noqa: SIM115
        tls = []
        if self.certificate:
            tls = ["--certfile", str(self.certificate[0]), "--keyfile", str(self.certificate[1])]
        with out, err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), *tls,
                 self.app],
                cwd=ROOT, env=self.env, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.logs()}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(self.url("/healthz"), timeout=2, verify=False).status_code == 200:
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


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A throwaway certificate and key for 127.0.0.1, valid for a day (openssl)."""
    folder.mkdir(parents=True, exist_ok=True)
    certificate, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-keyout", str(key), "-out", str(certificate)],
        check=True, capture_output=True, timeout=60)
    return certificate, key


HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te",
              "trailer"}


class _ProxyHandler(http.server.BaseHTTPRequestHandler):
    """Forwards one request to the portal as nginx would: X-Forwarded-For and -Proto added."""

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {name: value for name, value in self.headers.items()
                   if name.lower() not in HOP_BY_HOP}
        headers["X-Forwarded-For"] = self.client_address[0]
        headers["X-Forwarded-Proto"] = "https"
        upstream = http.client.HTTPConnection("127.0.0.1", self.server.upstream_port, timeout=30)
        try:
            upstream.request(self.command, self.path, body=body, headers=headers)
            answer = upstream.getresponse()
            content = answer.read()
        finally:
            upstream.close()
        self.send_response(answer.status, answer.reason)
        for name, value in answer.getheaders():
            if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(content)

    do_GET = do_POST = do_HEAD = _forward

    def log_message(self, *args) -> None:
        pass


class TlsProxy:
    """A reverse proxy on a loopback port that terminates HTTPS in front of a plain-HTTP portal."""

    def __init__(self, upstream_port: int, certificate: tuple[Path, Path]) -> None:
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), _ProxyHandler)
        self.server.daemon_threads = True
        self.server.upstream_port = upstream_port
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(certificate[0]), str(certificate[1]))
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def __enter__(self) -> TlsProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


class LivePortal:
    """The portal under gunicorn (over HTTP or HTTPS), and an app in this process on the same
    database that makes accounts for it."""

    def __init__(self, url: str, app, server: Gunicorn) -> None:
        from portal.db import db

        self.url = url
        self.app = app
        self.server = server
        self.database = db.obj

    def make_account(self, role: str = "staff", totp: bool = False, password: str = "") -> dict:
        """A fresh active account: {"username", "password", "totp"} (totp: a pyotp.TOTP or None)."""
        import pyotp

        from portal.accounts.models import User
        from portal.clock import utc_now
        from portal.db import db
        from portal.security import hash_password

        password = password or "tls-kettle-meadow-" + secrets.token_hex(3)
        secret = pyotp.random_base32() if totp else None
        name = f"{role}-{secrets.token_hex(3)}"
        with self.app.app_context():
            if db.obj is not self.database:
                db.initialize(self.database)
            with db.connection_context():
                User.create(username=name, role=role, password_hash=hash_password(password),
                            totp_secret=secret, totp_enabled=totp, created_on=utc_now().date())
        return {"username": name, "password": password, "totp": pyotp.TOTP(secret) if secret else None}


def account_maker(env: dict[str, str], database_url: str):
    """An app in this process on the server's database and secret key, to make accounts with
    (it brings the schema up to date first, when the server has not)."""
    from portal import create_app

    return create_app({"INSTANCE_PATH": env["PORTAL_INSTANCE_PATH"], "DATABASE_URL": database_url,
                       "SECRET_KEY": env["PORTAL_SECRET_KEY"], "ARGON2_TIME_COST": 1,
                       "ARGON2_MEMORY_COST": 8, "ARGON2_PARALLELISM": 1, "LOG_REQUESTS": False})


@contextlib.contextmanager
def live_portal(tmp: Path, workers: int = 2, **settings: str):
    """The portal under the shipped gunicorn.conf.py over plain HTTP, its database in the
    instance folder (as a deployer's first start makes it), with an app that makes accounts."""
    env = portal_environment(tmp / "instance", **settings)
    with Gunicorn(env, tmp / "logs", workers=workers) as server:
        database_url = env.get("PORTAL_DATABASE_URL") or f"sqlite:///{tmp / 'instance' / 'portal.sqlite'}"
        yield LivePortal(server.base_url, account_maker(env, database_url), server)


@contextlib.contextmanager
def https_portal(tmp: Path, behind_proxy: bool):
    """The portal over HTTPS with PORTAL_HTTPS=1: gunicorn serving TLS itself with a throwaway
    certificate, or plain gunicorn behind a TLS-terminating proxy that sends X-Forwarded-Proto
    (PORTAL_PROXY_COUNT=1; gunicorn's forwarded_allow_ips trusts 127.0.0.1)."""
    certificate = self_signed_certificate(tmp / "tls")
    database_url = f"sqlite:///{tmp / 'portal.sqlite'}"
    env = portal_environment(tmp / "instance", PORTAL_HTTPS="1", PORTAL_RATELIMIT_ENABLED="0",
                             PORTAL_DATABASE_URL=database_url, PORTAL_SQLITE_SYNCHRONOUS="NORMAL")
    if behind_proxy:
        env["PORTAL_PROXY_COUNT"] = "1"
    app = account_maker(env, database_url)
    server = Gunicorn(env, tmp / "logs", workers=2, certificate=None if behind_proxy else certificate)
    with server:
        if behind_proxy:
            with TlsProxy(server.port, certificate) as proxy:
                yield LivePortal(proxy.base_url, app, server)
        else:
            yield LivePortal(server.base_url, app, server)
