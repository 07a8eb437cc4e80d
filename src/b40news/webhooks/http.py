"""One POST to one webhook URL, to an address checked before connecting.

A URL a city registers must not turn the server into a probe of its own
network (Redis on 127.0.0.1, a database on a private address, a cloud's
metadata service on 169.254.169.254). So:

- only ``https://`` (``http://`` too when local targets are allowed);
- the host name is resolved here, every address it resolves to must be a
  global one, and the connection goes to the address that was checked (no
  second lookup that a rebinding DNS server could answer differently); TLS
  still verifies the certificate against the host name;
- redirects are not followed (a 3xx is an answer, not a success).

``allow_local`` (``B40NEWS_WEBHOOK_ALLOW_LOCAL``) lifts the address rule and
allows plain HTTP: for tests and for an installation whose receivers live
beside it.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

RESPONSE_EXCERPT = 1000  # characters of the receiver's answer kept in the log


class UrlRefused(ValueError):
    """A webhook URL that may not be called; the message says why."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str


def parse(url: str, *, allow_local: bool) -> Target:
    """The URL's parts, or UrlRefused (scheme, host, credentials, a literal address that is not global)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UrlRefused("not a valid URL") from None
    schemes = ("https", "http") if allow_local else ("https",)
    if parts.scheme not in schemes:
        raise UrlRefused("the URL must start with https://" if not allow_local else "the URL must be http(s)://")
    if not parts.hostname:
        raise UrlRefused("the URL names no host")
    if parts.username or parts.password:
        raise UrlRefused("the URL may not carry a user name or password")
    try:
        literal = ipaddress.ip_address(parts.hostname)
    except ValueError:
        literal = None
    if literal is not None and not allow_local and not _global(literal):
        raise UrlRefused(f"{literal} is not a public address")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path)


def _global(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def resolve(target: Target, *, allow_local: bool) -> str:
    """The address to connect to: the first one the host resolves to, all of them checked."""
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UrlRefused(f"{target.host} does not resolve ({exc})") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise UrlRefused(f"{target.host} does not resolve")
    if not allow_local:
        for address in addresses:
            if not _global(ipaddress.ip_address(address.split("%")[0])):
                raise UrlRefused(f"{target.host} resolves to {address}, which is not a public address")
    return addresses[0]


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: no HTTP answer (refused, timeout, TLS error)
    body: str  # the first RESPONSE_EXCERPT characters of the answer
    error: str  # what went wrong, without secrets; empty on an HTTP answer
    duration_ms: int


class _Pinned(http.client.HTTPConnection):
    def __init__(self, address: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedTLS(http.client.HTTPSConnection):
    def __init__(self, address: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float, allow_local: bool,
         user_agent: str = "b40news-webhooks/1") -> Answer:
    """POST ``body``; an Answer whatever happens (UrlRefused too is an answer, with no status)."""
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        target = parse(url, allow_local=allow_local)
        address = resolve(target, allow_local=allow_local)
    except UrlRefused as exc:
        return Answer(None, "", f"refused: {exc}", elapsed())
    if target.scheme == "https":
        connection = _PinnedTLS(address, target.host, target.port, timeout=timeout,
                                context=ssl.create_default_context())
    else:
        connection = _Pinned(address, target.host, target.port, timeout=timeout)
    try:
        connection.request("POST", target.path, body=body, headers={
            **headers, "Content-Type": "application/json", "User-Agent": user_agent,
        })
        response = connection.getresponse()
        text = response.read(RESPONSE_EXCERPT * 4).decode("utf-8", "replace")[:RESPONSE_EXCERPT]
        return Answer(response.status, text, "", elapsed())
    except (OSError, http.client.HTTPException) as exc:
        kind = "timeout" if isinstance(exc, TimeoutError | socket.timeout) else type(exc).__name__
        return Answer(None, "", f"{kind}: {exc}"[:500], elapsed())
    finally:
        connection.close()
