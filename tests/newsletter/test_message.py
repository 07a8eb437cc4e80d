from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.header import decode_header, make_header

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b40news.newsletter.message import (
    Envelope,
    HeaderInjection,
    build_message,
    make_message_id,
    verp_address,
)
from b40news.newsletter.render import Renderer, personalise

from .samples import RECIPIENT, TEMPLATES, newsletter

DATE = datetime(2026, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=2)))


def build(**changes):
    args = dict(
        subject="Стара Загора учествува на Петтиот самит на мрежата B40 во Загреб",
        html="<!doctype html><html lang=\"mk\"><body><p>Здраво</p></body></html>",
        text="Здраво,\nсамит.\n",
        language="mk",
        from_addr="news@b40.example.org",
        from_name="Стара Загора",
        to_addr="petar@example.org",
        message_id=make_message_id("release-17:subscriber-4", "b40.example.org"),
        list_id="B40 · Стара Загора <stara-zagora.list.b40.example.org>",
        unsubscribe_https="https://b40.example.org/u/k7Hq2",
        unsubscribe_mailto="unsubscribe+k7Hq2@b40.example.org",
        date=DATE,
        bounce_address="bounces@b40.example.org",
        verp_token="d4711.x9",
    )
    args.update(changes)
    return build_message(**args)


def parse(raw: bytes):
    return message_from_bytes(raw, policy=policy.default)


def test_headers_are_present_and_exact():
    raw, envelope = build()
    msg = parse(raw)
    assert str(msg["From"]) == "Стара Загора <news@b40.example.org>"
    assert str(msg["To"]) == "petar@example.org"
    assert str(msg["Subject"]) == "Стара Загора учествува на Петтиот самит на мрежата B40 во Загреб"
    assert msg["Date"].datetime == DATE
    assert str(msg["Date"]) == "Mon, 02 Mar 2026 09:30:00 +0200"
    assert msg["Message-ID"] == make_message_id("release-17:subscriber-4", "b40.example.org")
    assert msg["MIME-Version"] == "1.0"
    assert msg["Content-Language"] == "mk"
    assert str(msg["List-Id"]) == "B40 · Стара Загора <stara-zagora.list.b40.example.org>"
    assert re.sub(r"\s+", " ", str(msg["List-Unsubscribe"])) == (
        "<https://b40.example.org/u/k7Hq2>, <mailto:unsubscribe+k7Hq2@b40.example.org>"
    )
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Return-Path" not in msg  # the receiving MTA writes it from the envelope
    assert envelope == Envelope("bounces+d4711.x9@b40.example.org", "petar@example.org", False)


def test_subject_and_names_are_rfc2047_and_lines_short():
    raw, _ = build()
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert head.isascii()
    assert b"=?utf-8?b?" in head
    assert all(len(line) <= 78 for line in head.split(b"\r\n"))
    subject = re.search(rb"^Subject: (.*?)\r\n(?! )", head, re.M | re.S).group(1).decode()
    assert str(make_header(decode_header(subject))).replace(" ", "") == (
        "Стара Загора учествува на Петтиот самит на мрежата B40 во Загреб".replace(" ", "")
    )
    ascii_raw, _ = build(subject="Plain news", from_name="B40, Stara Zagora")
    assert b"\r\nSubject: Plain news\r\n" in ascii_raw
    assert b'From: "B40, Stara Zagora" <news@b40.example.org>' in ascii_raw


def test_multipart_alternative_text_first_and_bodies_round_trip():
    html, text = personalise(Renderer(TEMPLATES).render(newsletter("tr")), RECIPIENT)
    raw, _ = build(html=html, text=text, language="tr", subject="Eski Zağra")
    msg = parse(raw)
    assert msg.get_content_type() == "multipart/alternative"
    parts = list(msg.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in parts)
    # the CRLF before a boundary belongs to the boundary: compare without it
    assert parts[0].get_content().replace("\r\n", "\n").rstrip("\n") == text.rstrip("\n")
    assert parts[1].get_content().replace("\r\n", "\n").rstrip("\n") == html.rstrip("\n")
    assert "Eski Zağra" in parts[0].get_content() and "%%B40:" not in parts[1].get_content()
    assert msg.get_body(preferencelist=("plain",)) is parts[0]


def test_encoding_is_chosen_by_size():
    cyrillic, _ = build(text="Здравейте, " * 200)
    latin, _ = build(text="Merhaba, Eski Zağra haberleri. " * 50)
    assert parse(cyrillic).get_payload()[0]["Content-Transfer-Encoding"] == "base64"
    assert parse(latin).get_payload()[0]["Content-Transfer-Encoding"] == "quoted-printable"


def test_crlf_only_and_no_long_body_lines():
    raw, _ = build(text="line one\nline two\rline three\r\n" + "x" * 500)
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert b"\r" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 78 for line in raw.split(b"\r\n"))
    assert raw.endswith(b"--\r\n")


