"""Reviewers and translators are told of a submitted release: once, in their language, through the
one composer and the test SMTP server; or once a day in a digest."""

from __future__ import annotations

import io
import re
from datetime import datetime, timezone as dt_timezone

import pytest
from django.core.management import call_command
from django.test import override_settings

from b40news.delivery.models import Notice
from b40news.network.models import City, Language, Officer
from b40news.releases import review_requests, reviewers, workflow
from b40news.releases.models import ReviewerSettings, ReviewRequest
from b40news.network.sample import load_sample
from b40news.newsletter.strings import load_strings
from tests.web.test_office_fixtures import make_user
from worker.tasks import announce_review

pytestmark = pytest.mark.django_db

DEADLINE = datetime(2030, 5, 14, 17, 0, tzinfo=dt_timezone.utc)
SITE = "https://news.b40.test"  # tests/django_settings.py


@pytest.fixture
def people():
    load_sample(0)
    made = {
        "ivo": make_user("ivo", city="stara-zagora"),  # the submitting officer
        "ana": make_user("ana", city="zagreb"),  # Zagreb's communications staff: hr, mails in Croatian
        "mila": make_user("mila"),  # no city: mails in English, unless she chooses (Greek below)
        "goran": make_user("goran", city="skopje"),  # only Skopje's releases
        "vera": make_user("vera", city="belgrade"),  # a daily digest
        "nomail": make_user("nomail", email=""),
    }
    reviewers.grant("ana", "hr")
    reviewers.grant("ana", "bs", role="translator")
    reviewers.grant("mila", "el", role="translator")
    reviewers.grant("goran", "mk", cities=["skopje"])
    reviewers.grant("vera", "sr-Cyrl")
    reviewers.grant("nomail", "sq")
    reviewers.grant("ivo", "en")  # she submits it herself: nobody tells her
    reviewers.set_preferences("mila", language="el")
    reviewers.set_preferences("vera", daily_digest=True)
    return made


def submit(people, title="Среща на върха в Загреб", city="stara-zagora"):
    return workflow.submit(f"{title}\nКметът замина за Загреб.".encode(), name="r.txt", city=city,
                           user=people["ivo"], deadline=DEADLINE)


def by_recipient(mta) -> dict:
    return {message["To"]: message for message in mta.messages()}


def test_each_reviewer_and_translator_is_told_once_in_their_language(people, mta):
    with override_settings(SMTP_URL=mta.url):
        release = submit(people)
    received = by_recipient(mta)
    assert sorted(received) == ["ana@b40.test", "mila@b40.test"]  # not goran (Skopje), vera (digest), ivo
    notices = {n.email: n for n in Notice.objects.all()}
    assert {(n.kind, n.language, n.state) for n in notices.values()} == {
        ("review", "hr", "sent"), ("review", "el", "sent")}

    ana, hr = received["ana@b40.test"], load_strings_for("hr")
    assert ana["Content-Language"] == "hr"
    assert ana["Subject"] == hr["review_subject"].format(city="Stara Zagora")
    assert ana["X-Envelope-From"].startswith(f"bounces+n{notices['ana@b40.test'].pk}.")  # a signed VERP address
    assert ana["Message-ID"] == notices["ana@b40.test"].message_id
    assert ana["List-Unsubscribe"] is None  # not list mail
    text = ana.get_body(("plain",)).get_content()
    html = ana.get_body(("html",)).get_content()
    assert "Среща на върха в Загреб" in text and f"{hr['review_deadline']}: 2030-05-14 17:00 UTC" in text
    for code, role in (("hr", "reviewer"), ("bs", "translator")):
        url = f"{SITE}/office/releases/{release.pk}/review/{code}/"
        assert url in text and f'href="{url}"' in html
        assert hr[f"review_role_{role}"] in text
    assert hr["review_button"] in html

    mila = received["mila@b40.test"]
    el = load_strings_for("el")
    assert mila["Content-Language"] == "el" and el["review_role_translator"] in mila.get_body(("plain",)).get_content()
    assert f"{SITE}/office/releases/{release.pk}/review/el/" in mila.get_body(("plain",)).get_content()

    requests = {r.user.username: r for r in ReviewRequest.objects.select_related("user")}
    assert sorted(requests) == ["ana", "mila", "vera"]  # nomail has no address; ivo submitted it
    assert requests["ana"].languages == {"hr": "reviewer", "bs": "translator"}
    assert requests["vera"].notice is None and requests["vera"].notified_at is None  # the digest's


def load_strings_for(code: str):
    from django.conf import settings

    return load_strings(settings.EMAIL_TEMPLATES_DIR, code)


def test_the_default_language_is_the_officer_citys_else_english(people):
    assert reviewers.mail_language(people["ana"]) == "hr"
    assert reviewers.mail_language(people["goran"]) == "mk"
    assert reviewers.mail_language(people["mila"]) == "el"  # her own choice
    ReviewerSettings.objects.filter(user=people["mila"]).update(language=None)
    assert reviewers.mail_language(people["mila"]) == "en"


