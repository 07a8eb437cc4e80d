"""Bounces and complaints back into the ledger, from real-world-shaped reports
(tests/delivery/data) filled in with the signed VERP address and Message-ID of
messages that really went through the sender to the test MTA; and forged
reports, which change nothing."""

from __future__ import annotations

import io
import mailbox
import os
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from b40news.delivery import bounces, composer, ledger, reports, sender, service
from b40news.delivery.models import BounceScore, Delivery, MailReport, Suppression
from b40news.network.models import Language, MailingList, Subscriber, Subscription
from b40news.network.sample import load_sample
from b40news.newsletter.message import make_message_id
from b40news.releases import workflow
from b40news.releases.models import Release
from b40news.releases.workflow import submit
from tests.support.dovecot import Dovecot

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
BOUNCE = "bounces@b40.example.org"
FBL = "fbl-reports@fbl.mail.example.com"  # the From of arf-abuse-complaint.eml
BODY = "Среща в София\nКметът на София откри срещата.\n\nОбщината покани гости от Загреб."
# who: (address, the report they produce)
AUDIENCE = {
    "unknown": ("иван@пример.бг", "postfix-5.1.1-user-unknown.eml"),  # SMTPUTF8 local part, IDN domain
    "slow": ("slow@example.net", "postfix-4.4.1-delayed.eml"),
    "complains": ("maria@example.com", "arf-abuse-complaint.eml"),
    "exchange": ("petar@контора.бг", "exchange-5.1.10-no-verp.eml"),  # found by Message-ID only
    "away": ("away@example.org", "auto-reply.eml"),
}


@pytest.fixture(autouse=True)
def feedback_loop():
    with override_settings(FEEDBACK_LOOPS=["fbl.mail.example.com"]):
        yield


def token(delivery: Delivery) -> str:
    return composer.verp_token("d", delivery.pk, delivery.subscriber.email)


def fill(name: str, delivery: Delivery, *, verp: str | None = None, message_id: str | None = None,
         rcpt: str | None = None) -> bytes:
    raw = (DATA / name).read_bytes()
    return (
        raw.replace(b"@@ID@@", (verp if verp is not None else token(delivery)).encode())
        .replace(b"@@RCPT@@", (rcpt or delivery.subscriber.email).encode())
        .replace(b"@@MSGID@@", (message_id or delivery.message_id).encode())
    )


@pytest.fixture
def sent(mta):
    """A release sent for real: every subscriber has a `sent` Delivery row."""
    load_sample(0)
    bg = Language.objects.sync()["bg"]
    sofia, varna = MailingList.objects.get(slug="sofia-news"), MailingList.objects.get(slug="varna-news")
    for address, _report in AUDIENCE.values():
        subscriber = Subscriber.objects.create(email=address, language=bg)
        for mailing_list in (sofia, varna) if address.startswith("maria") else (sofia,):
            Subscription.objects.create(subscriber=subscriber, mailing_list=mailing_list, status="confirmed")
    release = submit(BODY.encode(), name="r.txt", city="sofia")
    with override_settings(SMTP_URL=mta.url):
        workflow.store_source(release)
        service.prepare_send(release)
        Release.objects.filter(pk=release.pk).update(status=Release.Status.SENDING)
        while (batch := ledger.claim_batch(release.pk, 100)) is not None:
            sender.send_batch(batch)
    rows = {r.subscriber.email: r for r in Delivery.objects.filter(release=release).select_related("subscriber")}
    assert {row.state for row in rows.values()} == {"sent"}
    # What the relay saw: the VERP envelope sender names the row and is signed for its
    # recipient; the Message-ID is the row's, salted with the secret (not the old plain hash).
    for message in mta.messages():
        row = next(r for r in rows.values() if r.message_id == message["Message-ID"])
        local = message["X-Envelope-From"].partition("@")[0]
        assert message["X-Envelope-From"] == f"bounces+{token(row)}@b40.example.org"
        assert local.startswith(f"bounces+d{row.pk}.") and len(local) <= 64
        assert row.message_id != make_message_id(f"{release.pk}.{row.subscriber_id}", "b40.example.org")
    return {who: rows[address] for who, (address, _report) in AUDIENCE.items()}


def reports_of(sent) -> list[bytes]:
    return [fill(report, sent[who]) for who, (_address, report) in AUDIENCE.items()]


