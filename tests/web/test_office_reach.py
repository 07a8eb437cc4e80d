"""Reach figures of a release (issue 16): from the ledger, on the release page, as CSV and JSON.

A real send through the fault-injecting SMTP server (one recipient refused at
RCPT with 5.1.1, one deferred with 451), then a verified DSN bounce, a
verified complaint, an unsubscription and archive page views: every figure
equals what the ledger holds. An officer of a city that received the release
on its own list reads it (read-only, its own lists' figures); others get 404.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from b40news.delivery import bounces, reach
from b40news.delivery.models import ArchiveView, Delivery, MailReport
from b40news.network import subscriptions
from b40news.network.models import Subscription
from b40news.releases.workflow import approve
from tests.delivery.test_bounces import fill
from tests.web.test_office_fixtures import (  # noqa: F401 (fixtures)
    HOME, OTHER, add_subscribers, fast_hashing, logged_in, make_user, network, officer, other_officer, post, seed_release,
)

pytestmark = pytest.mark.django_db(transaction=True)  # send tasks are enqueued on commit
FIGURES = reach.LEDGER_FIGURES


def ledger(release, **where) -> dict[str, int]:
    """The figures counted straight from the ledger, without the reach module."""
    rows = Delivery.objects.filter(release=release, **where)
    sent_rows = rows.filter(sent_at__isnull=False).select_related("subscriber")
    left = 0
    for row in sent_rows:
        subscription = Subscription.objects.filter(subscriber=row.subscriber, mailing_list=row.mailing_list).first()
        if subscription and subscription.unsubscribed_at and (
                row.sent_at <= subscription.unsubscribed_at < row.sent_at + reach.UNSUBSCRIBE_WINDOW):
            left += 1
    return {
        "recipients": rows.count(),
        "delivered": rows.filter(state="sent").count(),
        "deferred": rows.filter(state__in=["pending", "queued", "sending"], attempts__gt=0).count(),
        "bounced": rows.filter(state="bounced").count(),
        "failed": rows.filter(state="failed").count(),
        "complained": MailReport.objects.filter(delivery__in=rows, verdict="complaint", acted=True).count(),
        "unsubscribed_7d": left,
    }


@pytest.fixture
def sent(officer, mta, settings):
    """The seed release sent to Stara Zagora's and Skopje's lists, with trouble on the way."""
    settings.FEEDBACK_LOOPS = ["fbl.mail.example.com"]
    add_subscribers(f"{HOME}-news", ["bg", "mk"])
    add_subscribers(f"{OTHER}-news", ["bg"])
    release = seed_release(lists=(f"{HOME}-news", f"{OTHER}-news"), translate=("mk",), user=officer)
    approve(release, ["mk"], force=True, override=True)
    mta.inject("rcpt", 550, "5.1.1 <x>: Recipient address rejected: User unknown")
    mta.inject("rcpt", 451, "4.7.1 Try again later")
    client = logged_in(officer)
    with override_settings(SMTP_URL=mta.url):
        response = post(client, reverse("office:release", args=[release.pk]),
                        reverse("office:send", args=[release.pk]), {"when": "now"})
    assert response.status_code == 302
    rows = list(Delivery.objects.filter(release=release, state="sent").select_related("subscriber", "mailing_list")
                .order_by("pk"))
    later_bounce, complaint, leaver = rows[0], rows[1], rows[2]
    assert bounces.process_message(fill("postfix-5.1.1-user-unknown.eml", later_bounce)).kind == "bounced"
    assert bounces.process_message(fill("arf-abuse-complaint.eml", complaint)).kind == "complaint"
    subscriptions.unsubscribe(Subscription.objects.get(subscriber=leaver.subscriber, mailing_list=leaver.mailing_list))
    public = Client()
    for code in ("bg", "bg", "mk"):
        assert public.get(f"/r/{release.pk}/{code}/").status_code == 200
    assert public.head(f"/r/{release.pk}/mk/").status_code == 200  # a HEAD is no view
    return release


def test_reach_equals_the_ledger_after_a_send_with_bounces(sent, officer):
    states = Counter(Delivery.objects.filter(release=sent).values_list("state", flat=True))
    assert states["bounced"] == 2 and states["pending"] == 1  # one refused at RCPT, one bounced later; one deferred
    data = reach.reach(sent.pk)
    assert {name: data["totals"][name] for name in FIGURES} == ledger(sent)
    assert data["totals"] | {"archive_views": 3} == data["totals"]
    assert (data["totals"]["bounced"], data["totals"]["deferred"], data["totals"]["complained"],
            data["totals"]["unsubscribed_7d"]) == (2, 1, 1, 2)  # the complaint unsubscribed too
    for code, figures in data["languages"].items():
        assert {name: figures[name] for name in FIGURES} == ledger(sent, language=code)
    for slug, figures in data["lists"].items():
        assert figures == ledger(sent, mailing_list__slug=slug)
    for row in data["rows"]:
        assert {name: row[name] for name in FIGURES} == ledger(sent, language=row["language"],
                                                               mailing_list__slug=row["list"])
    assert data["languages"]["bg"]["archive_views"] == 2 and data["languages"]["mk"]["archive_views"] == 1
    assert list(ArchiveView.objects.values_list("language", "count").order_by("language")) == [("bg", 2), ("mk", 1)]
    assert sum(data["archive_views_by_day"]["bg"].values()) == 2


def test_the_release_page_shows_reach_and_offers_csv_and_json(sent, officer):
    client = logged_in(officer)
    page = client.get(reverse("office:release", args=[sent.pk])).content.decode()
    totals = reach.reach(sent.pk)["totals"]
    footer = re.search(r'<table id="reach-languages">.*?<tfoot><tr data-language="">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r"<th>(\d+)</th>", footer) == [str(totals[name]) for name in reach.FIGURES]
    assert "Unsubscribed within 7 days" in page and reverse("office:reach_csv", args=[sent.pk]) in page
    progress = client.get(reverse("office:progress", args=[sent.pk])).content.decode()
    assert 'id="reach-languages"' in progress

    as_json = client.get(reverse("office:reach_json", args=[sent.pk]))
    assert as_json.status_code == 200 and as_json.json()["totals"] == totals
    as_csv = client.get(reverse("office:reach_csv", args=[sent.pk]))
    assert as_csv["Content-Type"].startswith("text/csv") and "attachment" in as_csv["Content-Disposition"]
    table = list(csv.DictReader(io.StringIO(as_csv.content.decode())))
    assert list(table[0]) == ["language", "list", *reach.FIGURES]
    [total] = [row for row in table if row["language"] == "*" and row["list"] == "*"]
    assert {name: int(total[name]) for name in reach.FIGURES} == totals
    pairs = [row for row in table if "*" not in (row["language"], row["list"])]
    assert sum(int(row["bounced"]) for row in pairs) == totals["bounced"]


def test_an_officer_of_the_receiving_city_reads_the_release_and_its_reach_on_his_lists(sent, other_officer):
    client = logged_in(other_officer)
    dashboard = client.get(reverse("office:dashboard")).content.decode()
    assert 'id="received-releases"' in dashboard and reverse("office:release", args=[sent.pk]) in dashboard
    page = client.get(reverse("office:release", args=[sent.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="read-only"' in html and 'id="send-form"' not in html and "office:approve" not in html
    assert f'data-list="{OTHER}-news"' in html and f'data-list="{HOME}-news"' not in html
    data = client.get(reverse("office:reach_json", args=[sent.pk])).json()
    assert set(data["lists"]) == {f"{OTHER}-news"}
    assert data["totals"] | {} == {**ledger(sent, mailing_list__slug=f"{OTHER}-news"),
                                   "archive_views": data["totals"]["archive_views"]}
    assert client.get(reverse("office:reach_csv", args=[sent.pk])).status_code == 200
    # Read-only: every action is still the sending city's.
    assert client.get(reverse("office:progress", args=[sent.pk])).status_code == 404
    for name in ("send", "cancel", "retry", "translate"):
        assert client.post(reverse(f"office:{name}", args=[sent.pk])).status_code in (403, 404)


def test_officers_of_other_cities_get_404(sent, network):
    stranger = logged_in(make_user("vesna", city="sofia"))
    for name in ("release", "reach_json", "reach_csv"):
        assert stranger.get(reverse(f"office:{name}", args=[sent.pk])).status_code == 404
    assert Client().get(reverse("office:reach_json", args=[sent.pk])).status_code == 302  # to the login page


def test_the_unsubscribe_window_is_seven_days(sent):
    from datetime import timedelta

    row, subscription = next(
        (row, subscription) for row in Delivery.objects.filter(release=sent, state="sent").order_by("pk")
        for subscription in Subscription.objects.filter(subscriber=row.subscriber_id, mailing_list=row.mailing_list_id,
                                                        status="confirmed"))
    before = reach.reach(sent.pk)["totals"]["unsubscribed_7d"]
    Subscription.objects.filter(pk=subscription.pk).update(
        status="unsubscribed", unsubscribed_at=row.sent_at + timedelta(days=8))
    assert reach.reach(sent.pk)["totals"]["unsubscribed_7d"] == before  # too late to count
    Subscription.objects.filter(pk=subscription.pk).update(unsubscribed_at=row.sent_at + timedelta(days=6))
    assert reach.reach(sent.pk)["totals"]["unsubscribed_7d"] == before + 1
