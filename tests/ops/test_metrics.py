"""/metrics: the ledger per release and language (one grouped query at scrape
time), Celery queue depth from the real broker, the translation histogram from
every process of the host, and the optional bearer token."""

from __future__ import annotations

import re
import socket
import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from b40news.delivery.models import Delivery
from b40news.network.models import Language, MailingList, Subscriber
from b40news.network.sample import load_sample
from b40news.releases.workflow import submit
from tests.ops.processes import BIN, clean_env, free_port

pytestmark = pytest.mark.django_db


def scrape(client, **headers) -> dict[str, dict[tuple, float]]:
    """{metric sample name: {label items: value}}."""
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    samples: dict[str, dict[tuple, float]] = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def messages(samples, release, language, state):
    key = (("language", language), ("release", str(release)), ("state", state))
    return samples["b40news_messages"].get(key)


def translation_count(samples) -> float:
    return samples.get("b40news_translation_seconds_count", {}).get((), 0.0)


@pytest.fixture
def ledger():
    load_sample(0)
    languages = Language.objects.sync()
    sofia = MailingList.objects.get(slug="sofia-news")
    made = {"count": 0}

    def release():
        return submit("Заглавие\nТекст.".encode(), name="r.txt", city="sofia", lists=["sofia-news"])

    def add(rel, language, state, n=1, **fields):
        for _ in range(n):
            made["count"] += 1
            subscriber = Subscriber.objects.create(email=f"m{made['count']}@example.org", language=languages[language])
            Delivery.objects.create(release=rel, subscriber=subscriber, mailing_list=sofia, language=language,
                                    state=state, **fields)

    made.update(release=release, add=add)
    return made


def test_messages_per_release_and_language_in_one_query(client, settings, ledger, django_assert_num_queries):
    settings.REDIS_URL = ""
    later = timezone.now() + timedelta(minutes=5)
    first, second = ledger["release"](), ledger["release"]()
    add = ledger["add"]
    add(first, "en", "sent", 3)
    add(first, "en", "failed", 1)
    add(first, "en", "bounced", 2)
    add(first, "en", "pending", 2, next_attempt_at=later)  # a 4xx: deferred
    add(first, "en", "pending", 5)  # not tried yet: not deferred
    add(first, "mk", "sent", 4)
    add(second, "en", "sent", 1)
    add(second, "bg", "waiting", 3)  # nothing to report for bg

    with django_assert_num_queries(1):
        samples = scrape(client)

    assert messages(samples, first.pk, "en", "sent") == 3
    assert messages(samples, first.pk, "en", "failed") == 1
    assert messages(samples, first.pk, "en", "bounced") == 2
    assert messages(samples, first.pk, "en", "deferred") == 2
    assert messages(samples, first.pk, "mk", "sent") == 4
    assert messages(samples, first.pk, "mk", "deferred") == 0
    assert messages(samples, second.pk, "en", "sent") == 1
    assert messages(samples, second.pk, "bg", "sent") is None
    assert samples["b40news_database_up"][()] == 1
    assert "b40news_queue_length" not in samples  # no broker configured


def test_queue_depth_from_the_broker(client, settings, redis_url):
    """Tasks published by the real Celery app, counted where kombu keeps them."""
    from tests.conftest import fresh_broker_state
    from worker import app

    prefix = f"b40news-metrics-test-{free_port()}:"
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager", "broker_transport_options")}
    app.conf.update(broker_url=redis_url, task_always_eager=False, broker_transport_options={"global_keyprefix": prefix})
    fresh_broker_state(app)
    try:
        app.send_task("worker.tasks.render_release", kwargs={"release_id": 1})
        app.send_task("worker.tasks.render_release", kwargs={"release_id": 2})
        app.send_task("worker.tasks.send_batch", kwargs={"batch": "b"})
        app.send_task("worker.tasks.translate_release", kwargs={"release_id": 1, "languages": ["en"]})
        app.send_task("worker.tasks.translate_release", kwargs={"release_id": 2, "languages": ["en"]}, priority=9)
    finally:
        app.conf.update(saved)
        fresh_broker_state(app)

    settings.REDIS_URL = redis_url
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"global_keyprefix": prefix}
    try:
        samples = scrape(client)
    finally:
        import redis

        client_ = redis.Redis.from_url(redis_url)
        client_.delete(*client_.keys(f"{prefix}*") or [f"{prefix}none"])
    lengths = {dict(labels)["queue"]: value for labels, value in samples["b40news_queue_length"].items()}
    assert lengths == {"translate": 2, "render": 2, "send": 1, "notify": 0, "webhooks": 0}
    assert samples["b40news_broker_up"][()] == 1


