"""TLS (STARTTLS on 587-style relays, implicit TLS for smtps://) and AUTH, against TestMTA."""

import datetime
import ipaddress
import ssl

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from b40news.delivery.smtp import SmtpConfigError, SmtpSession, SmtpSettings
from tests.delivery.messages import make_message, message_id
from tests.support.mta import TestMTA


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1: (cert file, key file)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "b40news test relay")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


@pytest.fixture
def server_context(certificate):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return context


@pytest.fixture
def client_context(certificate):
    return ssl.create_default_context(cafile=str(certificate[0]))


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"news", b"s3cr:t")
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd sends the 535


def send(session, n=1):
    return session.send(make_message(n), mail_from="bounces@b40.example", rcpt_to="reader@example.org")


def test_starttls_and_auth(server_context, client_context):
    with TestMTA(tls_context=server_context, require_starttls=True, authenticator=authenticator) as mta:
        settings = SmtpSettings.from_url(f"smtp://news:s3cr%3At@127.0.0.1:{mta.port}?starttls=1")
        with SmtpSession(settings, ssl_context=client_context) as session:
            results = [send(session, n) for n in range(3)]
        assert [r.outcome for r in results] == ["sent"] * 3
        assert session.connections == 1
        assert mta.message_ids() == {message_id(n): 1 for n in range(3)}


def test_implicit_tls(server_context, client_context):
    with TestMTA(ssl_context=server_context) as mta:
        assert mta.url.startswith("smtps://")
        with SmtpSession(SmtpSettings.from_url(mta.url), ssl_context=client_context) as session:
            assert send(session).outcome == "sent"
        assert mta.message_ids() == {message_id(1): 1}


def test_wrong_password_raises(server_context, client_context):
    with TestMTA(tls_context=server_context, authenticator=authenticator) as mta:
        settings = SmtpSettings.from_url(f"smtp://news:wrong@127.0.0.1:{mta.port}?starttls=1")
        with SmtpSession(settings, ssl_context=client_context) as session:
            with pytest.raises(SmtpConfigError, match="refused the credentials: 535"):
                send(session)
        assert mta.messages() == []


def test_starttls_required_but_not_offered_raises():
    with TestMTA() as mta:
        settings = SmtpSettings.from_url(f"smtp://127.0.0.1:{mta.port}?starttls=1")
        with SmtpSession(settings) as session, pytest.raises(SmtpConfigError, match="does not offer STARTTLS"):
            send(session)
        assert mta.messages() == []


def test_untrusted_certificate_raises(server_context):
    with TestMTA(tls_context=server_context) as mta:
        settings = SmtpSettings.from_url(f"smtp://127.0.0.1:{mta.port}?starttls=1")
        # The default context trusts the system's CAs only.
        with SmtpSession(settings) as session, pytest.raises(SmtpConfigError, match="certificate"):
            send(session)
        assert mta.messages() == []