def snapshot():
    return (
        sorted(Delivery.objects.values_list("id", "state", "bounced_at", "last_code", "last_error")),
        sorted(Suppression.objects.values_list("email", "reason", "detail", "created_at")),
        sorted(Subscription.objects.values_list("id", "status", "unsubscribed_at")),
        sorted(BounceScore.objects.values_list("email", "hard", "soft")),
    )


def run(*args) -> str:
    out = io.StringIO()
    call_command("bounces", "process", *args, stdout=out)
    return out.getvalue()


def test_maildir_reports_reach_the_ledger_once(sent, tmp_path):
    box = mailbox.Maildir(tmp_path / "bounces", create=True)
    for raw in reports_of(sent):
        box.add(raw)
    output = run("--maildir", str(tmp_path / "bounces"))
    assert output.splitlines()[-1] == (
        "bounced 2, complaints 1, delayed 1, policy 0, forged 0, unmatched 0, ignored 1 (already recorded: 0)")

    unknown = Delivery.objects.get(pk=sent["unknown"].pk)
    assert unknown.state == "bounced" and unknown.bounced_at is not None and unknown.last_code == 550
    assert unknown.last_error.startswith("failed 5.1.1: 550 5.1.1 <иван@пример.бг>: Recipient address rejected")
    exchange = Delivery.objects.get(pk=sent["exchange"].pk)
    assert (exchange.state, exchange.last_code) == ("bounced", 550)
    assert "RESOLVER.ADR.RecipientNotFound" in exchange.last_error
    slow = Delivery.objects.get(pk=sent["slow"].pk)
    assert slow.state == "sent" and slow.bounced_at is None and slow.last_code == 250  # the relay's, kept
    assert slow.last_error == (
        "delayed 4.4.1: connect to mx.example.net[198.51.100.7]:25: Connection timed out (for slow@example.net)"
    )
    assert Delivery.objects.get(pk=sent["complains"].pk).state == "sent"
    # 5.1.x: the address itself is bad, suppressed at once (as a hard bounce, on every list).
    assert dict(Suppression.objects.values_list("email", "reason")) == {
        "иван@пример.бг": "hard-bounce",
        "petar@контора.бг": "hard-bounce",
    }
    # The complaint: unsubscribed from the list of that delivery only, no suppression.
    maria = Subscription.objects.filter(subscriber__email="maria@example.com")
    assert sorted(maria.values_list("mailing_list__slug", "status")) == [
        ("sofia-news", "unsubscribed"), ("varna-news", "confirmed")
    ]
    assert Subscription.objects.filter(status="unsubscribed").count() == 1
    assert "ignored maildir" in output
    assert "bounced (hard) delivery" in output and "address suppressed" in output
    assert sorted(MailReport.objects.values_list("verdict", flat=True)) == ["complaint", "hard", "hard"]

    # Every message left new/ for cur/, flagged seen.
    assert os.listdir(tmp_path / "bounces" / "new") == []
    assert [name.endswith(":2,S") for name in os.listdir(tmp_path / "bounces" / "cur")] == [True] * 5
    assert all(message.get_flags() == "S" for message in mailbox.Maildir(tmp_path / "bounces"))

    # Nothing new: nothing done. The same reports again: nothing changes, nothing scores twice.
    assert run("--maildir", str(tmp_path / "bounces")).strip() == (
        "bounced 0, complaints 0, delayed 0, policy 0, forged 0, unmatched 0, ignored 0 (already recorded: 0)"
    )
    before = snapshot()
    for raw in reports_of(sent):
        box.add(raw)
    again = run("--maildir", str(tmp_path / "bounces"))
    assert again.splitlines()[-1] == (
        "bounced 2, complaints 1, delayed 1, policy 0, forged 0, unmatched 0, ignored 1 (already recorded: 4)")
    assert snapshot() == before
    assert MailReport.objects.count() == 3

    # The next release is not sent to bounced addresses; the complainer still gets Varna's.
    second = submit(BODY.encode(), name="r2.txt", city="sofia", lists=["sofia-news", "varna-news"])
    ledger.freeze_audience(second)
    assert sorted(Delivery.objects.filter(release=second).values_list("subscriber__email", flat=True)) == [
        "away@example.org", "maria@example.com", "slow@example.net"
    ]


