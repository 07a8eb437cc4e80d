"""A city's audience in the office (issues 16 and 14): counts, search, CSV export and import.

- officers see their own city only: another city's pages answer a branded
  403 and show none of its data; staff see every city;
- the export is the CLI's, consent record included;
- an import is checked first (a dry run stores and sends nothing), then
  confirmed; each new pending subscriber gets exactly one invitation (none
  for those already there, confirmed or not), whose progress the import's
  page and JSON follow;
- a bad file is refused with a clear error, and nothing already stored is lost.
"""

from __future__ import annotations

import csv
import html as html_lib
import io
import re
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from b40news.delivery.models import Notice
from b40news.network.models import MailingList, Subscriber, Subscription
from b40news.network.subscribers_csv import EXPORT_COLUMNS
from tests.web.test_office_fixtures import (  # noqa: F401 (fixtures)
    HOME, OTHER, csrf_token, fast_hashing, logged_in, make_user, network, officer, other_officer,
)
from tests.web.test_public_fixtures import strings

pytestmark = pytest.mark.django_db(transaction=True)  # invitations are sent on commit

LIST = f"{HOME}-news"
AUDIENCE = reverse("office:audience", args=[HOME])
IMPORT = reverse("office:audience_import", args=[HOME])


def upload(client, content: bytes, *, list_slug: str = LIST, name: str = "people.csv", **fields):
    list_id = MailingList.objects.get(slug=list_slug).pk
    data = {"step": "check", "mailing_list": list_id, "file": SimpleUploadedFile(name, content, "text/csv"),
            "csrfmiddlewaretoken": csrf_token(client, AUDIENCE), **fields}
    return client.post(IMPORT, data)


def confirm(client, checked, mta):
    token = re.search(r'name="token" value="([^"]+)"', checked.content.decode()).group(1)
    with override_settings(SMTP_URL=mta.url):
        return client.post(IMPORT, {"step": "import", "token": token, "csrfmiddlewaretoken": csrf_token(client, AUDIENCE)})


def snapshot() -> list[tuple]:
    return sorted(Subscription.objects.values_list("subscriber__email", "mailing_list__slug", "status",
                                                   "subscriber__language__code"))


def test_the_counts_table_shows_the_own_city_by_list_language_and_state(officer):
    Subscription.objects.filter(mailing_list__slug=LIST, subscriber__language__code="hr").update(status="pending")
    page = logged_in(officer).get(AUDIENCE)
    assert page.status_code == 200
    html = page.content.decode()
    # (pending, confirmed, unsubscribed) per list and language
    assert re.search(rf'<tr data-list="{LIST}" data-language="bg">.*?<td>0</td><td>2</td><td>0</td></tr>', html)
    assert re.search(rf'<tr data-list="{LIST}" data-language="hr">.*?<td>1</td><td>0</td><td>0</td></tr>', html)
    assert f"{OTHER}-news" not in html
    assert reverse("office:audience_export", args=[HOME, LIST]) in html
    assert logged_in(officer).get(reverse("office:audience_index")).status_code == 302  # to the own city


def test_search_finds_addresses_of_the_own_city_only(officer):
    client = logged_in(officer)
    html = client.get(AUDIENCE, {"q": ".mk."}).content.decode()
    found = re.search(r'<table id="audience-found">(.*?)</table>', html, re.S).group(1)
    assert found.count(f"{LIST}.mk.") == 2 and f"{OTHER}-news.mk" not in found  # Skopje's mk reader is not shown
    confirmed_only = client.get(AUDIENCE, {"q": "", "status": "unsubscribed"}).content.decode()
    assert "No subscriber matches." in confirmed_only


def test_another_citys_audience_is_a_branded_403(officer, other_officer):
    client = logged_in(other_officer)
    targets = [AUDIENCE, reverse("office:audience_export", args=[HOME, LIST])]
    for url in targets:
        response = client.get(url)
        assert response.status_code == 403
        html = response.content.decode()
        assert strings("en")["error_403_title"] in html
        assert "@example.org" not in html and "audience-counts" not in html and "consent_ip" not in html
    refused = client.post(IMPORT, {"step": "check"})
    assert refused.status_code == 403
    assert logged_in(other_officer).get(reverse("office:audience", args=["no-such-city"])).status_code == 404
    reviewer = make_user("rada")
    from tests.web.test_office_fixtures import review_everything

    review_everything(reviewer)
    assert logged_in(reviewer).get(AUDIENCE).status_code == 403  # a reviewer has no audience