def test_message_id_is_deterministic_per_delivery():
    first = make_message_id("release-17:subscriber-4", "b40.example.org")
    assert first == make_message_id("release-17:subscriber-4", "b40.example.org")
    assert first != make_message_id("release-17:subscriber-5", "b40.example.org")
    assert re.fullmatch(r"<b40\.[a-z2-7]{32}@b40\.example\.org>", first)
    assert make_message_id("k", "пример.бг").endswith("@xn--e1afmkfd.xn--90ae>")
    assert build()[0] == build()[0]  # the whole message is reproducible


@pytest.mark.parametrize("field", [
    "subject", "from_name", "from_addr", "to_addr", "list_id", "unsubscribe_https",
    "unsubscribe_mailto", "bounce_address", "verp_token", "language",
])
@pytest.mark.parametrize("breaker", ["\r\nBcc: victim@example.org", "\nX-Evil: 1", "\r"])
def test_header_injection_is_refused(field, breaker):
    defaults = {"subject": "Hi", "from_name": "B40", "from_addr": "news@b40.example.org",
                "to_addr": "petar@example.org", "list_id": "L <l.b40.example.org>",
                "unsubscribe_https": "https://b40.example.org/u/1",
                "unsubscribe_mailto": "u@b40.example.org", "bounce_address": "bounces@b40.example.org",
                "verp_token": "d1", "language": "mk"}
    with pytest.raises(HeaderInjection):
        build(**{field: defaults[field] + breaker})
    assert issubclass(HeaderInjection, ValueError)


def test_extra_headers_are_checked():
    raw, _ = build(extra_headers={"Feedback-ID": "17:stara-zagora:newsletter:b40"})
    assert parse(raw)["Feedback-ID"] == "17:stara-zagora:newsletter:b40"
    with pytest.raises(HeaderInjection):
        build(extra_headers={"X-Note": "a\r\nBcc: x@example.org"})
    with pytest.raises(ValueError):
        build(extra_headers={"Subject": "second subject"})
    with pytest.raises(ValueError):
        build(extra_headers={"Bad Name": "x"})


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError):
        build(date=datetime(2026, 3, 2, 9, 30))  # naive
    with pytest.raises(ValueError):
        build(message_id="no-angle-brackets@b40.example.org")
    with pytest.raises(ValueError):
        build(unsubscribe_https="ftp://b40.example.org/u/1")
    with pytest.raises(ValueError):
        build(to_addr="not an address")
    with pytest.raises(ValueError):
        build(verp_token="a+b@c")


def test_one_click_only_for_https():
    msg = parse(build(unsubscribe_https="http://localhost:8000/unsubscribe/1:x/")[0])
    assert "<http://localhost:8000/unsubscribe/1:x/>" in str(msg["List-Unsubscribe"])
    assert "List-Unsubscribe-Post" not in msg  # RFC 8058 one-click needs https


def test_test_domains_build():
    raw, envelope = build(to_addr="ana@b40.test", bounce_address="bounces@b40.example")
    assert envelope.rcpt_to == "ana@b40.test" and envelope.mail_from == "bounces+d4711.x9@b40.example"


def test_non_list_mail_has_no_list_headers():
    raw, _ = build(list_id=None, unsubscribe_https=None, unsubscribe_mailto=None)
    msg = parse(raw)
    assert "List-Id" not in msg and "List-Unsubscribe" not in msg
    assert "List-Unsubscribe-Post" not in msg


def test_non_ascii_local_part_needs_smtputf8():
    raw, envelope = build(to_addr="петар@пример.бг")
    assert envelope.smtputf8 is True
    assert envelope.rcpt_to == "петар@xn--e1afmkfd.xn--90ae"
    assert envelope.mail_from.isascii()
    assert "To: петар@пример.бг\r\n".encode() in raw
    assert str(parse(raw)["To"]) == "петар@пример.бг"


def test_idn_domain_goes_as_punycode_without_smtputf8():
    raw, envelope = build(to_addr="petar@пример.бг")
    assert envelope == Envelope("bounces+d4711.x9@b40.example.org", "petar@xn--e1afmkfd.xn--90ae", False)
    assert raw.isascii()
    assert b"To: petar@xn--e1afmkfd.xn--90ae\r\n" in raw


def test_verp_address():
    assert verp_address("bounces@b40.example.org", "d17.3") == "bounces+d17.3@b40.example.org"
    with pytest.raises(ValueError):
        verp_address("bounces@b40.example.org", "x" * 60)



# -- the per-recipient fast paths write what the plain stdlib code wrote ----------


