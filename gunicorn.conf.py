"""gunicorn settings for the portal: `gunicorn -c gunicorn.conf.py app:app`.

The access log never records client addresses, user agents, referrers, query strings or sizes:
only the method, the path, the status and the time taken. The error log carries no time stamp,
and any address in a line (gunicorn writes "Invalid request from ip=...") is blanked out.
"""
import logging
import multiprocessing
import os
import re

import gunicorn.http.wsgi
from gunicorn.glogging import Logger

from portal.throttle import refuse_per_process_counting

# no product name or version in the Server header
gunicorn.http.wsgi.SERVER = "portal"

bind = os.environ.get("PORTAL_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("PORTAL_WORKERS", min(4, multiprocessing.cpu_count() * 2)))
# threaded workers keep connections alive and keep beating while a long CSV export streams
threads = int(os.environ.get("PORTAL_THREADS", 2))
worker_class = "sync" if threads == 1 else "gthread"
timeout = 30
graceful_timeout = 20
keepalive = 5
max_requests = 5000
max_requests_jitter = 500
# the portal may sit behind one reverse proxy that terminates HTTPS
forwarded_allow_ips = os.environ.get("PORTAL_FORWARDED_ALLOW_IPS", "127.0.0.1")
limit_request_line = 8190
# no shared control socket in the home directory: several instances may run on one machine
control_socket_disable = True

# IPv4, and IPv6 in its full, shortened (::) and IPv4-mapped forms; over-matching (a clock
# time such as 12:30:45) costs nothing, since no line needs one
ADDRESS = re.compile(
    r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])"
    r"|(?<![\w:.])(?:[0-9a-f]{0,4}:){2,7}(?:[0-9a-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?:%\w+)?(?![\w:])",
    re.IGNORECASE)


def without_addresses(text):
    """The text with every IP address replaced by [address]."""
    return ADDRESS.sub("[address]", text)


class AddressFreeFormatter(logging.Formatter):
    """Formats a record, tracebacks included, then blanks out the addresses in it."""

    def format(self, record):
        return without_addresses(super().format(record))


class AddressFreeLogger(Logger):
    """gunicorn's logger with no time stamp on error lines and no client address in any line."""

    error_fmt = "[%(process)d] [%(levelname)s] %(message)s"
    datefmt = None

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                format_string = handler.formatter._fmt if handler.formatter else "%(message)s"
                handler.setFormatter(AddressFreeFormatter(format_string))


logger_class = AddressFreeLogger
accesslog = os.environ.get("PORTAL_ACCESS_LOG", "-")
errorlog = os.environ.get("PORTAL_ERROR_LOG", "-")
loglevel = os.environ.get("PORTAL_LOG_LEVEL", "info")
# %(U)s is the path without the query string; no %(h)s, %(a)s, %(f)s, %(r)s or %(q)s; no %(B)s
# either: the size of an answer tells an accepted submission from a refused one
access_log_format = '%(m)s %(U)s %(s)s %(M)sms'


def on_starting(server):
    """Refuse to start when each worker would keep its own rate-limit counts."""
    try:
        refuse_per_process_counting(os.environ, server.cfg.workers)
    except RuntimeError as error:
        server.log.error("%s", error)
        raise SystemExit(1) from error
