"""gunicorn settings for the Kringwerk web process.

The app is loaded once, in the master (``preload_app``), and the workers are forked from
it: a worker starts in milliseconds instead of running ``create_app()`` (about a second,
which under load showed as p99 spikes each time ``max_requests`` recycled one), and the
workers share the master's memory pages for the code and the app. ``gc.freeze()`` before
forking keeps them shared: without it a worker's first garbage collection writes to every
object's header and copies the pages. Nothing opens a database or Redis connection while
the app is created; should that change, ``post_fork`` drops the inherited pool so no two
processes share a socket. A new release needs a restart (or a new pod): ``kill -HUP``
re-forks the workers from the code already loaded.
"""

import gc
import multiprocessing
import os

from gunicorn.glogging import Logger

from kringwerk.tokens.redact import RedactTokens

# The app in this process serves requests only: no ``db`` commands, no Alembic loaded
# (kringwerk.extensions.init_migrations; about 11 MB less in every worker).
os.environ.setdefault("KRINGWERK_WEB_PROCESS", "1")


class RedactingLogger(Logger):
    """gunicorn's logger, with the tokens of personal links taken out of the access and
    error logs (gunicorn names the path of a request that failed or timed out)."""

    def setup(self, cfg):
        super().setup(cfg)
        self.access_log.addFilter(RedactTokens())
        self.error_log.addFilter(RedactTokens())


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = 30
graceful_timeout = 20
keepalive = 5
preload_app = True
# Recycling a worker now costs a fork, not an app start; it still bounds any slow leak.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "50000"))
max_requests_jitter = max_requests // 10
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn's access log costs each request a formatted line through the token filter: about
# 0.1 ms (3-4 % of the cheapest signed-in page). It stays on, being the log with the tokens of
# personal links taken out; where nginx's log is kept instead, GUNICORN_ACCESSLOG="" turns it off.
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
logger_class = RedactingLogger
errorlog = "-"


def when_ready(server):
    """In the master, once the app is loaded: build what the workers would each build on
    their first requests (kringwerk.web.warmup), then collect the garbage once and freeze
    what is left, so the workers' collections never touch (and copy) the master's objects."""
    if not server.cfg.preload_app:
        return  # each worker loads the app itself: nothing here to share
    app = server.app.wsgi()
    if "sqlalchemy" in getattr(app, "extensions", {}):
        from kringwerk.web.warmup import warm_up

        server.log.info("kringwerk: loaded once in the master, warmed up %s", warm_up(app))
    gc.collect()
    gc.freeze()


def post_fork(server, worker):
    """In the new worker: no connection inherited from the master stays in its pools."""
    app = server.app.wsgi()
    if "sqlalchemy" not in getattr(app, "extensions", {}):
        return  # another app under these settings (bench/bare_app.py)
    from kringwerk.extensions import db

    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)  # forget the master's connections without closing them
