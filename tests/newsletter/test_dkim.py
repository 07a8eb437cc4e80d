"""DKIM signing: every signed message here is checked by dkimpy's verifier
(``dkim.verify`` with a DNS stub), one test also by OpenDKIM, and a property
test throws random bodies and MIME parts at the signer."""

from __future__ import annotations

import base64
import hashlib
import quopri
import re
import time
from datetime import datetime, timezone

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b40news.delivery.smtp import _wire_data
from b40news.newsletter.dkim import DkimError, DkimSigner, wire_form
from b40news.newsletter.message import build_message, make_message_id
from b40news.newsletter.render import CityBrand, Renderer, personalise
from tests.support import opendkim

from .samples import LANGUAGES, RECIPIENT, TEMPLATES, newsletter

DOMAIN = "b40.example.org"


def build(language: str = "el", *, to: str = "eleni@example.org", rendered=None, **changes) -> bytes:
    rendered = rendered or Renderer(TEMPLATES).render(newsletter(language))
    fields = dict(
        subject=rendered.subject, language=language,
        from_addr=f"news@{DOMAIN}", from_name="Στάρα Ζαγόρα", to_addr=to,
        message_id=make_message_id("17:9", DOMAIN),
        list_id="B40 · Στάρα Ζαγόρα <stara-zagora.list.b40.example.org>",
        unsubscribe_https="https://b40.example.org/u/k7Hq2",
        unsubscribe_mailto="unsubscribe+k7Hq2@b40.example.org",
        date=datetime(2026, 3, 2, 7, 30, tzinfo=timezone.utc),
        bounce_address=f"bounces@{DOMAIN}", verp_token="d9",
    )
    fields.update(changes)
    if "html" not in fields:
        fields["html"], fields["text"] = personalise(rendered, RECIPIENT)
    raw, _ = build_message(**fields)
    return raw


@pytest.fixture(scope="module")
def message() -> bytes:
    return build()


@pytest.fixture(scope="session")
def ed25519_pem() -> bytes:
    return ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@pytest.fixture(scope="module")
def signer(rsa_pem) -> DkimSigner:
    return DkimSigner("b40", DOMAIN, rsa_pem)


@pytest.fixture(scope="module")
def dual(rsa_pem, ed25519_pem) -> DkimSigner:
    return DkimSigner("b40", DOMAIN, rsa_pem, ed25519_selector="b40ed", ed25519_pem=ed25519_pem)


def dns_for(signer: DkimSigner):
    records = {f"{name}.".encode("ascii"): value.encode("ascii") for name, value in signer.dns_records().items()}

    def dnsfunc(name, timeout=5):
        return records.get(name)

    return dnsfunc


def signatures(signed: bytes) -> list[dict[str, str]]:
    """The tags of each DKIM-Signature, top first."""
    found = []
    for header in re.findall(rb"^DKIM-Signature: (.*?)\r\n(?![ \t])", signed, re.S | re.M):
        unfolded = re.sub(r"\s+", "", header.decode())
        found.append(dict(tag.split("=", 1) for tag in unfolded.split(";") if tag))
    return found


def verified(signed: bytes, signer: DkimSigner) -> bool:
    """dkimpy accepts every DKIM-Signature of ``signed`` (Ed25519 needs PyNaCl)."""
    count = len(signatures(signed))
    assert count == (2 if signer.ed25519_key else 1)
    for index, tags in enumerate(signatures(signed)):
        if tags["a"] == "ed25519-sha256":
            import nacl  # noqa: F401 (dkimpy verifies Ed25519 only with PyNaCl: the test extras install it)
        if not dkim.DKIM(signed).verify(idx=index, dnsfunc=dns_for(signer)):
            return False
    return True


# -- the messages build_message makes -------------------------------------------


def test_signature_verifies_with_dkimpy(signer, message):
    signed = signer.sign(message)
    assert signed.endswith(message)
    assert dkim.verify(signed, dnsfunc=dns_for(signer)) is True


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_verifies(signer, renderer, language):
    assert verified(signer.sign(build(language, rendered=renderer.render(newsletter(language)))), signer)


def test_confirmation_mail_without_list_headers_verifies(signer, renderer):
    rendered = renderer.render_confirmation("mk", "B40 · Стара Загора", CityBrand("sz", "Стара Загора", "#0a7d3b", ""))
    html, text = personalise(rendered, {"confirm_url": "https://b40.example.org/c/1", "recipient_email": "a@b.example"})
    raw = build(
        "mk", rendered=rendered, html=html, text=text, list_id=None, unsubscribe_https=None,
        unsubscribe_mailto=None,
    )
    assert b"List-Id" not in raw
    signed = signer.sign(raw)
    assert verified(signed, signer)
    # Signed as absent: a List-Id added later breaks the signature.
    added = signed.replace(b"\r\nMIME-Version", b"\r\nList-Id: <x.example>\r\nMIME-Version", 1)
    assert dkim.verify(added, dnsfunc=dns_for(signer)) is False


