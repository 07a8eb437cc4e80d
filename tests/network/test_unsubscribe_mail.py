"""`b40news unsubscribes process`: the mailto: of List-Unsubscribe, read from its mailbox."""

from __future__ import annotations

import io
import mailbox
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.core.management import call_command

from b40news.delivery.models import MailReport, Suppression
from b40news.network import links
from b40news.network.models import Subscription
from b40news.network.sample import load_sample
from tests.network.sending import send_release, subscribe

pytestmark = pytest.mark.django_db


def reply_to(mailto: str, sender: str) -> bytes:
    """What a mail program sends for ``mailto:…?subject=…`` (RFC 6068)."""
    parts = urlsplit(mailto)
    message = EmailMessage()
    message["From"] = sender
    message["To"] = unquote(parts.path)
    message["Subject"] = parse_qs(parts.query)["subject"][0]
    message["Message-ID"] = f"<unsub.{abs(hash(mailto))}@example.org>"
    message.set_content("")
    return bytes(message)


def run(box) -> str:
    out = io.StringIO()
    call_command("unsubscribes", "process", "--maildir", str(box), stdout=out)
    return out.getvalue()


def test_a_mail_to_the_list_unsubscribe_address_leaves_that_list_only(mta, tmp_path):
    load_sample(0)
    ana = subscribe("ana@example.org", "sofia-news", "varna-news")
    subscribe("petar@example.org", "sofia-news")
    send_release(mta, "sofia-news")
    newsletter = next(m for m in mta.messages() if m["To"] == "ana@example.org")
    mailto = next(target.strip("<> ") for target in newsletter["List-Unsubscribe"].split(",")
                  if target.strip().startswith("<mailto:"))
    assert mailto.startswith("mailto:unsubscribe@b40.example.org?subject=unsubscribe%20")

    box = mailbox.Maildir(tmp_path / "unsubscribe", create=True)
    box.add(reply_to(mailto, "Ana <ana@example.org>"))
    output = run(tmp_path / "unsubscribe")
    assert output.splitlines()[-1] == "unsubscribed 1, already left 0, forged 0, ignored 0"
    assert "unsubscribed from sofia-news by mail" in output
    statuses = dict(Subscription.objects.filter(subscriber=ana).values_list("mailing_list__slug", "status"))
    assert statuses == {"sofia-news": "unsubscribed", "varna-news": "confirmed"}
    assert Subscription.objects.get(subscriber__email="petar@example.org").status == "confirmed"
    assert not Suppression.objects.exists()  # per list, not per address
    assert MailReport.objects.get().verdict == "unsubscribe"

    # The same mail again (a second click of the mail program): nothing more.
    box.add(reply_to(mailto, "Ana <ana@example.org>"))
    assert run(tmp_path / "unsubscribe").splitlines()[-1] == "unsubscribed 0, already left 1, forged 0, ignored 0"


def test_forged_and_unrelated_mails_change_nothing(tmp_path):
    load_sample(0)
    ana = subscribe("ana@example.org", "sofia-news")
    list_id = Subscription.objects.get(subscriber=ana).mailing_list_id
    genuine = links.unsubscribe_token(ana.pk, list_id)
    box = mailbox.Maildir(tmp_path / "unsubscribe", create=True)
    forged_signature = genuine[:-4] + ("AAAA" if not genuine.endswith("AAAA") else "BBBB")
    other_subscriber = f"{ana.pk + 1}-{list_id}:{genuine.partition(':')[2]}"  # a signature of another value
    for subject in (f"unsubscribe {forged_signature}", f"unsubscribe {other_subscriber}"):
        box.add(reply_to(f"mailto:unsubscribe@b40.example.org?subject={subject}", "mallory@example.net"))
    box.add(reply_to("mailto:unsubscribe@b40.example.org?subject=please remove me", "ana@example.org"))
    output = run(tmp_path / "unsubscribe")
    assert output.splitlines()[-1] == "unsubscribed 0, already left 0, forged 2, ignored 1"
    assert Subscription.objects.get(subscriber=ana).status == "confirmed"
    assert list(MailReport.objects.values_list("verdict", "acted")) == [("forged", False)] * 2
    # A reply that keeps the subject ("Re: unsubscribe …") is read too.
    box.add(reply_to(f"mailto:unsubscribe@b40.example.org?subject=Re: unsubscribe {genuine}", "ana@example.org"))
    assert run(tmp_path / "unsubscribe").splitlines()[-1] == "unsubscribed 1, already left 0, forged 0, ignored 0"
