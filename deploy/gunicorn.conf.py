"""gunicorn settings for Tutti: ``gunicorn -c deploy/gunicorn.conf.py extranet.wsgi``.

Every value can be changed from the environment (systemd's ``Environment=`` lines).
"""

import gc
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: Tutti's pages are short database work; a worker per core plus one keeps the
# cores busy while one waits for PostgreSQL, without queries piling up on the database.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() + 1))
worker_class = "sync"
# A request taking longer than this is killed (nothing in Tutti waits on the mail server or a
# PDF: those run in the worker). Uploads of 10 MB from a phone fit in it.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 30))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", 5))
# Recycle workers now and then (slow leaks in libraries), not all at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 5000))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", 500))
# Load the app before forking: workers share its memory, and a broken setting stops start-up.
preload_app = True


def pre_fork(server, worker):
    """Freeze what the app loaded (about 190,000 objects: modules, settings, templates) before a
    worker is forked from it: Python's garbage collector then never walks them again. Without it,
    each full collection in a worker walked them all, a pause of 100 to 200 ms every few hundred
    requests, and touched every page of the memory the workers share with the master."""
    gc.freeze()


# Logs on stderr (journald), one key=value line per request with the app's request id.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = (
    'remote=%(h)s request_id=%({x-request-id}o)s method=%(m)s path="%(U)s" status=%(s)s '
    'bytes=%(B)s duration_ms=%(M)s agent="%(a)s"'
)
# Behind nginx or a load balancer on the same host or network: trust its X-Forwarded-* headers.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
