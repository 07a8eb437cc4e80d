"""The periodic work Celery beat runs: each entry names a real task, routed to a queue a worker takes."""

from __future__ import annotations

import worker.tasks  # noqa: F401 (registers the tasks, as a worker does through `include`)
from worker import QUEUES, app


def test_every_beat_entry_is_a_registered_task_on_a_worker_queue():
    schedule = app.conf.beat_schedule
    assert {"sweep", "purge-unconfirmed"} <= set(schedule)
    for entry in schedule.values():
        assert entry["task"] in app.tasks
        queue = app.conf.task_routes[entry["task"]]["queue"]
        assert queue in QUEUES.split(",")
        assert entry["schedule"] > 0
