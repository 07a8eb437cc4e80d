"""The seed release to 3 cities × 3 languages × 20 subscribers, through a real
Celery worker over Redis and a real SMTP server: one message each, in their
language, with both parts and the one-click unsubscribe headers."""

from __future__ import annotations

import re
import time
from collections import Counter

import pytest

from b40news.releases import workflow
from b40news.delivery.models import Delivery
from b40news.network.models import Language, MailingList, Subscriber, Subscription
from b40news.network.sample import load_sample
from b40news.releases.workflow import approve, submit
from tests.conftest import SEED_TITLE
from worker.tasks import translate_release

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

CITIES = ("stara-zagora", "skopje", "zagreb")
LANGUAGES = ("bg", "mk", "en")
PER_LANGUAGE = 20


def make_audience() -> dict[str, str]:
    load_sample(0)
    expected = {}
    by_code = Language.objects.sync()
    for city in CITIES:
        mailing_list = MailingList.objects.get(slug=f"{city}-news")
        for code in LANGUAGES:
            for index in range(PER_LANGUAGE):
                email = f"{city}.{code}.{index}@example.org"
                subscriber = Subscriber.objects.create(email=email, ascii_email=email, language=by_code[code])
                Subscription.objects.create(
                    subscriber=subscriber, mailing_list=mailing_list, status=Subscription.Status.CONFIRMED
                )
                expected[email] = code
    return expected


def wait_until_final(release, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not Delivery.objects.filter(release=release).exclude(state__in=Delivery.FINAL).exists():
            return
        time.sleep(0.2)
    raise AssertionError(Counter(Delivery.objects.filter(release=release).values_list("state", flat=True)))


def test_seed_release_reaches_every_subscriber_once_in_their_language(celery_workers, mta, seed_bytes):
    expected = make_audience()
    release = submit(
        seed_bytes, name="seed.txt", city="stara-zagora", title=SEED_TITLE,
        lists=[f"{city}-news" for city in CITIES],
    )
    celery_workers.start(concurrency=2)

    done = translate_release.delay(release_id=release.pk, languages=["mk", "en"]).get(timeout=300)
    assert sorted(done) == ["en", "mk"]
    approve(release, ["mk", "en"], force=True, override=True)
    workflow.send(release)
    wait_until_final(release)

    assert Counter(Delivery.objects.filter(release=release).values_list("state", flat=True)) == {
        "sent": len(expected)
    }
    messages = mta.messages()
    assert len(messages) == len(expected) == len(CITIES) * len(LANGUAGES) * PER_LANGUAGE
    assert set(mta.message_ids().values()) == {1}
    received = Counter(message["To"] for message in messages)
    assert received == Counter(dict.fromkeys(expected, 1))
    for message in messages:
        code = expected[message["To"]]
        assert message["Content-Language"] == code
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert re.fullmatch(
            r"<https://news\.b40\.test/u/[^>]+/>, <mailto:unsubscribe@[^>]+>", message["List-Unsubscribe"]
        )
        assert message.get_content_type() == "multipart/alternative"
        parts = list(message.iter_parts())
        assert [part.get_content_type() for part in parts] == ["text/plain", "text/html"]
        text, html = (part.get_content() for part in parts)
        assert re.search(rf'<html[^>]* lang="{code}"', html)
        assert ("Стара Загора" if code in ("bg", "mk") else "Stara Zagora") in text
