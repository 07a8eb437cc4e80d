"""The 117 real-world bounces of flufl.bounce (tests/delivery/data/flufl, Apache-2.0):
b40news reads each as flufl.bounce does, and a permanent one, delivered to a
signed VERP address, bounces its ledger row and scores as its status says."""

from __future__ import annotations

import email
from pathlib import Path

import flufl.bounce
import pytest

from b40news.delivery import bounces, composer, reports, scoring
from b40news.delivery.models import Delivery, MailReport, Suppression
from b40news.network.models import City, Language, MailingList, Subscriber
from b40news.releases.models import Release

CORPUS = Path(__file__).parent / "data" / "flufl"
SAMPLES = sorted(CORPUS.glob("*.txt"))
BOUNCE = "bounces@b40.example.org"


def flufl_says(raw: bytes) -> tuple[set[bytes], set[bytes]]:
    temporary, permanent = flufl.bounce.all_failures(email.message_from_bytes(raw))
    return set(temporary) - set(permanent), set(permanent)


def test_the_corpus_is_all_there():
    assert len(SAMPLES) == 117
    assert sum(bool(flufl_says(path.read_bytes())[1]) for path in SAMPLES) == 101


@pytest.mark.parametrize("path", SAMPLES, ids=[path.name for path in SAMPLES])
def test_each_sample_is_read_as_flufl_bounce_reads_it(path):
    raw = path.read_bytes()
    temporary, permanent = flufl_says(raw)
    report = reports.read_report(raw, BOUNCE)
    assert {f.address.encode() for f in report.failures if f.permanent} == permanent
    assert {f.address.encode() for f in report.failures if not f.permanent} == temporary
    assert report.kind == ("bounce" if permanent else "delayed" if temporary else "ignored")


# What the status codes in some of them make of the address (`scoring.classify`).
VERDICTS = {
    "dsn_11.txt": "hard",  # 5.1.1 in the DSN
    "postfix_01.txt": "hard",  # 550 5.1.1 in Postfix's text
    "qmail_03.txt": "hard",  # qmail's "(#5.1.1)"
    "yahoo_13.txt": "hard",
    "dsn_01.txt": "permanent",  # 5.0.0: repeated, it suppresses
    "sendmail_01.txt": "permanent",  # 554, no enhanced code
    "simple_42.txt": "policy",  # Status 5.0.0, but the diagnostic says 550-5.7.1 (Gmail's spam refusal)
    "dsn_09.txt": "permanent",
    "simple_14.txt": "soft",  # 552: over quota
    "yahoo_01.txt": "soft",  # gave up after 4.4.1
    "groupwise_01.txt": "permanent",  # no code at all: a permanent failure that must repeat
}


@pytest.mark.django_db
def test_every_permanent_sample_bounces_its_row():
    bg = Language.objects.sync()["bg"]
    city = City.objects.create(slug="sofia", country="BG", names={"en": "Sofia"}, default_language=bg)
    mailing_list = MailingList.objects.create(city=city, slug="sofia-news", name="Sofia")
    seen = []
    for path in SAMPLES:
        raw = path.read_bytes()
        _temporary, permanent = flufl_says(raw)
        if not permanent:
            continue
        address = sorted(permanent)[0].decode()
        # One mailbox however it is spelled (userx@example.COM is userx@example.com).
        subscriber = (Subscriber.objects.for_email(address).first()
                      or Subscriber.objects.create(email=address, language=bg))
        release = Release.objects.create(city=city, title=path.name, body="x")
        row = Delivery.objects.create(release=release, subscriber=subscriber, mailing_list=mailing_list,
                                      language="bg", state="sent", message_id=f"<{path.stem}@b40.example.org>")
        verp = f"bounces+{composer.verp_token('d', row.pk, subscriber.email)}@b40.example.org"
        result = bounces.process_message(f"Delivered-To: {verp}\r\n".encode() + raw, where=path.name)
        assert result.kind in ("bounced", "policy"), (path.name, result)
        assert (result.delivery_id, result.changed) == (row.pk, True), path.name
        assert Delivery.objects.get(pk=row.pk).state == "bounced", path.name
        if path.name in VERDICTS:
            assert result.verdict == VERDICTS[path.name], (path.name, result.detail)
        # The same report again: nothing more (no second score).
        assert bounces.process_message(f"Delivered-To: {verp}\r\n".encode() + raw).changed is False
        seen.append(result)
    assert len(seen) == 101
    verdicts = MailReport.objects.filter(source="dsn").values_list("verdict", flat=True)
    assert len(verdicts) == 101 and "forged" not in verdicts and "unmatched" not in verdicts
    # 5.7.x never suppressed anybody; each 5.1.x did at once.
    policy = {r.email for r in seen if r.verdict == "policy"}
    assert policy and not Suppression.objects.filter(email__in=policy).exists()
    hard = {r.email for r in seen if r.verdict == "hard"}
    assert hard and set(Suppression.objects.filter(email__in=hard).values_list("email", flat=True)) == hard


def test_a_sample_naming_someone_else_is_not_believed(db):
    bg = Language.objects.sync()["bg"]
    city = City.objects.create(slug="sofia", country="BG", names={"en": "Sofia"}, default_language=bg)
    mailing_list = MailingList.objects.create(city=city, slug="sofia-news", name="Sofia")
    victim = Subscriber.objects.create(email="victim@example.org", language=bg)
    release = Release.objects.create(city=city, title="t", body="x")
    row = Delivery.objects.create(release=release, subscriber=victim, mailing_list=mailing_list, language="bg",
                                  state="sent", message_id="<v@b40.example.org>")
    # A genuine token of the victim's row, on a real bounce for userx@example.com (postfix_05).
    verp = f"bounces+{composer.verp_token('d', row.pk, victim.email)}@b40.example.org"
    raw = (CORPUS / "postfix_05.txt").read_bytes()
    result = bounces.process_message(f"Delivered-To: {verp}\r\n".encode() + raw)
    assert result.kind == "unmatched" and "names userx@example.net" in result.detail
    assert Delivery.objects.get(pk=row.pk).state == "sent"


def test_classification_by_status_code():
    classify = scoring.classify
    assert classify("5.1.1", 550) == classify("5.1.10", None) == classify("5.1.2", 550) == "hard"
    assert classify("5.7.1", 550) == classify("5.7.26", 550) == classify("5.7.0", 554) == "policy"
    assert classify("5.2.2", 552) == classify("4.2.2", 452) == classify("5.3.4", 552) == "soft"
    assert classify("5.0.0", 550) == classify("5.4.4", 550) == classify("5.2.1", 550) == "permanent"
    assert classify("", 550) == classify("", 554) == "permanent" and classify("", 552) == "soft"
    assert classify("", None, permanent=True) == "permanent" and classify("", 451) == "soft"
    assert scoring.classify_reply("RCPT 550 5.7.1 Message rejected by policy", 550) == ("policy", "5.7.1")
    assert scoring.classify_reply("RCPT 550 5.1.1 <a@b.example>: no such user", 550) == ("hard", "5.1.1")
    assert reports.status_in("Remote host said: 550-5.7.1 [192.0.2.1 12] spam") == ("5.7.1", 550)
    assert reports.status_in("host mx.example[192.0.2.25]: (480) 624-2500, version 2.0.12") == ("", None)
