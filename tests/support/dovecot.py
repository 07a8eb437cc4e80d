"""Dovecot serving one user's Maildir over IMAP and IMAPS on free ports of 127.0.0.1.

    server = Dovecot()          # user "bounces", password "s3cr@t" (%40 in a URL)
    server.deliver(raw)         # a message into the INBOX
    server.search("UNSEEN")     # how many messages match
    server.url(tls=True)        # imaps://bounces:s3cr%40t@127.0.0.1:PORT/INBOX (trust server.cert)
    server.stop()

Its certificate is self-signed: a client trusts it through ``SSL_CERT_FILE``.
"""

from __future__ import annotations

import grp
import imaplib
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

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

__all__ = ["Dovecot"]


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

    def url(self, *, tls: bool = True) -> str:
        return (f"imaps://bounces:s3cr%40t@127.0.0.1:{self.tls_port}/INBOX" if tls
                else f"imap://bounces:s3cr%40t@127.0.0.1:{self.port}/INBOX")
