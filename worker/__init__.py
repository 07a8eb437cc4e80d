"""The Celery app: ``celery -A worker worker -Q translate,render,send,notify,webhooks``.

Queues per stage let heavy translation workers and light sending workers run on
as many machines as needed; ``notify`` carries confirmations, test sends and
reviewers' notifications, so they never wait behind a large newsletter send
(nor it behind them); ``webhooks`` carries the cities' webhook deliveries, so
a slow receiver never holds up mail. Without ``REDIS_URL`` the same tasks run in-process
(settings.CELERY_TASK_ALWAYS_EAGER), so the embedded default needs no broker.
"""

from __future__ import annotations

import os

import django
from celery import Celery, signals
from django.conf import settings
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "b40news.settings")
django.setup()

app = Celery("b40news", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    include=["worker.tasks"],
    task_eager_propagates=True,
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_routes={
        "worker.tasks.translate_release": {"queue": "translate"},
        "worker.tasks.prefill_drafts": {"queue": "translate"},
        "worker.tasks.render_release": {"queue": "render"},
        "worker.tasks.dispatch_release": {"queue": "send"},
        "worker.tasks.send_batch": {"queue": "send"},
        "worker.tasks.send_notice": {"queue": "notify"},
        "worker.tasks.send_invitations": {"queue": "notify"},
        "worker.tasks.sweep": {"queue": "send"},
        "worker.tasks.apply_deadlines": {"queue": "send"},
        "worker.tasks.purge_unconfirmed": {"queue": "send"},
        "worker.tasks.announce_review": {"queue": "notify"},
        "worker.tasks.send_review_digests": {"queue": "notify"},
        "worker.tasks.apply_retention": {"queue": "send"},
        "worker.tasks.deliver_webhook": {"queue": "webhooks"},
        "worker.tasks.sweep_webhooks": {"queue": "webhooks"},
        # Light mailbox reading, never behind a large send's batches.
        "worker.tasks.poll_bounces": {"queue": "notify"},
        "worker.tasks.poll_unsubscribes": {"queue": "notify"},
    },
    task_serializer="json",
    accept_content=["json"],
    result_expires=3600,
    broker_connection_retry_on_startup=True,
    worker_concurrency=settings.WORKER_CONCURRENCY,  # --concurrency wins (the translate worker's 1)
)
# Database connections live as Django's settings say (CONN_MAX_AGE, health
# checks), as in a web request, not one per task: Celery's Django fixup closes
# them before and after every task unless it is told to reuse them. On
# PostgreSQL a new connection is a new server process, and for a send task
# (one batch) that cost about a third of the server's CPU (README, "Measured here").
app.conf.CELERY_DB_REUSE_MAX = 1 << 62


def _connections_as_django_says(sender=None, **_) -> None:
    if not getattr(getattr(sender, "request", None), "is_eager", False):  # eager: the caller's own connection
        close_old_connections()


signals.task_prerun.connect(_connections_as_django_says, weak=False)
signals.task_postrun.connect(_connections_as_django_says, weak=False)


def beat_schedule() -> dict[str, dict]:
    """Periodic work (`celery -A worker beat`, one per installation), from the settings."""
    schedule = {
        "sweep": {"task": "worker.tasks.sweep", "schedule": float(settings.SWEEP_SECONDS)},
        # Passed deadlines: planned fallbacks whose language is approved (releases/deadlines.py).
        "deadlines": {"task": "worker.tasks.apply_deadlines", "schedule": float(settings.DEADLINE_SECONDS)},
        "purge-unconfirmed": {"task": "worker.tasks.purge_unconfirmed", "schedule": 24 * 3600.0},
        "review-digests": {"task": "worker.tasks.send_review_digests", "schedule": 24 * 3600.0},
        # Ledger rows past B40NEWS_DELIVERY_RETENTION_DAYS lose their address (network/privacy.py).
        "retention": {"task": "worker.tasks.apply_retention", "schedule": 86400.0},
        "sweep-webhooks": {"task": "worker.tasks.sweep_webhooks", "schedule": float(settings.SWEEP_SECONDS)},
    }
    # The bounce and unsubscribe mailboxes, when configured. A poll not started
    # within one interval is dropped (the next one reads the same messages).
    every = float(settings.MAILBOX_POLL_SECONDS)
    for name, task, source in (("poll-bounces", "worker.tasks.poll_bounces", settings.BOUNCE_MAILBOX),
                               ("poll-unsubscribes", "worker.tasks.poll_unsubscribes", settings.UNSUBSCRIBE_MAILBOX)):
        if source:
            schedule[name] = {"task": task, "schedule": every, "options": {"expires": every}}
    return schedule


app.conf.beat_schedule = beat_schedule()

QUEUES = "translate,render,send,notify,webhooks"

__all__ = ["app", "QUEUES", "beat_schedule"]
