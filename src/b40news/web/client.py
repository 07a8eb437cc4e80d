"""The client's own address, seen through a known number of trusted proxies.

Behind a proxy every request comes from the proxy: ``REMOTE_ADDR`` is its
address, and the client's is in ``X-Forwarded-For``, which each proxy extends
with the address it was connected from. Only the entries the trusted proxies
appended can be believed; everything to their left is whatever the client
chose to send. With ``B40NEWS_TRUSTED_PROXIES=N`` (``settings.TRUSTED_PROXIES``)
the client is therefore the N-th entry from the right; with ``0`` (the
default: clients connect directly) the header is ignored and ``REMOTE_ADDR``
is the client.

Login throttling (django-axes, ``AXES_CLIENT_IP_CALLABLE``), the public
form's rate limits and the consent records all call ``client_ip``: one
answer to "who is this" everywhere.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    """The client's address as text (``"192.0.2.7"``, ``"2001:db8::1"``), or None when unknown."""
    return forwarded_client(
        request.META.get("REMOTE_ADDR", ""),
        request.META.get("HTTP_X_FORWARDED_FOR", ""),
        settings.TRUSTED_PROXIES,
    )


def forwarded_client(remote_addr: str, forwarded_for: str, trusted_proxies: int) -> str | None:
    """The rightmost-minus-N rule as a pure function (see the module's text).

    When the header holds fewer entries than there are trusted proxies (the
    request skipped the outer ones), the leftmost entry is still one a trusted
    proxy wrote. An entry that is not an IP address (``unknown``, garbage)
    means the chain cannot be read: the proxy's own address is answered, so a
    client who sends nonsense shares a budget with others like them rather
    than getting a fresh one.
    """
    direct = _address(remote_addr)
    if trusted_proxies <= 0:
        return direct
    hops = [part.strip() for part in forwarded_for.split(",") if part.strip()]
    if not hops:
        return direct
    chosen = _address(hops[-min(trusted_proxies, len(hops))])
    return chosen if chosen is not None else direct


def _address(value: str) -> str | None:
    value = (value or "").strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "192.0.2.7:51234"
        value = value.partition(":")[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_key(address: str | None) -> str:
    """What a rate limit counts per client: the address; for IPv6 its /64 (one household or host)."""
    if not address:
        return "unknown"
    parsed = ipaddress.ip_address(address)
    if parsed.version == 4:
        return str(parsed)
    if parsed.ipv4_mapped is not None:  # ::ffff:192.0.2.7 is 192.0.2.7
        return str(parsed.ipv4_mapped)
    return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
