"""``/metrics`` for Prometheus, computed when scraped.

- ``b40news_messages{release, language, state}``: ledger rows that were sent,
  failed (5xx, or retries used up), bounced (refused recipient, or a bounce
  notice) or deferred (handed back for a later try: 4xx or the rate limit),
  per release and language — one grouped query over ``delivery.Delivery``,
  nothing counted inside the send path.
- ``b40news_queue_length{queue}``: tasks waiting in the broker per Celery queue
  (Redis list lengths, every priority level), when ``REDIS_URL`` is set; and
  ``b40news_broker_up`` 1 or 0.
- ``b40news_database_up`` 1 or 0: a database that does not answer leaves the
  rest of the scrape intact.
- ``b40news_translation_seconds``: the histogram that ``translate_release``
  observes (see ``b40news.instruments``), summed over this host's processes.

With ``B40NEWS_METRICS_TOKEN`` set, a scrape needs ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import hmac
import logging

import redis
from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily

from b40news.delivery.models import Delivery

log = logging.getLogger(__name__)

# The Celery queues (worker/__init__.py routes tasks to them; "notify" is for
# reviewer notifications, "webhooks" for the cities' webhook deliveries).
QUEUES = ("translate", "render", "send", "notify", "webhooks")
# Kombu's Redis transport keeps one list per priority step: "name", then
# "name\x06\x163", "…6", "…9" (kombu.transport.redis.Channel._q_for_pri).
_PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")

State = Delivery.State
MESSAGE_STATES = {
    "sent": Q(state=State.SENT),
    "failed": Q(state=State.FAILED),
    "bounced": Q(state=State.BOUNCED),
    "deferred": Q(state=State.PENDING, next_attempt_at__isnull=False),
}


class LedgerCollector:
    def collect(self):
        family = GaugeMetricFamily(
            "b40news_messages",
            "Messages in the delivery ledger by release, language and state (sent, failed, bounced, deferred).",
            labels=["release", "language", "state"],
        )
        up = GaugeMetricFamily("b40news_database_up", "1 when the database answered this scrape.")
        rows = (
            Delivery.objects.filter(Q(state__in=[State.SENT, State.FAILED, State.BOUNCED]) | MESSAGE_STATES["deferred"])
            .values("release_id", "language")
            .annotate(**{state: Count("id", filter=condition) for state, condition in MESSAGE_STATES.items()})
            .order_by("release_id", "language")
        )
        try:
            rows = list(rows)
        except DatabaseError as exc:
            log.warning("metrics: the database did not answer: %r", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        for row in rows:
            for state in MESSAGE_STATES:
                family.add_metric([str(row["release_id"]), row["language"], state], row[state])
        yield family


def queue_lengths(client: redis.Redis, prefix: str, queues=QUEUES) -> dict[str, int]:
    with client.pipeline(transaction=False) as pipe:
        for queue in queues:
            for suffix in _PRIORITY_SUFFIXES:
                pipe.llen(f"{prefix}{queue}{suffix}")
        sizes = pipe.execute()
    step = len(_PRIORITY_SUFFIXES)
    return {queue: sum(sizes[i * step:(i + 1) * step]) for i, queue in enumerate(queues)}


class QueueCollector:
    def collect(self):
        if not settings.REDIS_URL:
            return
        up = GaugeMetricFamily("b40news_broker_up", "1 when the Redis broker answered this scrape.")
        timeout = settings.HEALTH_TIMEOUT
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=timeout, socket_connect_timeout=timeout)
        prefix = (settings.CELERY_BROKER_TRANSPORT_OPTIONS or {}).get("global_keyprefix", "")
        try:
            lengths = queue_lengths(client, prefix)
        except redis.RedisError as exc:
            log.warning("metrics: the broker did not answer: %r", exc)
            up.add_metric([], 0)
            yield up
            return
        finally:
            client.close()
        up.add_metric([], 1)
        yield up
        family = GaugeMetricFamily("b40news_queue_length", "Tasks waiting in a Celery queue.", labels=["queue"])
        for queue, length in lengths.items():
            family.add_metric([queue], length)
        yield family


def _authorized(request) -> bool:
    token = settings.METRICS_TOKEN
    if not token:
        return True
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def registry() -> CollectorRegistry:
    made = CollectorRegistry()
    multiprocess.MultiProcessCollector(made, path=str(settings.METRICS_DIR))
    made.register(LedgerCollector())
    made.register(QueueCollector())
    return made


@never_cache
@require_safe
def metrics(request):
    if not _authorized(request):
        response = HttpResponse("a bearer token is needed\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="b40news metrics"'
        return response
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
