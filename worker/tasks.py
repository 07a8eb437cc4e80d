"""Thin tasks: ids in, call the stage, done. Every one is safe to run twice."""

from __future__ import annotations

import time

import redis
from celery import shared_task

from b40news.delivery import notices, sender, service
from b40news.delivery.renditions import render_release as render
from b40news.releases import review_requests, workflow
from b40news.releases.models import Release
from b40news.translation import service as translation
from b40news.webhooks import delivery as webhooks

from worker import app


@shared_task
def translate_release(*, release_id: int, languages: list[str], force: bool = False) -> list[str]:
    release = Release.objects.get(pk=release_id)
    return [t.language.code for t in translation.translate_release(release, languages, force=force)]


@shared_task
def prefill_drafts(*, release_id: int, languages: list[str]) -> list[str]:
    """Draft these languages again from what is reviewed now (after an approval)."""
    from b40news.translation.prefill import prefill_release

    release = Release.objects.get(pk=release_id)
    return [t.language.code for t in prefill_release(release, languages)]


@shared_task
def render_release(*, release_id: int) -> int:
    return len(render(Release.objects.get(pk=release_id)))


@shared_task
def dispatch_release(*, release_id: int) -> int:
    batches = workflow.dispatch(release_id, lambda token: send_batch.delay(batch=token, release_id=release_id))
    schedule_retries(release_id)
    return batches


# A batch whose run raised (the database away, the relay refusing our
# credentials) runs again later: it is safe to, every row is taken once.
@shared_task(
    acks_late=True, reject_on_worker_lost=True, autoretry_for=(Exception,),
    retry_backoff=5, retry_backoff_max=600, max_retries=8,
)
def send_batch(*, batch: str, release_id: int | None = None) -> dict:
    report = sender.send_batch(batch, release_id)
    release_id = release_id or report.release_id
    if release_id is not None and workflow.settle(release_id) == Release.Status.SENDING and (
            report.retry or report.deferred):
        schedule_retries(release_id)  # rows this batch handed back for later
    return report.__dict__


# One notice (a confirmation, a test send) per task, on the `notify` queue.
# A temporary failure comes back when due; in-process it is recorded and
# tried again by the next periodic sweep.
@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=len(notices.RETRY_DELAYS) + 2)
def send_notice(self, *, notice_id: int) -> str:
    outcome, again_in = notices.send(notice_id)
    if again_in is not None and not self.request.is_eager:
        raise self.retry(countdown=again_in)
    return outcome


# The double opt-in e-mails of an office import (`network.invitations`), one after the
# other within the relay's rate limit, as `subscribers import` sends them; rows left
# unsent (a 4xx, a long wait) are sent by the sweep.
@shared_task(acks_late=True)
def send_invitations(*, notice_ids: list[int]) -> str:
    from b40news.network import invitations

    return invitations.send(notice_ids).summary()


# Reviewers and translators of a submitted release are told once it is committed
# (safe to repeat: one request per release and user); the digest is for beat.
@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=5, max_retries=5)
def announce_review(*, release_id: int) -> int:
    return len(review_requests.announce(release_id))


@shared_task
def send_review_digests() -> int:
    return len(review_requests.send_digests())


def schedule_retries(release_id: int) -> None:
    """A dispatch when the next row handed back for later is due: one per
    10-second slot, however many batches ask (through Redis)."""
    if app.conf.task_always_eager:  # in-process: a countdown would not wait
        return
    delay = service.seconds_until_next_retry(release_id)
    if delay is None:
        return
    due = int((time.time() + delay) // 10) + 1
    prefix = (app.conf.broker_transport_options or {}).get("global_keyprefix", "b40news:")
    client = redis.Redis.from_url(app.conf.broker_url)
    if client.set(f"{prefix}dispatch:{release_id}:{due}", 1, nx=True, ex=int(delay) + 60):
        dispatch_release.apply_async(kwargs={"release_id": release_id}, countdown=due * 10 - time.time())


@shared_task
def sweep() -> dict:
    """Every SWEEP_SECONDS on Celery beat (see worker/__init__.py)."""
    return workflow.sweep(lambda release_id: dispatch_release.delay(release_id=release_id),
                          lambda notice_id: send_notice.delay(notice_id=notice_id))


@shared_task
def poll_bounces() -> str:
    """Every MAILBOX_POLL_SECONDS on Celery beat, when B40NEWS_BOUNCE_MAILBOX is set: `bounces process`."""
    from django.conf import settings

    from b40news.delivery.bounces import Tally, process_message
    from b40news.delivery.mailboxes import process

    return process(settings.BOUNCE_MAILBOX, process_message, Tally()).summary()


@shared_task
def poll_unsubscribes() -> str:
    """Every MAILBOX_POLL_SECONDS on Celery beat, when B40NEWS_UNSUBSCRIBE_MAILBOX is set: `unsubscribes process`."""
    from django.conf import settings

    from b40news.delivery.mailboxes import process
    from b40news.network.unsubscribe_mail import Tally, process_message

    return process(settings.UNSUBSCRIBE_MAILBOX, process_message, Tally()).summary()


@shared_task
def apply_deadlines() -> dict:
    """Every DEADLINE_SECONDS on Celery beat: passed deadlines get their planned fallbacks."""
    return {str(release): plan for release, plan in workflow.apply_deadlines().items()}


@shared_task
def purge_unconfirmed() -> str:
    """Daily on Celery beat: sign-up requests nobody confirmed are forgotten."""
    from b40news.network.subscriptions import purge_unconfirmed as purge

    return purge().summary()


@shared_task
def apply_retention() -> dict:
    """Daily on Celery beat: old ledger rows lose their address, old mail reports go."""
    from b40news.network.privacy import apply_retention as retain

    return retain().__dict__


# One webhook delivery per task, on the `webhooks` queue. The task that made a
# failed attempt comes back when the row's next try is due; a task that finds
# the row early, taken or done does nothing (the sweep also enqueues due rows:
# whichever claims the row first sends it). In-process, retries wait for the sweep.
@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=len(webhooks.RETRY_DELAYS) + 2)
def deliver_webhook(self, *, delivery_id: int) -> str:
    outcome, again_in = webhooks.send(delivery_id)
    if outcome == "retry" and not self.request.is_eager:
        raise self.retry(countdown=again_in)
    return outcome


@shared_task
def sweep_webhooks() -> dict:
    """Every SWEEP_SECONDS on Celery beat: deliveries due again, and those a dead worker left."""
    return webhooks.sweep(lambda delivery_id: deliver_webhook.delay(delivery_id=delivery_id))
