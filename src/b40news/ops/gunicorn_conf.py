"""Gunicorn's configuration for ``b40news serve`` (``-c python:b40news.ops.gunicorn_conf``).

Bind address, workers and timeout come on the command line from settings; here:
gunicorn's own log lines (errors and access) through the project's handler
and format (text, or JSON with ``B40NEWS_LOG_FORMAT=json``), and no control
socket (several instances on one host would share its default path).
"""

from __future__ import annotations

import copy

from django.conf import settings

control_socket_disable = True

_logging = copy.deepcopy(settings.LOGGING)
_logging.setdefault("formatters", {})["gunicorn"] = {
    "format": "%(asctime)s [%(process)d] [%(levelname)s] %(name)s: %(message)s",
}
_logging["handlers"]["gunicorn"] = {
    "class": "logging.StreamHandler",
    "formatter": "json" if settings.LOG_FORMAT == "json" else "gunicorn",
}
_logging["loggers"] = {
    name: {"level": "INFO", "handlers": ["gunicorn"], "propagate": False}
    for name in ("gunicorn.error", "gunicorn.access")
}
logconfig_dict = _logging
