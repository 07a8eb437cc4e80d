"""The Celery app: ``celery -A worker worker -Q translate,render,send,notify``.

Queues per stage let heavy translation workers and light sending workers run on
as many machines as needed; ``notify`` carries confirmations and test sends,
so they never wait behind a large newsletter send (nor it behind them). Without ``REDIS_URL`` the same tasks run in-process
(settings.CELERY_TASK_ALWAYS_EAGER), so the embedded default needs no broker.
"""

from __future__ import annotations

import os

import django
from celery import Celery
from django.conf import settings

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
        "worker.tasks.sweep": {"queue": "send"},
        "worker.tasks.purge_unconfirmed": {"queue": "send"},
    },
    task_serializer="json",
    accept_content=["json"],
    result_expires=3600,
    broker_connection_retry_on_startup=True,
    # Periodic work (`celery -A worker beat`, one per installation).
    beat_schedule={
        "sweep": {"task": "worker.tasks.sweep", "schedule": float(settings.SWEEP_SECONDS)},
        "purge-unconfirmed": {"task": "worker.tasks.purge_unconfirmed", "schedule": 24 * 3600.0},
    },
)

QUEUES = "translate,render,send,notify"

__all__ = ["app", "QUEUES"]
