"""Bounces and complaints back into the ledger, from real-world-shaped reports
(tests/delivery/data) filled in with the VERP address and Message-ID of
messages that really went through the sender to the test MTA."""

from __future__ import annotations

import grp
import imaplib
import io
import ipaddress
import mailbox
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.management import CommandError, call_command
from django.test import override_settings

from b40news.delivery import bounces, ledger, sender, service
from b40news.delivery.models import Delivery, Suppression
from b40news.network.models import Language, MailingList, Subscriber, Subscription
from b40news.network.sample import load_sample
from b40news.releases import workflow
from b40news.releases.models import Release
from b40news.releases.workflow import submit

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
BOUNCE = "bounces@b40.example.org"
BODY = "Среща в София\nКметът на София откри срещата.\n\nОбщината покани гости от Загреб."
# who: (address, the report they produce)
AUDIENCE = {
    "unknown": ("иван@пример.бг", "postfix-5.1.1-user-unknown.eml"),  # SMTPUTF8 local part, IDN domain
    "slow": ("slow@example.net", "postfix-4.4.1-delayed.eml"),
    "complains": ("maria@example.com", "arf-abuse-complaint.eml"),
    "exchange": ("petar@контора.бг", "exchange-5.1.10-no-verp.eml"),  # found by Message-ID only
    "away": ("away@example.org", "auto-reply.eml"),
}


