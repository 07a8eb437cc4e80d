"""Where the mail goes: an SMTP relay read from one URL (``SMTP_URL``).

``smtp://user:pass@host:port`` (STARTTLS with ``?starttls=1`` or port 587),
``smtps://…`` for implicit TLS. Plain Python: no Django import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = ["SmtpConfigError", "SmtpSettings", "TLS_MODES"]

TLS_MODES = ("none", "starttls", "ssl")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class SmtpConfigError(Exception):
    """The relay cannot be used as configured (credentials, TLS)."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str | None
    password: str | None = field(repr=False)
    tls: str  # "none" | "starttls" | "ssl"
    timeout: float = 30.0

    def __post_init__(self) -> None:
        if not self.host:
            raise ValueError("SMTP host is empty")
        if not 0 < self.port < 65536:
            raise ValueError(f"SMTP port {self.port} is out of range")
        if self.tls not in TLS_MODES:
            raise ValueError(f"SMTP tls must be one of {', '.join(TLS_MODES)}, not {self.tls!r}")
        if self.timeout <= 0:
            raise ValueError("SMTP timeout must be positive")
        if (self.username is None) != (self.password is None):
            raise ValueError("SMTP username and password go together")

    @classmethod
    def from_url(cls, url: str) -> SmtpSettings:
        """Parse ``smtp://[user:pass@]host[:port][?starttls=1][&timeout=S]`` or ``smtps://…``.

        smtp:// is plain on port 25 by default; STARTTLS with ``?starttls=1`` or
        on port 587 (``?starttls=0`` turns that off). smtps:// is implicit TLS,
        port 465 by default. User and password are percent-decoded.
        """
        shown = _redact(url)
        try:
            parts = urlsplit(url.strip())
            port = parts.port
        except ValueError:  # its message may quote the password
            raise ValueError(f"not a valid SMTP URL (check host and port): {shown}") from None
        scheme = parts.scheme.lower()
        if scheme not in ("smtp", "smtps"):
            raise ValueError(f"SMTP URL must start with smtp:// or smtps://, not {shown}")
        if not parts.hostname:
            raise ValueError(f"SMTP URL has no host: {shown}")
        if parts.path not in ("", "/") or parts.fragment:
            raise ValueError(f"SMTP URL takes no path or fragment: {shown}")

        try:
            query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
        except ValueError:
            raise ValueError(f"SMTP URL has a malformed query: {shown}") from None
        unknown = set(query) - {"starttls", "timeout"}
        if unknown:
            raise ValueError(f"SMTP URL has unknown parameter(s) {', '.join(sorted(unknown))}: {shown}")
        if any(len(values) > 1 for values in query.values()):
            raise ValueError(f"SMTP URL repeats a parameter: {shown}")
        starttls = None
        if "starttls" in query:
            value = query["starttls"][0].lower()
            if value not in _TRUE | _FALSE:
                raise ValueError(f"SMTP URL: starttls must be 1 or 0: {shown}")
            starttls = value in _TRUE
        timeout = cls.timeout
        if "timeout" in query:
            try:
                timeout = float(query["timeout"][0])
            except ValueError:
                raise ValueError(f"SMTP URL: timeout must be a number of seconds: {shown}") from None

        if scheme == "smtps":
            if starttls:
                raise ValueError(f"smtps:// is already TLS; starttls does not apply: {shown}")
            tls, port = "ssl", port or 465
        else:
            port = port or 25
            tls = "starttls" if (starttls if starttls is not None else port == 587) else "none"

        username = password = None
        if parts.username is not None:
            if not parts.username or parts.password is None:
                raise ValueError(f"SMTP URL needs both user and password (user:pass@host): {shown}")
            username, password = unquote(parts.username), unquote(parts.password)
        return cls(host=parts.hostname, port=port, username=username, password=password,
                   tls=tls, timeout=timeout)


def _redact(url: str) -> str:
    """The URL with its password replaced by ***."""
    head, sep, rest = url.partition("://")
    userinfo, at, tail = rest.rpartition("@")
    if not (sep and at and ":" in userinfo):
        return url
    return f"{head}://{userinfo.split(':', 1)[0]}:***@{tail}"