def test_signature_covers_the_list_headers(signer, message):
    (tags,) = signatures(signer.sign(message))
    signed_headers = tags["h"].split(":")
    for name in ("from", "to", "subject", "date", "message-id", "list-id", "list-unsubscribe",
                 "list-unsubscribe-post", "mime-version", "content-type"):
        assert name in signed_headers, name
    assert signed_headers.count("list-unsubscribe-post") == 2  # oversigned: no second copy
    assert tags["c"] == "relaxed/relaxed" and tags["a"] == "rsa-sha256"
    assert tags["d"] == DOMAIN and tags["s"] == "b40"
    assert abs(int(tags["t"]) - time.time()) < 60


def test_same_hashes_as_dkimpy_signing_the_same_message(signer, rsa_pem, message):
    ours = signatures(signer.sign(message))[0]
    theirs = signatures(dkim.sign(
        message, b"b40", DOMAIN.encode(), rsa_pem, canonicalize=(b"relaxed", b"relaxed"),
        include_headers=[name.encode() for name in signer.include_headers], linesep=b"\r\n",
    ))[0]
    assert ours["bh"] == theirs["bh"]
    assert ours["h"] == theirs["h"]


def test_header_lines_are_folded_short(dual, message):
    head = dual.signature(message)
    assert all(len(line) <= 78 for line in head.split(b"\r\n"))
    assert head.endswith(b"\r\n") and head.count(b"DKIM-Signature:") == 2


def test_smtputf8_message_signs_and_verifies(signer):
    raw, envelope = build_message(
        subject="Νέα", html="<p>Γεια</p>", text="Γεια", language="el",
        from_addr=f"news@{DOMAIN}", from_name="Στάρα Ζαγόρα", to_addr="ελένη@παράδειγμα.gr",
        message_id=make_message_id("17:10", DOMAIN), list_id="<l.b40.example.org>",
        unsubscribe_https="https://b40.example.org/u/1", unsubscribe_mailto=None,
        date=datetime(2026, 3, 2, 7, 30, tzinfo=timezone.utc),
        bounce_address=f"bounces@{DOMAIN}", verp_token="d10",
    )
    assert envelope.smtputf8 and not raw.isascii()
    assert verified(signer.sign(raw), signer)


def test_tampering_breaks_the_signature(signer, message):
    signed = signer.sign(message)
    dns = dns_for(signer)
    changed_link = signed.replace(b"List-Unsubscribe-Post: List-Unsubscribe=One-Click",
                                  b"List-Unsubscribe-Post: List-Unsubscribe=One-Clack")
    assert dkim.verify(changed_link, dnsfunc=dns) is False
    added = signed.replace(b"\r\nMIME-Version", b"\r\nList-Unsubscribe: <https://evil.example/>\r\nMIME-Version", 1)
    assert dkim.verify(added, dnsfunc=dns) is False
    body = signed.replace(b"--\r\n", b"--\r\nextra\r\n", 1)
    assert dkim.verify(body, dnsfunc=dns) is False


def test_relaxed_survives_rewhitespacing_in_transit(signer, message):
    signed = signer.sign(message)
    refolded = signed.replace(b"\r\nMIME-Version: 1.0", b"\r\nMIME-Version:\t 1.0 ", 1)
    assert dkim.verify(refolded, dnsfunc=dns_for(signer)) is True


@pytest.mark.parametrize("canonicalize", [("simple", "simple"), ("relaxed", "simple"), ("simple", "relaxed")])
def test_simple_canonicalization(rsa_pem, message, canonicalize):
    signer = DkimSigner("b40", DOMAIN, rsa_pem, canonicalize=canonicalize)
    signed = signer.sign(message)
    assert signatures(signed)[0]["c"] == "/".join(canonicalize)
    assert verified(signed, signer)


def test_signed_as_it_goes_on_the_wire(signer):
    raw = b"From: a@b40.example.org\nSubject: bare LF\n\nline one  \r\nline two\rlast line without end"
    signed = signer.sign(raw)
    assert signed.endswith(wire_form(raw)) and wire_form(raw).endswith(b"last line without end\r\n")
    assert _wire_data(signed) == signed  # what SMTP sends is what was signed
    assert verified(signed, signer)