def test_a_late_delay_warning_does_not_overwrite_the_bounce(sent):
    row = sent["slow"]
    delayed = bounces.process_message(fill("postfix-4.4.1-delayed.eml", row))
    assert (delayed.kind, delayed.changed, delayed.delivery_id) == ("delayed", True, row.pk)
    assert bounces.process_message(fill("postfix-4.4.1-delayed.eml", row)).changed is False
    bounced = bounces.process_message(fill("postfix-5.1.1-user-unknown.eml", row))
    assert (bounced.kind, bounced.changed, bounced.email) == ("bounced", True, "slow@example.net")
    late = bounces.process_message(fill("postfix-4.4.1-delayed.eml", row))
    assert late.changed is False
    row.refresh_from_db()
    assert row.state == "bounced" and row.last_error.startswith("failed 5.1.1")


def test_a_complaint_after_a_bounce_leaves_the_list_and_keeps_the_suppression(sent):
    row = sent["unknown"]
    bounces.process_message(fill("postfix-5.1.1-user-unknown.eml", row))
    result = bounces.process_message(fill("arf-abuse-complaint.eml", row))
    assert (result.kind, result.changed) == ("complaint", True)
    assert "unsubscribed from sofia-news" in result.detail
    assert Suppression.objects.get(email=row.subscriber.email).reason == "hard-bounce"
    assert Delivery.objects.get(pk=row.pk).state == "bounced"  # a complaint leaves the row as it was
    assert bounces.process_message(fill("arf-abuse-complaint.eml", row)).changed is False


def test_reports_naming_no_delivery_or_two_are_not_trusted(sent):
    before = snapshot()
    a, b = sent["unknown"], sent["slow"]
    mixed = bounces.process_message(fill("postfix-5.1.1-user-unknown.eml", a, message_id=b.message_id))
    assert mixed.kind == "unmatched"
    assert f"names several ledger rows (d{min(a.pk, b.pk)}, d{max(a.pk, b.pk)})" in mixed.detail
    unknown = bounces.process_message(fill("exchange-5.1.10-no-verp.eml", a, message_id="<b40.nothing@b40.example.org>"))
    assert unknown.kind == "unmatched"
    assert unknown.detail == "a bounce for no known message (Message-ID <b40.nothing@b40.example.org>)"
    assert bounces.process_message(b"\x00\xff not mail at all").kind == "ignored"
    assert snapshot() == before
    assert sorted(MailReport.objects.values_list("verdict", "acted")) == [("unmatched", False)] * 2


# -- forged reports change nothing ---------------------------------------------------


def test_forged_dsns_change_nothing(sent, tmp_path):
    victim, attacker = sent["slow"], sent["away"]
    forgeries = [
        # The old unsigned VERP address of the victim's row (computable from outside).
        fill("postfix-5.1.1-user-unknown.eml", victim, verp=str(victim.pk), message_id="<x@y>"),
        fill("postfix-5.1.1-user-unknown.eml", victim, verp=f"n{victim.pk}", message_id="<x@y>"),
        # A signed-looking token with a made-up MAC.
        fill("postfix-5.1.1-user-unknown.eml", victim, verp=f"d{victim.pk}.aaaaaaaaaaaaaaaa", message_id="<x@y>"),
        # The attacker's own genuine token, naming the victim's address: the recipient does not match.
        fill("postfix-5.1.1-user-unknown.eml", attacker, rcpt=victim.subscriber.email),
        # The attacker's token for the victim's row id: the MAC is bound to the recipient.
        fill("postfix-5.1.1-user-unknown.eml", victim, verp=f"d{victim.pk}.{token(attacker).partition('.')[2]}",
             message_id="<x@y>"),
        # The Message-ID b40news used to compute without a secret.
        fill("exchange-5.1.10-no-verp.eml", victim,
             message_id=make_message_id(f"{victim.release_id}.{victim.subscriber_id}", "b40.example.org")),
    ]
    box = mailbox.Maildir(tmp_path / "forged", create=True)
    for raw in forgeries:
        box.add(raw)
    before = snapshot()
    output = run("--maildir", str(tmp_path / "forged"))
    assert output.splitlines()[-1] == (
        "bounced 0, complaints 0, delayed 0, policy 0, forged 4, unmatched 2, ignored 0 (already recorded: 0)")
    assert snapshot() == before
    assert "unsigned VERP address" in output and "does not verify" in output
    assert f"names {victim.subscriber.email}, not the address this message was sent to" in output
    assert sorted(MailReport.objects.values_list("verdict", flat=True)) == ["forged"] * 4 + ["unmatched"] * 2
    assert not MailReport.objects.filter(acted=True).exists()


