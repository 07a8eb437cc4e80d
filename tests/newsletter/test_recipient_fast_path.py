"""The recipient check's fast path: whatever it accepts, email_validator accepts
and returns unchanged, and ``_recipient`` as a whole answers exactly what the
full check alone answers (the same result, or the same ValueError)."""

from __future__ import annotations

import pytest
from email_validator import validate_email
from hypothesis import example, given, settings
from hypothesis import strategies as st

from b40news.newsletter import message
from b40news.newsletter.message import (
    _SYNTAX_ONLY,
    _is_plain_address,
    _Recipient,
    _recipient,
    _validated_recipient,
)

ATEXT = "abcXYZ0189!#$%&'*+/=?^_`{|}~-"
SPECIAL_TLDS = ["local", "test", "invalid", "localhost", "onion", "arpa"]
# 64 + 1 + 189 = 254, the longest address there is; one more is too long.
LONGEST = "l" * 64 + "@" + "a" * 63 + "." + "b" * 63 + "." + "c" * 57 + ".org"
TOO_LONG = "l" * 64 + "@" + "a" * 63 + "." + "b" * 63 + "." + "c" * 58 + ".org"

# Anything at all, from pieces of addresses and the characters that trip them up.
_PIECES = [
    *ATEXT, ".", "@", "@", "-", " ", '"', "\\", "[", "]", "(", "<", ">", ",", ";", ":",
    "é", "ж", "ß", "İ", "\u0301", "\u200b", "＠", "。", "Ａ", "\n",
    "example", "Example", "org", "ORG", "bg", ".com", "xn--", "xn--p1ai", "ab--c", "--",
    "info", "Postmaster", "a" * 63, "b" * 64, *("." + tld for tld in SPECIAL_TLDS),
]
_ANYTHING = st.lists(st.sampled_from(_PIECES), max_size=14).map("".join)

# Mostly address-shaped, with the near misses the fast path has to refuse.
_LOCAL = st.lists(
    st.one_of(
        st.text(alphabet=ATEXT, min_size=1, max_size=10),
        st.text(alphabet=ATEXT + ".é\"@ ", min_size=0, max_size=6),
        st.sampled_from(["info", "INFO", "Postmaster", "www", "l" * 64, "l" * 65]),
    ),
    min_size=1, max_size=4,
).map(".".join)
_LABEL = st.one_of(
    st.text(alphabet="abz09-", min_size=1, max_size=10),
    st.text(alphabet="abzAZ09-_é.", min_size=0, max_size=6),
    st.sampled_from(["a" * 63, "a" * 64, "xn--p1ai", "xn--bad", "ab--cd", "a--b", "-a", "a-"]),
)
_TLD = st.sampled_from(["org", "com", "bg", "io", "COM", "x1", "1", "a", "рф", "xn--p1ai", "a" * 63,
                        *SPECIAL_TLDS, "tEst", "mytest"])
_SHAPED = st.builds(
    lambda local, labels, tld: local + "@" + ".".join([*labels, tld]),
    _LOCAL, st.lists(_LABEL, max_size=4), _TLD,
)
# Mostly ones the fast path takes.
_PLAIN = st.builds(
    lambda local, labels, tld: ".".join(local) + "@" + ".".join([*labels, tld]),
    st.lists(st.text(alphabet=ATEXT, min_size=1, max_size=12), min_size=1, max_size=3),
    st.lists(st.text(alphabet="abz09-", min_size=1, max_size=12), min_size=1, max_size=3),
    st.sampled_from(["org", "com", "bg", "io"]),
)
ADDRESSES = st.one_of(_ANYTHING, _SHAPED, _PLAIN)


def outcome(check, address: str):
    try:
        return check(address)
    except ValueError as exc:
        return type(exc), str(exc)


@settings(max_examples=2000)
@given(address=ADDRESSES)
@example(address="maria.petrova+news@example.org")
@example(address="o'brien!#$%&*/=?^_`{|}~-@mail-1.example.co.uk")
@example(address="info@example.org")
@example(address=LONGEST)
@example(address=TOO_LONG)
@example(address="Ana@Example.ORG")
@example(address="POSTMASTER@example.org")
@example(address="ana@xn--e1afmkfd.xn--90ae")
@example(address="ana@b40.test")
@example(address="ana@b40.local")
@example(address="ana@ab--cd.org")
def test_fast_path_agrees_with_the_full_check(address):
    if _is_plain_address(address):
        valid = validate_email(address, allow_smtputf8=True, **_SYNTAX_ONLY)  # raises if not valid
        assert (valid.normalized, valid.ascii_email, valid.smtputf8) == (address, address, False)
        assert _validated_recipient(address) == _Recipient(address, address, False)
    assert outcome(_recipient, address) == outcome(_validated_recipient, address)


@pytest.mark.parametrize("address", [
    "maria.petrova+news@example.org",
    "Ivan_Ivanov@mail.b40.example.bg",
    "info@stara-zagora.bg",
    LONGEST,
])
def test_typical_addresses_skip_email_validator(address, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("validate_email called for a plain address")

    monkeypatch.setattr(message, "validate_email", refuse)
    assert _is_plain_address(address)
    assert _recipient(address) == _Recipient(address, address, False)


def test_upper_case_domain_takes_the_full_check_and_comes_out_lower_case():
    assert not _is_plain_address("Ana.Petrova@Example.ORG")
    assert _recipient("Ana.Petrova@Example.ORG") == _Recipient(
        "Ana.Petrova@example.org", "Ana.Petrova@example.org", False
    )


def test_role_names_in_capitals_take_the_full_check_and_come_out_lower_case():
    assert not _is_plain_address("Postmaster@example.org")
    assert _recipient("Postmaster@example.org").envelope == "postmaster@example.org"


def test_too_long_is_refused():
    assert len(TOO_LONG) == 255 and not _is_plain_address(TOO_LONG)
    with pytest.raises(ValueError, match="too long"):
        _recipient(TOO_LONG)


@pytest.mark.parametrize("address, envelope", [
    ("ana@b40.test", "ana@b40.test"),  # allowed in a test environment, by email_validator
    ("petar@пример.бг", "petar@xn--e1afmkfd.xn--90ae"),
    ("l" * 65 + "@example.org", "l" * 65 + "@example.org"),  # over 64, still accepted
    ("ana@example", "ana@example"),  # no dot: fine when not globally_deliverable
])
def test_others_take_the_full_check(address, envelope):
    assert not _is_plain_address(address)
    assert _recipient(address).envelope == envelope


@pytest.mark.parametrize("address", ["ana@b40.local", "ana@x.onion", "a..b@example.org", "ana@-b.org"])
def test_bad_addresses_are_refused(address):
    assert not _is_plain_address(address)
    with pytest.raises(ValueError, match="^to_addr: "):
        _recipient(address)
