"""gunicorn settings for the Kringwerk web process."""

import multiprocessing
import os

from gunicorn.glogging import Logger

from kringwerk.tokens.redact import RedactTokens


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
max_requests = 2000
max_requests_jitter = 200
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
logger_class = RedactingLogger
errorlog = "-"
