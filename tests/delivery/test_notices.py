"""Mail that is not a newsletter is a ledger row too: confirmations and test sends."""

from __future__ import annotations

from datetime import timedelta

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import override_settings
from django.utils import timezone

from b40news.delivery import bounces, composer, notices
from b40news.delivery.models import Notice, Suppression
from b40news.network.models import MailingList, Subscription
from tests.delivery.test_bounces import DATA
from tests.web.test_public_fixtures import csrf_client, network, post_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def dkim_key(tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    path = tmp_path / "dkim.pem"
    path.write_bytes(pem)
    composer.dkim_signer.cache_clear()
    with override_settings(DKIM_PRIVATE_KEY_FILE=str(path), DKIM_SELECTOR="b40", DKIM_DOMAIN="b40.example.org"):
        yield composer.dkim_signer()
    composer.dkim_signer.cache_clear()


def dns_for(signer):
    record = signer.dns_txt().encode("ascii")
    return lambda name, timeout=5: record if name == b"b40._domainkey.b40.example.org." else None


def subscribe(address: str = "ana@example.org") -> Subscription:
    network()
    response = post_form(csrf_client(), "/s/skopje-news/", {"email": address, "language": "mk"})
    assert response.status_code == 200
    return Subscription.objects.get(subscriber__email=address, mailing_list=MailingList.objects.get(slug="skopje-news"))


def test_a_confirmation_is_a_signed_ledger_row(mta, dkim_key):
    with override_settings(SMTP_URL=mta.url):
        subscription = subscribe()
    [row] = Notice.objects.all()
    assert (row.kind, row.state, row.email, row.language, row.attempts) == (
        "confirmation", "sent", "ana@example.org", "mk", 1)
    assert row.payload == {"subscription": subscription.pk}
    [message] = mta.messages()
    assert message["X-Envelope-From"] == f"bounces+{composer.verp_token('n', row.pk, row.email)}@b40.example.org"
    assert message["Message-ID"] == row.message_id
    assert message["List-Id"] is None  # not list mail
    assert "/c/" in message.get_body(("plain",)).get_content()
    [raw] = mta.raw_messages()
    assert b"DKIM-Signature:" in raw
    assert dkim.verify(raw, dnsfunc=dns_for(dkim_key)) is True


def test_a_temporary_refusal_is_tried_again_when_due_and_sent_once(mta):
    mta.inject("rcpt", 451, "greylisted")
    with override_settings(SMTP_URL=mta.url):
        subscribe()
        [row] = Notice.objects.all()
        assert (row.state, row.attempts, row.last_code) == ("pending", 1, 451)
        assert row.next_attempt_at > timezone.now()
        assert notices.send(row.pk)[0] == "early"  # not before its time
        Notice.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
        assert notices.send(row.pk) == ("sent", None)
        assert notices.send(row.pk) == ("sent", None)  # a repeated task sends nothing
    assert len(mta.messages()) == 1


def test_a_row_left_sending_by_a_dead_worker_becomes_uncertain_and_is_not_sent(mta):
    with override_settings(SMTP_URL=mta.url):
        subscribe()
        row = Notice.objects.get()
        Notice.objects.filter(pk=row.pk).update(state="sending")
        assert notices.send(row.pk) == ("uncertain", None)
    assert len(mta.messages()) == 1  # only the first, real send


def test_a_bounced_confirmation_suppresses_the_address(mta):
    with override_settings(SMTP_URL=mta.url):
        subscribe("gone@example.org")
    row = Notice.objects.get()
    report = ((DATA / "postfix-5.1.1-user-unknown.eml").read_bytes()
              .replace(b"bounces+@@ID@@@", f"bounces+{composer.verp_token('n', row.pk, row.email)}@".encode())
              .replace(b"@@RCPT@@", b"gone@example.org").replace(b"@@MSGID@@", row.message_id.encode()))
    result = bounces.process_message(report)
    assert (result.kind, result.email, result.changed) == ("bounced", "gone@example.org", True)
    assert Notice.objects.get().state == "bounced"
    assert Suppression.objects.filter(email="gone@example.org", reason="hard-bounce").exists()