def test_forged_complaints_change_nothing(sent, tmp_path):
    victim = sent["complains"]
    genuine = fill("arf-abuse-complaint.eml", victim)
    forgeries = [
        # Unsigned VERP, from the feedback loop's own address (From is easy to write).
        fill("arf-abuse-complaint.eml", victim, verp=str(victim.pk), message_id="<x@y>"),
        # A genuine token, but not from a configured feedback loop.
        genuine.replace(FBL.encode(), b"reports@fbl.evil.example"),
        # From the loop with a genuine token, but the recipient redacted: cannot be matched.
        genuine.replace(b"Original-Rcpt-To: <maria@example.com>", b"Original-Rcpt-To: <redacted@example.com>"),
    ]
    # The one-part complaints of the measured attack: a feedback report only, 300 of them.
    one_part = (
        "From: {fbl}\r\nTo: bounces+{id}@b40.example.org\r\nSubject: complaint\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=feedback-report; boundary=b\r\n\r\n"
        "--b\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\n"
        "Original-Mail-From: <bounces+{id}@b40.example.org>\r\nOriginal-Rcpt-To: <{rcpt}>\r\n\r\n--b--\r\n"
    )
    for n in range(300):
        forgeries.append(one_part.format(fbl=FBL, id=victim.pk, rcpt=victim.subscriber.email).encode())
    box = mailbox.Maildir(tmp_path / "forged", create=True)
    for raw in forgeries:
        box.add(raw)
    before = snapshot()
    started = time.monotonic()
    output = run("--maildir", str(tmp_path / "forged"))
    assert time.monotonic() - started < 60
    assert output.splitlines()[-1] == (
        "bounced 0, complaints 0, delayed 0, policy 0, forged 302, unmatched 1, ignored 0 (already recorded: 0)")
    assert "not a configured feedback loop (B40NEWS_FEEDBACK_LOOPS)" in output
    assert "names redacted@example.com, not the address" in output
    assert snapshot() == before
    # Without any feedback loop configured, even a genuine complaint is only logged.
    with override_settings(FEEDBACK_LOOPS=[]):
        assert bounces.process_message(genuine).kind == "forged"
    assert snapshot() == before
    assert bounces.process_message(genuine).kind == "complaint"  # and from the loop, it is heard


def test_reading_reports_without_the_database():
    dsn = (DATA / "postfix-5.1.1-user-unknown.eml").read_bytes()
    base = dsn.replace(b"@@RCPT@@", b"reader@example.org").replace(b"@@MSGID@@", b"<b40.x@b40.example.org>")
    signed = composer.verp_token("d", 42, "reader@example.org")
    report = reports.read_report(base.replace(b"@@ID@@", signed.encode()), BOUNCE)
    assert report.kind == "bounce" and report.message_ids == ("<b40.x@b40.example.org>",)
    assert report.tokens == (reports.Token("d", 42, signed.partition(".")[2]),)
    [failure] = report.failures
    assert (failure.address, failure.permanent, failure.status, failure.code) == (
        "reader@example.org", True, "5.1.1", 550)
    assert report.reported == ("reader@example.org",)
    # The token survives an MTA that upper-cases the local part; another domain's is not ours.
    upper = reports.read_report(base.replace(b"bounces+@@ID@@", b"BOUNCES+" + signed.upper().encode()), BOUNCE)
    assert upper.tokens == report.tokens
    for other in (b"bounces+@@ID@@@elsewhere.example", b"news+@@ID@@@b40.example.org"):
        foreign = base.replace(b"bounces+@@ID@@@b40.example.org", other).replace(b"@@ID@@", signed.encode())
        assert reports.read_report(foreign, BOUNCE).tokens == ()
    assert reports.read_report(base.replace(b"@@ID@@", b"42"), BOUNCE).tokens == (reports.Token("d", 42, ""),)
    # Failed after transient errors: permanent for this message (as flufl.bounce says), a soft bounce.
    expired = base.replace(b"@@ID@@", b"42").replace(b"Status: 5.1.1", b"Status: 4.4.7")
    expired = expired.replace(b"smtp; 550 5.1.1", b"smtp; 450 4.4.7")
    report = reports.read_report(expired, BOUNCE)
    assert report.kind == "bounce" and report.failures[0].status == "4.4.7"
    success = base.replace(b"@@ID@@", b"42").replace(b"Action: failed", b"Action: delivered")
    reason = reports.read_report(success, BOUNCE).reason
    assert reason == "a delivery status report of action delivered: not a failure"
    arf = (DATA / "arf-abuse-complaint.eml").read_bytes().replace(b"@@ID@@", b"d7.abcdefghijklmnop")
    complaint = reports.read_report(arf.replace(b"@@RCPT@@", b"ana@example.org"), BOUNCE)
    assert complaint.tokens == (reports.Token("d", 7, "abcdefghijklmnop"),)
    assert (complaint.kind, complaint.recipients, complaint.senders) == ("complaint", ("ana@example.org",), (FBL,))
    not_spam = reports.read_report(arf.replace(b"Feedback-Type: abuse", b"Feedback-Type: not-spam"), BOUNCE)
    assert not_spam.reason == "a feedback report of type 'not-spam': not a complaint"
    # RFC 6533: an internationalised DSN, UTF-8 in the fields (flufl.bounce does not read it).
    global_dsn = (
        "To: Bounces+n9.abcdefghijklmnop@B40.example.org\r\nContent-Type: multipart/report; "
        'report-type=delivery-status; boundary="b"\r\n\r\n--b\r\nContent-Type: message/global-delivery-status'
        "\r\n\r\nReporting-MTA: dns; mx.пример.бг\r\n\r\nFinal-Recipient: utf-8; иван@пример.бг\r\n"
        "Action: failed\r\nStatus: 5.2.2\r\n\r\n--b--\r\n"
    ).encode()
    report = reports.read_report(global_dsn, BOUNCE)
    assert (report.kind, report.tokens, report.detail) == (
        "bounce", (reports.Token("n", 9, "abcdefghijklmnop"),), "failed 5.2.2 (for иван@пример.бг)")
    assert reports.same_mailbox("Иван@xn--e1afmkfd.xn--90ae", "иван@пример.бг")


