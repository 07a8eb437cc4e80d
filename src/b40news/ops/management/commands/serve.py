"""``b40news serve``: the web interface under gunicorn, for production.

Collects static files into the data directory (quietly; WhiteNoise serves them
with hashed, compressed names), then replaces this process with gunicorn, so
that signals from a process manager (systemd, honcho, Docker) reach its master
directly: TERM stops gracefully, HUP reloads the workers.
"""

from __future__ import annotations

import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the web interface with gunicorn (collectstatic first)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=settings.WEB_BIND,
                            help="address:port to listen on (B40NEWS_BIND; default %(default)s)")
        parser.add_argument("--workers", type=int, default=settings.WEB_WORKERS,
                            help="worker processes (B40NEWS_WEB_WORKERS; default %(default)s)")
        parser.add_argument("--timeout", type=int, default=settings.WEB_TIMEOUT,
                            help="seconds before a silent worker is restarted (B40NEWS_WEB_TIMEOUT; "
                                 "default %(default)s)")

    def handle(self, *args, bind: str, workers: int, timeout: int, **options):
        if settings.DEBUG:
            self.stderr.write("serve: B40NEWS_DEBUG is on; do not serve the public like this")
        call_command("collectstatic", interactive=False, verbosity=0)
        argv = [
            sys.executable, "-m", "gunicorn",
            "--config", "python:b40news.ops.gunicorn_conf",
            "--bind", bind, "--workers", str(workers), "--timeout", str(timeout),
            "b40news.wsgi:application",
        ]
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(sys.executable, argv)