def test_extra_headers_are_signed(rsa_pem, message):
    signer = DkimSigner("b40", DOMAIN, rsa_pem, extra_headers=["Feedback-ID"])
    with_header = message.replace(b"MIME-Version:", b"Feedback-ID: 17:b40:news\r\nMIME-Version:", 1)
    signed = signer.sign(with_header)
    assert "feedback-id" in signatures(signed)[0]["h"].split(":")
    assert verified(signed, signer)
    assert dkim.verify(signed.replace(b"17:b40:news", b"18:b40:news"), dnsfunc=dns_for(signer)) is False


# -- Ed25519 beside RSA (RFC 8463) ------------------------------------------------


def test_ed25519_beside_rsa(dual, message):
    signed = dual.sign(message)
    rsa_tags, ed_tags = signatures(signed)
    assert (rsa_tags["a"], rsa_tags["s"]) == ("rsa-sha256", "b40")
    assert (ed_tags["a"], ed_tags["s"]) == ("ed25519-sha256", "b40ed")
    assert rsa_tags["bh"] == ed_tags["bh"] and rsa_tags["t"] == ed_tags["t"]
    assert len(base64.b64decode(ed_tags["b"])) == 64
    records = dual.dns_records()
    assert records[f"b40ed._domainkey.{DOMAIN}"].startswith("v=DKIM1; k=ed25519; p=")
    assert records[f"b40._domainkey.{DOMAIN}"] == dual.dns_txt()
    assert dkim.verify(signed, dnsfunc=dns_for(dual)) is True  # the RSA one, on top
    assert verified(signed, dual)


def test_ed25519_signature_checks_out_with_the_public_key(dual, message):
    """RFC 8463 §3 by hand: Ed25519 over the SHA-256 of the header hash input."""
    signed = dual.sign(message)
    record = dual.dns_records()[f"b40ed._domainkey.{DOMAIN}"]
    public = ed25519.Ed25519PublicKey.from_public_bytes(base64.b64decode(record.rpartition("p=")[2]))
    d = dkim.DKIM(signed)
    sig_headers = [(n, v) for n, v in d.headers if n.lower() == b"dkim-signature"]
    fields = dkim.parse_tag_value(sig_headers[1][1])
    policy = dkim.CanonicalizationPolicy.from_c_value(fields[b"c"])
    hasher = hashlib.sha256()
    dkim.hash_headers(hasher, policy, policy.canonicalize_headers(d.headers),
                      [h.strip() for h in fields[b"h"].split(b":")], sig_headers[1], fields)
    public.verify(base64.b64decode(re.sub(rb"\s+", b"", fields[b"b"])), hasher.digest())  # raises if wrong


# -- a second, independent verifier -------------------------------------------------


def test_opendkim_verifies_rsa_and_ed25519(dual, message):
    why = opendkim.unavailable()
    assert not why, why  # scripts/bootstrap installs opendkim-tools: a missing verifier is a setup error
    signed = dual.sign(message)
    rsa_header, ed_header = re.findall(rb"DKIM-Signature: .*?\r\n(?![ \t])", signed, re.S)
    records = dual.dns_records()
    for one in (rsa_header, ed_header):
        alone = signed.replace(ed_header if one is rsa_header else rsa_header, b"", 1)
        assert opendkim.verify(alone, records) == (True, ""), one[:60]
    ok, said = opendkim.verify(signed.replace(b"One-Click", b"One-Clack"), records)
    assert not ok and "Bad signature" in said
    utf8 = dual.sign(build(to="ελένη@παράδειγμα.gr"))
    assert opendkim.verify(utf8.replace(re.findall(rb"DKIM-Signature: .*?\r\n(?![ \t])", utf8, re.S)[1], b""),
                           records) == (True, "")


# -- random bodies -------------------------------------------------------------------