def fill(name: str, delivery: Delivery, *, verp_id: int | None = None, message_id: str | None = None) -> bytes:
    raw = (DATA / name).read_bytes()
    return (
        raw.replace(b"@@ID@@", str(verp_id if verp_id is not None else delivery.pk).encode())
        .replace(b"@@RCPT@@", delivery.subscriber.email.encode())
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
    # What the relay saw: the VERP envelope sender names the row, the Message-ID is the row's.
    for message in mta.messages():
        row = next(r for r in rows.values() if r.message_id == message["Message-ID"])
        assert message["X-Envelope-From"] == f"bounces+{row.pk}@b40.example.org"
    return {who: rows[address] for who, (address, _report) in AUDIENCE.items()}


def reports(sent) -> list[bytes]:
    return [fill(report, sent[who]) for who, (_address, report) in AUDIENCE.items()]


def snapshot():
    return (
        sorted(Delivery.objects.values_list("id", "state", "bounced_at", "last_code", "last_error")),
        sorted(Suppression.objects.values_list("email", "reason", "detail", "created_at")),
        sorted(Subscription.objects.values_list("id", "status", "unsubscribed_at")),
    )


def run(*args) -> str:
    out = io.StringIO()
    call_command("bounces", "process", *args, stdout=out)
    return out.getvalue()


def test_maildir_reports_reach_the_ledger_once(sent, tmp_path):
    box = mailbox.Maildir(tmp_path / "bounces", create=True)
    for raw in reports(sent):
        box.add(raw)
    output = run("--maildir", str(tmp_path / "bounces"))
    assert output.splitlines()[-1] == "bounced 2, complaints 1, delayed 1, ignored 1 (already recorded: 0)"

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
    assert dict(Suppression.objects.values_list("email", "reason")) == {
        "иван@пример.бг": "hard-bounce",
        "petar@контора.бг": "hard-bounce",
        "maria@example.com": "complaint",
    }
    maria = Subscription.objects.filter(subscriber__email="maria@example.com")
    assert sorted(maria.values_list("mailing_list__slug", "status")) == [
        ("sofia-news", "unsubscribed"), ("varna-news", "unsubscribed")
    ]
    assert all(s.unsubscribed_at is not None for s in maria)
    assert Subscription.objects.filter(status="unsubscribed").count() == 2
    assert "ignored maildir" in output and "not a delivery or feedback report (text/plain)" in output

    # Every message left new/ for cur/, flagged seen.
    assert os.listdir(tmp_path / "bounces" / "new") == []
    assert [name.endswith(":2,S") for name in os.listdir(tmp_path / "bounces" / "cur")] == [True] * 5
    assert all(message.get_flags() == "S" for message in mailbox.Maildir(tmp_path / "bounces"))

    # Nothing new: nothing done. The same reports again: nothing changes.
    assert run("--maildir", str(tmp_path / "bounces")).strip() == (
        "bounced 0, complaints 0, delayed 0, ignored 0 (already recorded: 0)"
    )
    before = snapshot()
    for raw in reports(sent):
        box.add(raw)
    again = run("--maildir", str(tmp_path / "bounces"))
    assert again.splitlines()[-1] == "bounced 2, complaints 1, delayed 1, ignored 1 (already recorded: 4)"
    assert snapshot() == before

    # The next release is not sent to bounced or complaining addresses.
    second = submit(BODY.encode(), name="r2.txt", city="sofia")
    ledger.freeze_audience(second)
    assert sorted(Delivery.objects.filter(release=second).values_list("subscriber__email", flat=True)) == [
        "away@example.org", "slow@example.net"
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


def test_a_complaint_outranks_an_earlier_hard_bounce(sent):
    row = sent["unknown"]
    bounces.process_message(fill("postfix-5.1.1-user-unknown.eml", row))
    result = bounces.process_message(fill("arf-abuse-complaint.eml", row))
    assert (result.kind, result.changed) == ("complaint", True)
    assert Suppression.objects.get(email=row.subscriber.email).reason == "complaint"
    assert Delivery.objects.get(pk=row.pk).state == "bounced"  # a complaint leaves the row as it was


def test_reports_naming_no_delivery_or_two_are_ignored(sent):
    before = snapshot()
    a, b = sent["unknown"], sent["slow"]
    mixed = bounces.process_message(fill("postfix-5.1.1-user-unknown.eml", a, message_id=b.message_id))
    assert mixed.kind == "ignored"
    assert f"names several deliveries ({min(a.pk, b.pk)}, {max(a.pk, b.pk)})" in mixed.detail
    unknown = bounces.process_message(
        fill("postfix-5.1.1-user-unknown.eml", a, verp_id=999999, message_id="<b40.nothing@b40.example.org>")
    )
    assert unknown.kind == "ignored"
    assert unknown.detail == (
        "a bounce for no known delivery (VERP id 999999; Message-ID <b40.nothing@b40.example.org>)"
    )
    assert bounces.process_message(b"\x00\xff not mail at all").kind == "ignored"
    assert snapshot() == before


def test_reading_notices_without_the_database():
    dsn = (DATA / "postfix-5.1.1-user-unknown.eml").read_bytes()
    base = dsn.replace(b"@@RCPT@@", b"reader@example.org").replace(b"@@MSGID@@", b"<b40.x@b40.example.org>")
    notice = bounces.read_notice(base.replace(b"@@ID@@", b"42"), BOUNCE)
    assert (notice.kind, notice.delivery_ids, notice.message_ids) == ("bounce", (42,), ("<b40.x@b40.example.org>",))
    assert (notice.status, notice.code) == ("5.1.1", 550)
    # Another domain's (or another local part's) "+42" is not ours.
    for other in (b"bounces+42@elsewhere.example", b"news+42@b40.example.org"):
        foreign = base.replace(b"bounces+@@ID@@@b40.example.org", other)
        assert bounces.read_notice(foreign, BOUNCE).delivery_ids == ()
    # Gave up after transient errors: the message failed, the address did not.
    expired = base.replace(b"@@ID@@", b"42").replace(b"Status: 5.1.1", b"Status: 4.4.7")
    expired = expired.replace(b"smtp; 550 5.1.1", b"smtp; 450 4.4.7")
    assert bounces.read_notice(expired, BOUNCE).kind == "delayed"
    success = base.replace(b"@@ID@@", b"42").replace(b"Action: failed", b"Action: delivered")
    reason = bounces.read_notice(success, BOUNCE).reason
    assert reason == "a delivery status report of action delivered: not a failure"
    arf = (DATA / "arf-abuse-complaint.eml").read_bytes().replace(b"@@ID@@", b"7")
    assert bounces.read_notice(arf, BOUNCE).delivery_ids == (7,)
    not_spam = bounces.read_notice(arf.replace(b"Feedback-Type: abuse", b"Feedback-Type: not-spam"), BOUNCE)
    assert not_spam.reason == "a feedback report of type 'not-spam': not a complaint"
    # RFC 6533: an internationalised DSN, UTF-8 in the fields.
    global_dsn = (
        "To: Bounces+9@B40.example.org\r\nContent-Type: multipart/report; report-type=delivery-status;"
        ' boundary="b"\r\n\r\n--b\r\nContent-Type: message/global-delivery-status\r\n\r\n'
        "Reporting-MTA: dns; mx.пример.бг\r\n\r\nFinal-Recipient: utf-8; иван@пример.бг\r\n"
        "Action: failed\r\nStatus: 5.2.2\r\n\r\n--b--\r\n"
    ).encode()
    notice = bounces.read_notice(global_dsn, BOUNCE)
    assert (notice.kind, notice.delivery_ids, notice.detail) == ("bounce", (9,), "failed 5.2.2 (for иван@пример.бг)")


def test_command_errors_are_clear(tmp_path):
    with pytest.raises(CommandError, match="no Maildir at"):
        run("--maildir", str(tmp_path / "missing"))
    with pytest.raises(CommandError, match="not an imap:// or imaps:// URL"):
        run("--imap", "pop3://user:secret@127.0.0.1/INBOX")
    with pytest.raises(CommandError, match="needs a user name"):
        run("--imap", "imaps://127.0.0.1/INBOX")
    with pytest.raises(CommandError, match="would send the password in the clear"):
        run("--imap", "imap://user:secret@mail.example.org/INBOX")


# -- IMAP, against Dovecot on 127.0.0.1 ----------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


class Dovecot:
    """Dovecot serving one user's Maildir on two free ports of 127.0.0.1 (IMAP, IMAPS)."""

    def __init__(self):
        binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
        assert os.path.exists(binary), "dovecot is not installed: scripts/bootstrap installs dovecot-imapd"
        self.base = Path(tempfile.mkdtemp(prefix="b40news-dovecot-"))
        self.base.chmod(0o755)  # the login process runs as another user when we are root
        me = pwd.getpwuid(os.getuid())
        # Dovecot refuses uid 0 for mail and for its login process: as root, use its own users.
        login, internal, mail = ("dovenull", "dovecot", "dovenull") if os.getuid() == 0 else (me.pw_name,) * 3
        self.mail_user = pwd.getpwnam(mail)
        self.maildir = self.base / "home" / "Maildir"
        self.port, self.tls_port = _free_port(), _free_port()
        self.cert, key = _self_signed(self.base)
        (self.base / "passwd").write_text("bounces:{PLAIN}s3cr@t::::::\n")
        conf = self.base / "dovecot.conf"
        conf.write_text(f"""
protocols = imap
listen = 127.0.0.1
base_dir = {self.base}/run
state_dir = {self.base}/state
log_path = {self.base}/log
default_internal_user = {internal}
default_internal_group = {grp.getgrgid(pwd.getpwnam(internal).pw_gid).gr_name}
default_login_user = {login}
first_valid_uid = {self.mail_user.pw_uid}
ssl = yes
ssl_cert = <{self.cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mail_location = maildir:{self.maildir}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.base}/passwd
}}
userdb {{
  driver = static
  args = uid={self.mail_user.pw_uid} gid={self.mail_user.pw_gid} home={self.base}/home
}}
service imap-login {{
  inet_listener imap {{
    port = {self.port}
  }}
  inet_listener imaps {{
    port = {self.tls_port}
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
""")
        self.maildir.parent.mkdir()
        self.box = mailbox.Maildir(self.maildir, create=True)
        self.process = subprocess.Popen([binary, "-F", "-c", str(conf)])
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    if sock.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.05)
        log = (self.base / "log").read_text(errors="replace") if (self.base / "log").exists() else ""
        self.stop()
        raise AssertionError(f"dovecot did not answer on 127.0.0.1:{self.port}: {log}")

    def deliver(self, raw: bytes) -> None:
        self.box.add(raw)
        for directory, _dirs, files in os.walk(self.base / "home"):
            for name in [directory, *(os.path.join(directory, f) for f in files)]:
                os.chown(name, self.mail_user.pw_uid, self.mail_user.pw_gid)

    def search(self, criterion: str) -> int:
        client = imaplib.IMAP4("127.0.0.1", self.port)
        client.login("bounces", "s3cr@t")
        client.select("INBOX", readonly=True)
        count = len(client.uid("SEARCH", None, criterion)[1][0].split())
        client.logout()
        return count

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(20)
        shutil.rmtree(self.base, ignore_errors=True)


@pytest.fixture
def dovecot():
    server = Dovecot()
    yield server
    server.stop()


def test_imap_folder_reports_are_processed_and_marked_seen(sent, dovecot, monkeypatch):
    for raw in reports(sent):
        dovecot.deliver(raw)
    assert dovecot.search("UNSEEN") == 5
    # imaps:// with the server's certificate trusted through SSL_CERT_FILE; %40 is "@".
    monkeypatch.setenv("SSL_CERT_FILE", str(dovecot.cert))
    output = run("--imap", f"imaps://bounces:s3cr%40t@127.0.0.1:{dovecot.tls_port}/INBOX")
    assert output.splitlines()[-1] == "bounced 2, complaints 1, delayed 1, ignored 1 (already recorded: 0)"
    assert "ignored imap uid" in output
    assert (dovecot.search("UNSEEN"), dovecot.search("SEEN")) == (0, 5)
    assert Delivery.objects.get(pk=sent["unknown"].pk).state == "bounced"
    assert Suppression.objects.get(email="maria@example.com").reason == "complaint"
    # Seen messages are not read again; a new one is (imap:// with STARTTLS, --folder given).
    before = snapshot()
    dovecot.deliver(fill("postfix-5.1.1-user-unknown.eml", sent["unknown"]))
    again = run("--imap", f"imap://bounces:s3cr%40t@127.0.0.1:{dovecot.port}?starttls=1", "--folder", "INBOX")
    assert again.strip() == "bounced 1, complaints 0, delayed 0, ignored 0 (already recorded: 1)"
    assert snapshot() == before and dovecot.search("UNSEEN") == 0
    with pytest.raises(CommandError, match="cannot read the bounces: .*certificate verify failed"):
        monkeypatch.delenv("SSL_CERT_FILE")
        run("--imap", f"imaps://bounces:s3cr%40t@127.0.0.1:{dovecot.tls_port}/INBOX")
    with pytest.raises(CommandError, match="(?i)authentication failed"):
        run("--imap", f"imap://bounces:wrong@127.0.0.1:{dovecot.port}/INBOX")