def test_broker_down_keeps_the_rest_of_the_scrape(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    samples = scrape(client)
    assert samples["b40news_broker_up"][()] == 0
    assert "b40news_queue_length" not in samples
    assert samples["b40news_database_up"][()] == 1


def test_translation_histogram_observed_in_process(client, settings, ledger):
    from b40news.translation.service import translate_release

    settings.REDIS_URL = ""
    before = translation_count(scrape(client))
    translate_release(ledger["release"](), ["hr"])  # no engine for hr: still one timed pass
    samples = scrape(client)
    assert translation_count(samples) == before + 1
    assert samples["b40news_translation_seconds_bucket"][(("le", "+Inf"),)] == before + 1


def test_translation_histogram_from_another_process_of_the_host(client, settings, tmp_path):
    """A Celery worker is another process: its observations reach /metrics through the shared folder."""
    settings.REDIS_URL = ""
    before = translation_count(scrape(client))
    code = ("import django, time; django.setup(); from b40news import instruments\n"
            "with instruments.translation_timer(): time.sleep(0.06)")
    env = clean_env(tmp_path, DJANGO_SETTINGS_MODULE="b40news.settings",
                    PROMETHEUS_MULTIPROC_DIR=str(settings.METRICS_DIR))
    pid = subprocess.run([str(BIN / "python"), "-c", code + "\nimport os; print(os.getpid())"], env=env, check=True,
                         timeout=60, capture_output=True, text=True).stdout.split()[-1]
    # One file per process, named by host and pid (containers sharing the folder count pids alike).
    assert [f.name for f in settings.METRICS_DIR.glob(f"histogram_*-{pid}.db")] == [
        f"histogram_{re.sub(r'[^A-Za-z0-9.-]', '-', socket.gethostname())}-{pid}.db"]
    samples = scrape(client)
    assert translation_count(samples) == before + 1
    assert samples["b40news_translation_seconds_sum"][()] >= 0.06
    # Bucket counts are cumulative: the 0.05 s bucket did not get it, the 0.1 s one did.
    buckets = samples["b40news_translation_seconds_bucket"]
    assert buckets[(("le", "0.1"),)] - buckets[(("le", "0.05"),)] >= 1


@pytest.mark.slow
def test_translation_in_a_real_celery_worker_is_counted(client, settings, celery_workers):
    from worker import tasks

    celery_workers.start(concurrency=1)
    settings.REDIS_URL = ""  # the scrape itself needs no broker here
    before = translation_count(scrape(client))
    load_sample(0)
    release = submit("Заглавие\nТекст.".encode(), name="r.txt", city="sofia", lists=["sofia-news"])
    assert tasks.translate_release.delay(release_id=release.pk, languages=["hr"]).get(timeout=60) == ["hr"]
    assert translation_count(scrape(client)) == before + 1


def test_bearer_token(client, settings):
    settings.REDIS_URL = ""
    settings.METRICS_TOKEN = "metrics-token-42"
    refused = client.get("/metrics")
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"].startswith("Bearer")
    assert b"metrics-token-42" not in refused.content
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Basic bWV0cmljcy10b2tlbi00Mg==").status_code == 401
    assert scrape(client, HTTP_AUTHORIZATION="Bearer metrics-token-42")["b40news_database_up"][()] == 1


def test_open_without_a_token(client, settings):
    settings.REDIS_URL = ""
    settings.METRICS_TOKEN = ""
    assert scrape(client)["b40news_database_up"][()] == 1