def _reference_part(subtype: str, content: str) -> bytes:
    """_part as first written (stdlib base64, QP always tried): the output to keep."""
    import base64
    import binascii

    data = content.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n").encode("utf-8")
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    qp = binascii.b2a_qp(data, quotetabs=False, istext=True, header=False)
    if len(qp) <= len(data) * 4 // 3 + len(data) // 38:
        cte, encoded = "quoted-printable", qp
    else:
        cte, encoded = "base64", base64.encodebytes(data).replace(b"\n", b"\r\n")
    return (f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
            f"Content-Transfer-Encoding: {cte}\r\n\r\n").encode("ascii") + encoded


_PIECES = st.lists(st.one_of(
    st.sampled_from(["\n", "\r\n", "\r", " ", "\t", "=", ".", "ж" * 30, "a" * 80, "€", "𝄞"]),
    st.text(max_size=30),
), max_size=60).map("".join)


@settings(max_examples=300, deadline=None)
@given(content=_PIECES, subtype=st.sampled_from(["plain", "html"]))
def test_body_parts_are_byte_identical_to_the_reference(content, subtype):
    from b40news.newsletter.message import _part

    assert _part(subtype, content) == _reference_part(subtype, content)


@pytest.mark.parametrize("language", ["bg", "el", "en", "tr"])
def test_rendered_parts_are_byte_identical_to_the_reference(renderer, language):
    from b40news.newsletter.message import _part

    html, text = personalise(renderer.render(newsletter(language)), RECIPIENT)
    assert _part("html", html) == _reference_part("html", html)
    assert _part("plain", text) == _reference_part("plain", text)


def _cte(part: bytes) -> bytes:
    return part.split(b"\r\n")[1]


@settings(max_examples=600, deadline=None)
@given(start=_PIECES, rest=_PIECES, subtype=st.sampled_from(["plain", "html"]))
def test_a_shared_start_encodes_as_the_whole_text_would(start, rest, subtype):
    """A start encoded once and a rest per message: the same bytes as the whole
    text, whenever the start alone picks the transfer encoding the whole would
    (long lines cut at a soft break, Cyrillic at a 57-byte boundary)."""
    from b40news.newsletter.message import Shared, _part

    whole, shared = _part(subtype, start + rest), _part(subtype, Shared(start, rest))
    if _cte(whole) == _cte(shared):
        assert shared == whole
    else:  # another encoding, the same text
        decoded = message_from_bytes(b"Content-Type: text/plain; charset=utf-8\r\n" + shared.split(b"\r\n", 1)[1],
                                     policy=policy.default).get_content()
        assert decoded.replace("\r\n", "\n") == _reference_text(start + rest)


def _reference_text(content: str) -> str:
    text = content.replace("\r\n", "\n").replace("\r", "\n")
    return text if text.endswith("\n") else text + "\n"


@pytest.mark.parametrize("language", ["bg", "el", "en", "tr"])
def test_rendered_shared_starts_encode_as_the_whole(renderer, language):
    """The newsletter's own parts: HTML is mostly one long line, cut at a soft break."""
    from b40news.newsletter.message import Shared, _encoded_start, _part
    from b40news.newsletter.render import personaliser

    fill = personaliser(renderer.render(newsletter(language)), {"fallback_notice": ""})
    own = {name: value for name, value in RECIPIENT.items() if name != "fallback_notice"}
    html, text = fill(own)
    assert isinstance(html, Shared)
    for subtype, part in (("html", html), ("plain", text)):
        assert _part(subtype, part) == _reference_part(subtype, str(part))
        _, encoded, left = _encoded_start(part.start)
        assert len(left) < 100 and len(encoded) > len(part.start) // 2  # nearly all of the start encoded once


_HEADER_TEXT = st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\0")  # what a header may hold


@settings(max_examples=300, deadline=None)
@given(text=_PIECES, html=_PIECES, subject=st.text(alphabet=_HEADER_TEXT, max_size=200),
       name=st.text(alphabet=_HEADER_TEXT, max_size=80))
def test_built_messages_are_in_wire_form_as_their_type_says(rsa_pem, text, html, subject, name):
    """A `Wire` skips the CRLF scan before signing and sending: what the builder
    (and the signer) mark so must have CRLF line ends only, the last included."""
    from b40news.newsletter.dkim import DkimSigner
    from b40news.newsletter.message import Shared, Wire, is_crlf

    signer = DkimSigner("b40", "b40.example.org", rsa_pem)
    for parts in ({"text": text, "html": html},  # whole texts, and texts whose start is shared
                  {"text": Shared(text, html), "html": Shared(html, text + "%")}):
        raw, _ = build(subject=subject, from_name=name, **parts)
        assert isinstance(raw, Wire) and is_crlf(bytes(raw)) and raw.endswith(b"\r\n")
        signed = signer.sign(raw)
        assert isinstance(signed, Wire) and is_crlf(bytes(signed)) and signed.endswith(bytes(raw))
