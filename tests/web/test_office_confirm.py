"""Sending as a deliberate act: the confirmation page, its audience (the ledger's own
numbers), the test to any address, and the message that says what was sent and what waits."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.test import override_settings
from django.urls import reverse

from b40news.delivery import ledger
from b40news.delivery.models import Delivery
from b40news.network.models import MailingList, Subscription
from b40news.releases import workflow
from tests.web.test_office_fixtures import (  # noqa: F401 (fixtures)
    HOME, OTHER, add_subscribers, fast_hashing, logged_in, network, officer, post, release, seed_release,
)

pytestmark = pytest.mark.django_db(transaction=True)  # send tasks are enqueued on commit


def confirm_url(release) -> str:
    return reverse("office:confirm_send", args=[release.pk])


def total(page: str, name: str) -> str:
    return re.search(rf'<th id="total-{name}"[^>]*>([^<]*)</th>', page).group(1)


def cell(row: str, name: str) -> str:
    return re.search(rf'<td class="{name}"[^>]*>([^<]*)</td>', row).group(1)


def preview_counts(release) -> Counter:
    counts = Counter()
    for group in ledger.audience_preview(release):
        counts[group.list_id, group.language, "waiting" if group.state == "waiting" else "now"] += group.count
    return counts


def ledger_counts(release) -> Counter:
    rows = Delivery.objects.filter(release=release).values_list("mailing_list_id", "language", "state")
    return Counter((list_id, language, "waiting" if state == "waiting" else "now") for list_id, language, state in rows)


def test_the_audience_shown_is_what_the_ledger_freezes(network, mta):
    """Two lists, a subscriber on both, a suppressed-free audience, a fallback: the preview,
    written nowhere, equals the Delivery rows a send then writes."""
    home, other = MailingList.objects.get(slug=f"{HOME}-news"), MailingList.objects.get(slug=f"{OTHER}-news")
    [both] = add_subscribers(f"{HOME}-news", ["hr"])
    Subscription.objects.create(subscriber=both, mailing_list=other, status="confirmed")  # once, not twice
    add_subscribers(f"{OTHER}-news", ["sq", "en"])
    release = seed_release(lists=(home.slug, other.slug))
    workflow.approve(release, ["mk", "en"], force=True, override=True)
    workflow.set_fallback(release, "sq", "en")
    preview = preview_counts(release)
    assert not Delivery.objects.filter(release=release).exists()  # a preview writes nothing
    assert preview[home.pk, "hr", "waiting"] == 2  # hr has no translation: it waits
    assert preview[other.pk, "en", "now"] == 2  # the English subscriber and sq's fallback
    with override_settings(SMTP_URL=mta.url):
        report = workflow.send(release)
    assert ledger_counts(release) == preview
    assert report.due == sum(n for (_l, _c, state), n in preview.items() if state == "now")
    # After the send, the preview counts only what a send would still add: nothing new.
    assert preview_counts(release) == Counter({(home.pk, "hr", "waiting"): 2})


def test_the_confirmation_page_shows_who_gets_it_now_who_waits_and_the_subjects(release, officer):
    workflow.approve(release, ["mk"], force=True, override=True)
    workflow.set_fallback(release, "hr", "mk")  # the Croatian reader gets Macedonian
    page = logged_in(officer).get(confirm_url(release)).content.decode()
    assert total(page, "now") == "5" and total(page, "waiting") == "0"
    hr = re.search(r'<tr data-list="[^"]*" data-language="hr">.*?</tr>', page, re.S).group(0)
    assert "→ mk" in hr and cell(hr, "now") == "1"
    subjects = re.search(r'<ul id="subjects">(.*?)</ul>', page, re.S)
    approved = release.translations.filter(status="approved").select_related("language")
    for translation in approved:
        assert f"({translation.language.code})</strong>" in subjects.group(1)
    assert 'id="send-form"' in page and 'id="test-form"' in page


def test_a_waiting_language_shows_until_when_and_its_fallback(release, officer):
    release.deadline = release.created_at.replace(year=2031, month=3, day=2, hour=10, minute=0)
    release.save(update_fields=["deadline"])
    page = logged_in(officer).get(confirm_url(release)).content.decode()
    hr = re.search(r'<tr data-list="[^"]*" data-language="hr">.*?</tr>', page, re.S).group(0)
    assert cell(hr, "now") == "0" and cell(hr, "waiting") == "1"
    assert "2 Mar 2031, 12:00 EET" in hr  # the reviewers' deadline, in the officer's zone
    assert "none" in hr  # no fallback chosen


def test_the_send_message_counts_what_went_and_what_waits(release, officer, mta):
    client = logged_in(officer)
    with override_settings(SMTP_URL=mta.url):
        response = post(client, confirm_url(release), reverse("office:send", args=[release.pk]), {"when": "now"})
    page = client.get(response["Location"]).content.decode()
    sent = Delivery.objects.filter(release=release).exclude(state="waiting").count()
    waiting = Delivery.objects.filter(release=release, state="waiting").count()
    assert sent == 2 and waiting == 3 and len(mta.messages()) == 2
    assert "Sending now to 2 recipients." in page
    assert "3 recipients wait for their language to be approved: hr (1), mk (2)." in page
    assert 'class="warning"' in page  # the waiting are a warning, not a success


def test_a_test_goes_to_any_address_the_officer_names(release, officer, mta):
    client = logged_in(officer)
    url = reverse("office:test_send_any", args=[release.pk])
    data = {"email": "editor@city.example", "language": "mk", "city": HOME, "back": "confirm"}
    with override_settings(SMTP_URL=mta.url):
        response = post(client, confirm_url(release), url, data)
        assert response["Location"] == confirm_url(release)
        [message] = mta.drain()
        assert message["To"] == "editor@city.example" and message["Subject"].startswith("[TEST]")
        assert message["Content-Language"] == "mk"
        response = post(client, confirm_url(release), url, {**data, "email": "not an address"})
    page = client.get(response["Location"]).content.decode()
    assert re.search(r'<li class="error">[^<]*valid email', page)
    assert mta.messages() == [] and not Delivery.objects.exists()
