"""DKIM through the whole sender: what reaches the relay verifies, byte for byte.

The signer signs the message as SMTP will send it (CRLF, a final CRLF); the
session dot-stuffs it and pipelines the envelope; the relay unstuffs it. Every
message the test MTA stores must still verify with dkimpy, including one to
an SMTPUTF8 address.
"""

from __future__ import annotations

import re

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import override_settings

from b40news.delivery import composer, ledger, sender, service
from b40news.delivery.models import Delivery
from b40news.network.models import Language, MailingList, Subscriber, Subscription
from b40news.network.sample import load_sample
from b40news.releases.workflow import store_source, submit

pytestmark = pytest.mark.django_db

BODY = "Среща в София\nКметът на София откри срещата.\n\n.Точка в началото на реда  и две интервала.\n"


@pytest.fixture
def dkim_key(tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path / "dkim.pem"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    composer.dkim_signer.cache_clear()
    with override_settings(DKIM_PRIVATE_KEY_FILE=str(path), DKIM_SELECTOR="b40news", DKIM_DOMAIN="b40.example.org"):
        yield composer.dkim_signer()
    composer.dkim_signer.cache_clear()


def test_every_message_at_the_relay_verifies(mta, dkim_key):
    load_sample(0)
    bg = Language.objects.sync()["bg"]
    sofia = MailingList.objects.get(slug="sofia-news")
    for address in ("ivan@example.org", "иван@пример.бг", "petar@контора.бг", "maria@example.com"):
        subscriber = Subscriber.objects.create(email=address, language=bg)
        Subscription.objects.create(subscriber=subscriber, mailing_list=sofia, status="confirmed")
    release = submit(BODY.encode(), name="r.txt", city="sofia")
    with override_settings(SMTP_URL=mta.url):
        store_source(release)
        service.prepare_send(release)
        while (batch := ledger.claim_batch(release.pk, 100)) is not None:
            sender.send_batch(batch)
    assert set(Delivery.objects.filter(release=release).values_list("state", flat=True)) == {"sent"}

    record = dkim_key.dns_txt().encode("ascii")
    received = mta.raw_messages()
    assert len(received) == 4
    for raw in received:
        message = re.sub(rb"\A(?:X-Envelope-[A-Za-z0-9]+: [^\r\n]*\r\n)+", b"", raw)  # the sink's envelope lines
        assert message.startswith(b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=b40.example.org;")
        assert dkim.verify(message, dnsfunc=lambda name, timeout=5: record), message[:600]
    assert any(b"X-Envelope-SMTPUTF8: yes" in raw for raw in received)
    assert all(b"\r\n." in raw for raw in received)  # a line that SMTP dot-stuffed, and the relay unstuffed


def test_an_ed25519_signature_rides_beside_the_rsa_one(mta, dkim_key, tmp_path):
    from cryptography.hazmat.primitives.asymmetric import ed25519

    path = tmp_path / "ed25519.pem"
    path.write_bytes(ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    composer.dkim_signer.cache_clear()
    with override_settings(DKIM_ED25519_PRIVATE_KEY_FILE=str(path), DKIM_ED25519_SELECTOR="b40news-ed"):
        signer = composer.dkim_signer()
        signed = signer.sign(b"From: a@b40.example.org\r\nTo: b@example.org\r\nSubject: x\r\n\r\nbody\r\n")
    composer.dkim_signer.cache_clear()
    assert signed.count(b"DKIM-Signature:") == 2
    assert b"a=ed25519-sha256" in signed and b"a=rsa-sha256" in signed