def test_staff_see_every_city(officer):
    admin = logged_in(make_user("root", staff=True))
    assert admin.get(reverse("office:audience", args=[OTHER])).status_code == 200
    index = admin.get(reverse("office:audience_index")).content.decode()
    assert reverse("office:audience", args=[HOME]) in index and reverse("office:audience", args=[OTHER]) in index


def test_the_export_is_the_clis_with_the_consent_record(officer):
    Subscription.objects.filter(mailing_list__slug=LIST).update(consent_ip="192.0.2.1", consent_form="web:subscribe",
                                                               consent_language="bg")
    response = logged_in(officer).get(reverse("office:audience_export", args=[HOME, LIST]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert tuple(rows[0]) == EXPORT_COLUMNS
    assert {"consent_ip", "consent_form", "consent_language", "requested_at"} <= set(rows[0])
    assert len(rows) == 5 and {row["consent_ip"] for row in rows} == {"192.0.2.1"}
    assert logged_in(officer).get(reverse("office:audience_export", args=[HOME, f"{OTHER}-news"])).status_code == 404


CSV = (
    "email,language,status\n"
    "new.one@example.org,mk,\n"
    "new.two@example.org,,\n"
    "New.One@Example.org,bg,\n"  # a duplicate of row 2
    "not an address,bg,\n"
    "{existing},bg,\n"  # confirmed already
    "pending.before@example.org,bg,\n"  # pending already, invited before
)


def test_an_import_is_a_dry_run_first_then_invites_each_new_pending_subscriber_once(officer, mta):
    existing = Subscription.objects.filter(mailing_list__slug=LIST, status="confirmed").select_related(
        "subscriber").first().subscriber.email
    before_pending = Subscriber.objects.create(email="pending.before@example.org",
                                               language=Subscriber.objects.first().language)
    Subscription.objects.create(subscriber=before_pending, mailing_list=MailingList.objects.get(slug=LIST))
    Notice.objects.create(kind=Notice.Kind.CONFIRMATION, email=before_pending.email, language="bg", state="sent",
                          payload={"subscription": Subscription.objects.get(subscriber=before_pending).pk})
    client = logged_in(officer)
    stored, notices = snapshot(), Notice.objects.count()

    checked = upload(client, CSV.format(existing=existing).encode())
    assert checked.status_code == 200
    html = checked.content.decode()
    assert snapshot() == stored and Notice.objects.count() == notices and mta.messages() == []  # nothing stored
    assert "nothing is stored yet" in html
    assert re.search(r'id="report-accepted">4 rows accepted \(2 new, 0 updated, 2 unchanged\)', html)
    assert 'id="report-rejected">1 row rejected' in html and 'id="report-duplicates">1 duplicate in the file' in html
    assert 'id="report-invitations">2 invitations to confirm will be sent' in html
    rejected = re.search(r'<table id="rejected-rows">(.*?)</table>', html, re.S).group(1)
    assert "<td>5</td><td>not an address</td>" in rejected
    duplicates = re.search(r'<table id="duplicate-rows">(.*?)</table>', html, re.S).group(1)
    assert "<td>4</td><td>New.One@Example.org</td><td>2</td>" in duplicates

    done = confirm(client, checked, mta)
    assert done.status_code == 302
    progress_url = done["Location"]
    batch = progress_url.rstrip("/").rsplit("/", 1)[1]
    new = Subscription.objects.filter(mailing_list__slug=LIST, subscriber__email__startswith="new.")
    assert sorted(new.values_list("subscriber__email", "status")) == [
        ("new.one@example.org", "pending"), ("new.two@example.org", "pending")]
    invitations = Notice.objects.filter(kind=Notice.Kind.CONFIRMATION, payload__import=batch)
    assert sorted(invitations.values_list("email", flat=True)) == ["new.one@example.org", "new.two@example.org"]
    assert sorted(message["To"] for message in mta.messages()) == ["new.one@example.org", "new.two@example.org"]
    assert Notice.objects.filter(email=existing).count() == 0  # confirmed: no invitation
    assert Notice.objects.filter(email=before_pending.email).count() == 1  # invited before: not again

    page = client.get(progress_url)
    assert page.status_code == 200 and "import-progress.js" in page.content.decode()
    assert "<script>" not in page.content.decode()  # no inline script (CSP)
    data = client.get(reverse("office:audience_import_json", args=[HOME, batch])).json()
    assert data == {"total": 2, "sent": 2, "pending": 0, "failed": 0}

    # The same file again: nothing new, nobody invited twice.
    again = confirm(client, upload(client, CSV.format(existing=existing).encode()), mta)
    assert again.status_code == 302
    assert Notice.objects.filter(kind=Notice.Kind.CONFIRMATION).count() == notices + 2
    assert len(mta.messages()) == 2


def test_invitation_progress_is_the_own_citys_only(officer, other_officer, mta):
    client = logged_in(officer)
    done = confirm(client, upload(client, b"email\nsomeone@example.org\n"), mta)
    batch = done["Location"].rstrip("/").rsplit("/", 1)[1]
    stranger = logged_in(other_officer)
    assert stranger.get(reverse("office:audience_import_json", args=[HOME, batch])).status_code == 403
    assert stranger.get(reverse("office:audience_import_json", args=[OTHER, batch])).status_code == 404


def test_rows_marked_confirmed_stay_pending_unless_the_officer_says_so(officer, mta):
    checked = upload(logged_in(officer), b"email,status\nsure@example.org,confirmed\n")
    html = checked.content.decode()
    assert "1 row marked confirmed was imported as pending" in html and "--confirmed" not in html
    assert 'id="report-invitations">1 invitation to confirm will be sent' in html


def test_confirmed_imports_send_no_invitation(officer, mta):
    client = logged_in(officer)
    checked = upload(client, b"email,consent_at\nold.friend@example.org,2024-05-01T10:00:00+03:00\n", confirmed="on")
    assert 'id="report-invitations">0 invitations' in checked.content.decode()
    confirm(client, checked, mta)
    assert Subscription.objects.get(subscriber__email="old.friend@example.org").status == "confirmed"
    assert not Notice.objects.exists() and mta.messages() == []


@pytest.mark.parametrize("content, error", [
    ("email\nana@example.org\n".encode("utf-16"), "is not a CSV text file"),
    ("имейл;език\nана@example.org;bg\n".encode("cp1251"), "is not UTF-8"),
    (b"address,language\nana@example.org,bg\n", "no email column"),
    (b"", "The submitted file is empty."),
])
def test_a_bad_file_is_refused_clearly_and_loses_nothing(officer, mta, content, error):
    client = logged_in(officer)
    stored = snapshot()
    response = upload(client, content)
    assert response.status_code == 400
    html = html_lib.unescape(response.content.decode())
    assert error in html and "nothing is stored yet" not in html and 'name="token"' not in html
    assert "iconv" not in html  # no page tells anyone to run a shell command
    assert snapshot() == stored and not Notice.objects.exists()


def test_an_import_that_waits_no_more_is_refused(officer, mta):
    client = logged_in(officer)
    stored = snapshot()
    response = client.post(IMPORT, {"step": "import", "token": "made-up",
                                    "csrfmiddlewaretoken": csrf_token(client, AUDIENCE)}, follow=True)
    assert "This import is no longer waiting: upload the file again." in response.content.decode()
    assert snapshot() == stored


def test_the_snippet_is_plain_html_in_the_citys_languages(officer):
    html = logged_in(officer).get(AUDIENCE).content.decode()
    snippet = html_lib.unescape(re.search(r'<textarea id="snippet-' + LIST + r'"[^>]*>(.*?)</textarea>', html, re.S)
                                .group(1))
    assert re.search(rf'<form method="post" action="https://news.b40.test/s/{LIST}/embed/\?lang=bg"', snippet)
    assert "<script" not in snippet and "csrfmiddlewaretoken" not in snippet
    assert 'name="email"' in snippet and 'name="website"' in snippet
    assert '<option value="bg" lang="bg" selected>' in snippet
    assert strings("bg")["subscribe_button"] in snippet
    assert "copy-snippet.js" in html and "<script>" not in html


@pytest.mark.slow
def test_a_real_worker_on_the_notify_queue_sends_an_imports_invitations(officer, mta, celery_workers):
    celery_workers.start(concurrency=1)
    client = logged_in(officer)
    rows = "".join(f"worker.{n}@example.org\n" for n in range(5))
    done = confirm(client, upload(client, f"email\n{rows}".encode()), mta)
    batch = done["Location"].rstrip("/").rsplit("/", 1)[1]
    progress = reverse("office:audience_import_json", args=[HOME, batch])
    deadline = time.monotonic() + 60
    while client.get(progress).json()["sent"] < 5 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert client.get(progress).json() == {"total": 5, "sent": 5, "pending": 0, "failed": 0}
    assert sorted(m["To"] for m in mta.messages()) == [f"worker.{n}@example.org" for n in range(5)]