_TEXT = st.lists(
    st.one_of(
        st.sampled_from([" ", "\t", "  ", " \t ", "\n", "\r\n", "\r", "\n\n\n", ".", "..", "From ", "="]),
        st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40),
    ),
    max_size=40,
).map("".join)
_LONG_LINE = st.integers(min_value=0, max_value=1200).map(lambda n: "ж" * (n // 2) + "x" * n)


def _part(text: str, encoding: str) -> bytes:
    data = text.encode("utf-8")
    if encoding == "base64":
        body = base64.encodebytes(data)
    elif encoding == "quoted-printable":
        body = quopri.encodestring(data)
    else:  # 8bit, raw: trailing blanks, bare CR and LF, empty lines and all
        body = data
    return (f"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: {encoding}\r\n\r\n"
            .encode("ascii") + body)


@st.composite
def messages(draw) -> bytes:
    subject = draw(st.sampled_from([" plain", "  two  blanks ", "\t tab", " folded\r\n  line"]))
    head = (
        "From: =?utf-8?b?0KHRgtCw0YDQsCDQl9Cw0LPQvtGA0LA=?= <news@b40.example.org>\r\n"
        f"To: {draw(st.sampled_from(['reader@example.org', 'ок@пример.бг']))}\r\n"
        f"Subject:{subject}\r\n"
        "Date: Mon, 02 Mar 2026 07:30:00 +0000\r\nMessage-ID: <p@b40.example.org>\r\nMIME-Version: 1.0\r\n"
    )
    parts = draw(st.lists(st.tuples(st.one_of(_TEXT, _LONG_LINE),
                                    st.sampled_from(["8bit", "quoted-printable", "base64"])),
                          min_size=0, max_size=3))
    tail = draw(st.sampled_from(["", "\r\n", "\r\n\r\n\r\n", " \t\r\n\r\n", "\n\n", "  "]))
    if not parts:
        return (head + "Content-Type: text/plain; charset=utf-8\r\n\r\n").encode() + draw(_TEXT).encode() + tail.encode()
    boundary = "b40-boundary"
    body = b"".join(b"--" + boundary.encode() + b"\r\n" + _part(text, cte) + b"\r\n" for text, cte in parts)
    return (head + f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n').encode() + body + \
        f"--{boundary}--{tail}".encode()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=messages(), canonicalize=st.sampled_from([("relaxed", "relaxed"), ("relaxed", "simple"),
                                                     ("simple", "simple"), ("simple", "relaxed")]))
def test_dkimpy_verifies_random_messages(rsa_pem, raw, canonicalize):
    signer = DkimSigner("b40", DOMAIN, rsa_pem, canonicalize=canonicalize)
    signed = signer.sign(raw)
    assert signed.endswith(wire_form(raw))
    assert dkim.verify(signed, dnsfunc=dns_for(signer)) is True
    # ... and dkimpy's canonical body of the same bytes hashes to our bh=
    body = dkim.rfc822_parse(wire_form(raw))[1]
    policy = dkim.CanonicalizationPolicy.from_c_value("/".join(canonicalize).encode())
    expected = base64.b64encode(hashlib.sha256(policy.canonicalize_body(body)).digest()).decode()
    assert signatures(signed)[0]["bh"] == expected


@settings(max_examples=40, deadline=None)
@given(text=st.one_of(_TEXT, _LONG_LINE), html=_TEXT)
def test_dkimpy_verifies_built_messages_of_random_text(signer, text, html):
    raw = build(html=html, text=text)
    assert dkim.verify(signer.sign(raw), dnsfunc=dns_for(signer)) is True


# -- keys and settings ------------------------------------------------------------------



def test_bad_keys_and_settings_are_refused(rsa_pem, ed25519_pem):
    with pytest.raises(DkimError):
        DkimSigner("b40", DOMAIN, b"not a key")
    ec_key = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    with pytest.raises(DkimError):
        DkimSigner("b40", DOMAIN, ec_key)
    with pytest.raises(DkimError, match="Ed25519"):
        DkimSigner("b40", DOMAIN, ed25519_pem)  # RSA first; Ed25519 goes beside it
    with pytest.raises(DkimError, match="selector"):
        DkimSigner("b40", DOMAIN, rsa_pem, ed25519_pem=ed25519_pem)
    with pytest.raises(DkimError, match="not an Ed25519"):
        DkimSigner("b40", DOMAIN, rsa_pem, ed25519_selector="e", ed25519_pem=rsa_pem)
    with pytest.raises(DkimError, match="selector"):  # an empty one, not s=None in every signature
        DkimSigner("b40", DOMAIN, rsa_pem, ed25519_selector="", ed25519_pem=ed25519_pem)
    with pytest.raises(DkimError, match="selector"):
        DkimSigner("b40; x=y", DOMAIN, rsa_pem)
    with pytest.raises(DkimError, match="canonicalization"):
        DkimSigner("b40", DOMAIN, rsa_pem, canonicalize=("relaxed", "nowsp"))
    with pytest.raises(DkimError, match="header name"):
        DkimSigner("b40", DOMAIN, rsa_pem, extra_headers=["DKIM-Signature"])


@settings(max_examples=300, deadline=None)
@given(raw=st.lists(st.sampled_from([b"\r", b"\n", b"\r\n", b"a", b" ", b"\t", b".", b"\xd0\xb6"]), max_size=40)
       .map(b"".join))
def test_wire_form_is_the_regex_rule(raw):
    expected = re.sub(rb"\r\n|\r|\n", b"\r\n", raw)
    expected = expected if expected.endswith(b"\r\n") else expected + b"\r\n"
    assert wire_form(raw) == expected
