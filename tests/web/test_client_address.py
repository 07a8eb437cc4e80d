"""The client's address behind a counted number of trusted proxies (rightmost minus N)."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from b40news.web.client import client_ip, client_key, forwarded_client


@pytest.mark.parametrize("remote, header, trusted, expected", [
    ("192.0.2.7", "", 0, "192.0.2.7"),
    ("192.0.2.7", "203.0.113.9", 0, "192.0.2.7"),  # no trusted proxy: the header is the client's own words
    ("10.0.0.1", "203.0.113.9", 1, "203.0.113.9"),
    ("10.0.0.1", "198.51.100.1, 203.0.113.9", 1, "203.0.113.9"),  # the client's claim is to the left
    ("10.0.0.2", "198.51.100.1, 203.0.113.9, 10.0.0.1", 2, "203.0.113.9"),
    ("10.0.0.2", "203.0.113.9", 2, "203.0.113.9"),  # fewer hops than proxies: the leftmost a proxy wrote
    ("10.0.0.1", "", 1, "10.0.0.1"),  # reached directly, past the proxy
    ("10.0.0.1", "unknown", 1, "10.0.0.1"),  # unreadable: the proxy's address, never a fresh identity
    ("10.0.0.1", "203.0.113.9:51234", 1, "203.0.113.9"),
    ("10.0.0.1", "[2001:db8::1]:443", 1, "2001:db8::1"),
    ("10.0.0.1", "2001:DB8::1", 1, "2001:db8::1"),
    ("", "", 0, None),
])
def test_forwarded_client(remote, header, trusted, expected):
    assert forwarded_client(remote, header, trusted) == expected


def test_the_request_helper_reads_the_setting(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    settings.TRUSTED_PROXIES = 0
    assert client_ip(request) == "10.0.0.1"
    settings.TRUSTED_PROXIES = 1
    assert client_ip(request) == "203.0.113.9"


def test_rate_limit_keys_group_ipv6_by_64():
    assert client_key("2001:db8:1:2::1") == client_key("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert client_key("2001:db8:1:3::1") != client_key("2001:db8:1:2::1")
    assert client_key("::ffff:192.0.2.7") == client_key("192.0.2.7") == "192.0.2.7"
    assert client_key(None) == "unknown"