def test_command_errors_are_clear(tmp_path):
    with pytest.raises(CommandError, match="no Maildir at"):
        run("--maildir", str(tmp_path / "missing"))
    with pytest.raises(CommandError, match="not an imap:// or imaps:// URL"):
        run("--imap", "pop3://user:secret@127.0.0.1/INBOX")
    with pytest.raises(CommandError, match="needs a user name"):
        run("--imap", "imaps://127.0.0.1/INBOX")
    with pytest.raises(CommandError, match="would send the password in the clear"):
        run("--imap", "imap://user:secret@mail.example.org/INBOX")


# -- IMAP, against Dovecot on 127.0.0.1 (tests/support/dovecot.py) ---------------------


@pytest.fixture
def dovecot():
    server = Dovecot()
    yield server
    server.stop()


def test_imap_folder_reports_are_processed_and_marked_seen(sent, dovecot, monkeypatch):
    for raw in reports_of(sent):
        dovecot.deliver(raw)
    assert dovecot.search("UNSEEN") == 5
    # imaps:// with the server's certificate trusted through SSL_CERT_FILE; %40 is "@".
    monkeypatch.setenv("SSL_CERT_FILE", str(dovecot.cert))
    output = run("--imap", f"imaps://bounces:s3cr%40t@127.0.0.1:{dovecot.tls_port}/INBOX")
    assert output.splitlines()[-1] == (
        "bounced 2, complaints 1, delayed 1, policy 0, forged 0, unmatched 0, ignored 1 (already recorded: 0)")
    assert "ignored imap uid" in output
    assert (dovecot.search("UNSEEN"), dovecot.search("SEEN")) == (0, 5)
    assert Delivery.objects.get(pk=sent["unknown"].pk).state == "bounced"
    assert Subscription.objects.get(subscriber__email="maria@example.com", mailing_list__slug="sofia-news").status == (
        "unsubscribed")
    # Seen messages are not read again; a new one is (imap:// with STARTTLS, --folder given).
    before = snapshot()
    dovecot.deliver(fill("postfix-5.1.1-user-unknown.eml", sent["unknown"]))
    again = run("--imap", f"imap://bounces:s3cr%40t@127.0.0.1:{dovecot.port}?starttls=1", "--folder", "INBOX")
    assert again.strip() == (
        "bounced 1, complaints 0, delayed 0, policy 0, forged 0, unmatched 0, ignored 0 (already recorded: 1)")
    assert snapshot() == before and dovecot.search("UNSEEN") == 0
    with pytest.raises(CommandError, match="cannot read the bounces: .*certificate verify failed"):
        monkeypatch.delenv("SSL_CERT_FILE")
        run("--imap", f"imaps://bounces:s3cr%40t@127.0.0.1:{dovecot.tls_port}/INBOX")
    with pytest.raises(CommandError, match="(?i)authentication failed"):
        run("--imap", f"imap://bounces:wrong@127.0.0.1:{dovecot.port}/INBOX")
