"""gunicorn settings for the portal: `gunicorn -c gunicorn.conf.py app:app`.

The access log never records client addresses, user agents, referrers or query strings:
only the method, the path, the status, the size and the time taken.
"""
import multiprocessing
import os

import gunicorn.http.wsgi

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

accesslog = os.environ.get("PORTAL_ACCESS_LOG", "-")
errorlog = os.environ.get("PORTAL_ERROR_LOG", "-")
loglevel = os.environ.get("PORTAL_LOG_LEVEL", "info")
# %(U)s is the path without the query string; no %(h)s, %(a)s, %(f)s, %(r)s or %(q)s
access_log_format = '%(m)s %(U)s %(s)s %(B)s %(M)sms'


def on_starting(server):
    """Refuse to start when each worker would keep its own rate-limit counts."""
    try:
        refuse_per_process_counting(os.environ, server.cfg.workers)
    except RuntimeError as error:
        server.log.error("%s", error)
        raise SystemExit(1) from error
