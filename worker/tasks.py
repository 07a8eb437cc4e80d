"""Thin tasks: ids in, call the stage, done. Every one is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from b40news.delivery import sender, service
from b40news.delivery.renditions import render_release as render
from b40news.releases.models import Release
from b40news.translation import service as translation

from worker import app


@shared_task
def translate_release(*, release_id: int, languages: list[str], force: bool = False) -> list[str]:
    release = Release.objects.get(pk=release_id)
    return [t.language.code for t in translation.translate_release(release, languages, force=force)]


@shared_task
def render_release(*, release_id: int) -> int:
    return len(render(Release.objects.get(pk=release_id)))


@shared_task
def dispatch_release(*, release_id: int) -> int:
    batches = service.dispatch(release_id, lambda token: send_batch.delay_on_commit(batch=token))
    if not app.conf.task_always_eager:
        delay = service.seconds_until_next_retry(release_id)
        if delay is not None:
            dispatch_release.apply_async(kwargs={"release_id": release_id}, countdown=delay + 1)
    return batches


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_batch(*, batch: str) -> dict:
    report = sender.send_batch(batch)
    return report.__dict__
