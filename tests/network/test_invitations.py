"""`b40news subscribers import` without --confirmed: each new pending subscriber gets the
double opt-in e-mail once, as a ledger row, within the relay's rate limit."""

from __future__ import annotations

import io
import time

import pytest
from django.core.management import call_command
from django.test import override_settings

from b40news.delivery import composer
from b40news.delivery.models import Notice
from b40news.network.models import Subscriber, Subscription
from b40news.network.sample import load_sample

pytestmark = pytest.mark.django_db
FILE = "email,language\nana@example.org,bg\npetar@example.org,mk\nivan@example.org,\n"


def run(*args) -> str:
    out = io.StringIO()
    call_command("subscribers", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def csv_file(tmp_path):
    load_sample(0)
    path = tmp_path / "people.csv"
    path.write_text(FILE, encoding="utf-8")
    return path


def test_each_new_pending_subscriber_is_invited_once(csv_file, mta):
    with override_settings(SMTP_URL=mta.url):
        output = run("import", "sofia-news", str(csv_file)).splitlines()
    assert output[0] == "sofia-news: 3 new, 0 updated, 0 unchanged, 0 rejected"
    assert output[1] == "sending 3 invitation(s) (the double opt-in e-mail), within the relay's rate limit"
    assert output[2:5] == ["  1/3", "  2/3", "  3/3"]
    assert output[-1] == "invitations: 3 sent, 0 to be retried later, 0 failed"
    messages = {m["To"]: m for m in mta.messages()}
    assert set(messages) == {"ana@example.org", "petar@example.org", "ivan@example.org"}
    rows = {n.email: n for n in Notice.objects.all()}
    assert {(n.kind, n.state) for n in rows.values()} == {("confirmation", "sent")}
    assert rows["petar@example.org"].language == "mk" and messages["petar@example.org"]["Content-Language"] == "mk"
    ana = messages["ana@example.org"]
    assert ana["Message-ID"] == rows["ana@example.org"].message_id
    row = rows["ana@example.org"]
    assert ana["X-Envelope-From"] == f"bounces+{composer.verp_token('n', row.pk, row.email)}@b40.example.org"
    assert "/c/" in ana.get_body(("plain",)).get_content()  # the confirmation link
    assert set(Subscription.objects.values_list("status", flat=True)) == {"pending"}

    # The same file again, and a file with one more: only the new one is invited.
    mta.reset()
    with override_settings(SMTP_URL=mta.url):
        again = run("import", "sofia-news", str(csv_file)).splitlines()
        assert again == ["sofia-news: 0 new, 0 updated, 3 unchanged, 0 rejected"]
        csv_file.write_text(FILE + "mira@example.org,en\n", encoding="utf-8")
        more = run("import", "sofia-news", str(csv_file)).splitlines()
    assert more[-1] == "invitations: 1 sent, 0 to be retried later, 0 failed"
    assert [m["To"] for m in mta.messages()] == ["mira@example.org"]
    assert Notice.objects.count() == 4


def test_dry_run_stores_and_sends_nothing(csv_file, mta):
    with override_settings(SMTP_URL=mta.url):
        output = run("import", "sofia-news", str(csv_file), "--dry-run").splitlines()
    assert output == ["dry run, nothing stored: sofia-news: 3 new, 0 updated, 0 unchanged, 0 rejected",
                      "would send 3 invitation(s) (the double opt-in e-mail)"]
    assert not Subscriber.objects.filter(email__endswith="@example.org").exists()
    assert not Notice.objects.exists() and mta.messages() == []


def test_confirmed_imports_invite_nobody(csv_file, mta):
    with override_settings(SMTP_URL=mta.url):
        output = run("import", "sofia-news", str(csv_file), "--confirmed")
    assert "invitation" not in output and not Notice.objects.exists() and mta.messages() == []


def test_invitations_keep_to_the_relays_rate_limit(csv_file, mta, redis_url):
    with override_settings(SMTP_URL=mta.url, REDIS_URL=redis_url, SMTP_RATE_LIMIT="2/s"):
        started = time.monotonic()
        output = run("import", "sofia-news", str(csv_file))
        took = time.monotonic() - started
    assert output.splitlines()[-1] == "invitations: 3 sent, 0 to be retried later, 0 failed"
    assert took >= 0.5  # three messages at two a second: the third waits for the window
    assert len(mta.messages()) == 3


def test_a_refused_invitation_is_left_to_the_sweep(csv_file, mta):
    mta.inject("rcpt", 451, "greylisted")
    with override_settings(SMTP_URL=mta.url):
        output = run("import", "sofia-news", str(csv_file))
    assert output.splitlines()[-1] == "invitations: 2 sent, 1 to be retried later, 0 failed"
    waiting = Notice.objects.get(state="pending")
    assert waiting.next_attempt_at is not None and waiting.attempts == 1