def test_nothing_is_sent_twice_when_the_announcement_runs_again(people, mta):
    with override_settings(SMTP_URL=mta.url):
        release = submit(people)
        assert len(mta.messages()) == 2
        announce_review(release_id=release.pk)  # a retried task
        assert review_requests.announce(release.pk) == []  # or a second call
        call_command("reviewers", "digest", stdout=io.StringIO())  # and the digest takes only vera's
    assert len(mta.messages()) == 3 and mta.message_ids().most_common(1)[0][1] == 1
    assert Notice.objects.count() == 3 and ReviewRequest.objects.count() == 3


def test_a_submit_that_fails_tells_nobody(people, mta):
    with override_settings(SMTP_URL=mta.url), pytest.raises(Exception, match="unknown city"):
        workflow.submit("Заглавие\nТекст.".encode(), name="r.txt", city="atlantis", user=people["ivo"])
    assert not ReviewRequest.objects.exists() and mta.messages() == []


def test_the_digest_sends_one_mail_per_user_listing_every_release_since_the_last(people, mta):
    reviewers.set_preferences("ana", daily_digest=True)
    with override_settings(SMTP_URL=mta.url):
        first, second = submit(people, "Първо съобщение"), submit(people, "Второ съобщение")
        third = submit(people, "Трето съобщение", city="skopje")  # ana and vera review every city's
        assert sorted(by_recipient(mta)) == ["goran@b40.test", "mila@b40.test"]
        mta.reset()
        workflow.store_human(third, "sr-Cyrl", "Трећи наслов\n\nКмет је отпутовао у Загреб.".encode(), name="t.txt")
        workflow.approve(third, ["sr-Cyrl"], override=True, force=True)  # vera's language of the third: nothing waits
        out = io.StringIO()
        call_command("reviewers", "digest", stdout=out)
        assert out.getvalue() == "2 digest(s) sent\n"
        received = by_recipient(mta)
        assert sorted(received) == ["ana@b40.test", "vera@b40.test"]
        mta.reset()
        call_command("reviewers", "digest", stdout=io.StringIO())  # nothing new since: no mail
        assert mta.messages() == []
    ana = received["ana@b40.test"]
    hr = load_strings_for("hr")
    assert ana["Subject"] == hr["digest_subject"] and ana["Content-Language"] == "hr"
    assert ana["From"].startswith(hr["web_network_name"].split()[0])
    text = ana.get_body(("plain",)).get_content()
    assert [title for title in ("Първо", "Второ", "Трето") if title in text] == ["Първо", "Второ", "Трето"]
    assert len(re.findall(rf"{SITE}/office/releases/\d+/review/hr/", text)) == 3
    vera = received["vera@b40.test"].get_body(("plain",)).get_content()
    assert "Първо" in vera and "Второ" in vera and "Трето" not in vera  # approved meanwhile
    assert received["vera@b40.test"]["Content-Language"] == "sr-Cyrl"  # Belgrade's language
    kinds = {n.email: n.kind for n in Notice.objects.filter(kind=Notice.Kind.REVIEW_DIGEST)}
    assert kinds == {"ana@b40.test": "review-digest", "vera@b40.test": "review-digest"}
    assert not ReviewRequest.objects.filter(notified_at__isnull=True).exists()
    dropped = ReviewRequest.objects.get(release=third, user=people["vera"])
    assert dropped.notice is None and dropped.notified_at is not None
    assert all(r.release_id in (first.pk, second.pk, third.pk) for r in ReviewRequest.objects.all())


def test_an_inactive_or_removed_reviewer_is_not_told(people, mta):
    people["ana"].is_active = False
    people["ana"].save()
    reviewers.revoke("mila", "el")
    with override_settings(SMTP_URL=mta.url):
        submit(people)
    assert mta.messages() == [] and sorted(ReviewRequest.objects.values_list("user__username", flat=True)) == ["vera"]


def test_a_notice_of_a_release_that_is_gone_fails_without_sending(people, mta):
    release = submit(people)  # the relay is down here: the notices wait
    Notice.objects.update(state=Notice.State.PENDING, next_attempt_at=None)
    release.delete()
    from b40news.delivery import notices

    with override_settings(SMTP_URL=mta.url):
        outcomes = {notices.send(n.pk)[0] for n in Notice.objects.all()}
    assert outcomes == {"failed"} and mta.messages() == []
    assert City.objects.filter(slug="stara-zagora").exists() and Language.objects.exists()
    assert Officer.objects.filter(user=people["ivo"]).exists()


@pytest.mark.slow
def test_with_workers_the_announcement_and_its_mail_go_through_the_notify_queue(mta, celery_workers):
    import time

    load_sample(0)
    ivo = make_user("ivo", city="stara-zagora")
    make_user("ana", city="zagreb")
    reviewers.grant("ana", "hr")
    celery_workers.start(concurrency=1)
    release = workflow.submit("Заглавие\nТекст.".encode(), name="r.txt", city="stara-zagora", user=ivo)
    deadline = time.monotonic() + 60
    while not mta.messages() and time.monotonic() < deadline:
        time.sleep(0.3)
    [message] = mta.messages()
    assert message["To"] == "ana@b40.test" and message["Content-Language"] == "hr"
    assert f"{SITE}/office/releases/{release.pk}/review/hr/" in message.get_body(("plain",)).get_content()
    assert ReviewRequest.objects.get().notice.state == Notice.State.SENT
