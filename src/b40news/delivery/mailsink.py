"""A local SMTP server for the demo, and the base the test MTA builds on.

`LocalSmtpServer` runs aiosmtpd on a background thread bound to
127.0.0.1 (port 0 picks a free port; the real one is known after `start()`).
It counts the connections it accepts and hands every accepted message to
`deliver()`, which a subclass implements:

- `MaildirSink` (here) writes each message into a Maildir, so a demo run can
  be inspected with any mail reader or with `mailbox.Maildir`.
- `tests.support.mta.TestMTA` keeps the messages in memory and injects faults.

Each stored message gets the SMTP envelope prepended as header lines
(`X-Envelope-From`, `X-Envelope-To`, and `X-Envelope-SMTPUTF8: yes` when the
client asked for SMTPUTF8) — the envelope is the only record of who the
message was actually sent to.

Plain Python: no Django import. Hooks run on the server's thread; everything
they share with the caller's thread sits behind a lock.
"""

from __future__ import annotations

import mailbox
import ssl
import threading
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

__all__ = ["LocalSmtpServer", "MaildirSink", "SinkSMTP", "envelope_headers"]

SERVER_NAME = "b40news-sink.localhost"


def envelope_headers(envelope: Envelope) -> bytes:
    """The envelope as header lines (CRLF-terminated bytes) to prepend to a message."""

    def encode(text: str) -> bytes:
        # aiosmtpd decodes arguments with surrogateescape; round-trip them.
        return text.encode("utf-8", "surrogateescape")

    lines = [
        b"X-Envelope-From: " + encode(envelope.mail_from or ""),
        b"X-Envelope-To: " + encode(", ".join(envelope.rcpt_tos)),
    ]
    if envelope.smtp_utf8:
        lines.append(b"X-Envelope-SMTPUTF8: yes")
    return b"".join(line + b"\r\n" for line in lines)


class _Hooks:
    """The aiosmtpd handler: forwards each hook to the owning server object.

    A separate object because aiosmtpd inspects every attribute of its
    handler (including properties) once per connection.
    """

    def __init__(self, owner: LocalSmtpServer) -> None:
        self._owner = owner

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        return await self._owner.on_mail(server, session, envelope, address, mail_options)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return await self._owner.on_rcpt(server, session, envelope, address, rcpt_options)

    async def handle_DATA(self, server, session, envelope):
        return await self._owner.on_data(server, session, envelope)

    async def handle_RSET(self, server, session, envelope):
        return await self._owner.on_rset(server, session, envelope)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        return self._owner.on_ehlo(responses)


class SinkSMTP(SMTP):
    """aiosmtpd's SMTP protocol, telling its owner about each new connection."""

    def __init__(self, owner: LocalSmtpServer, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.owner = owner

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self.owner.on_connect()


class _Controller(Controller):
    """A Controller that works with port 0 and builds the owner's SMTP class."""

    def __init__(self, owner: LocalSmtpServer, **kwargs: Any) -> None:
        self._owner = owner
        super().__init__(_Hooks(owner), **kwargs)

    def factory(self) -> SMTP:
        return self._owner.smtp_class(self._owner, self.handler, **self.SMTP_kwargs)

    def _trigger_server(self) -> None:
        # The listener is bound by now: learn the port the OS picked before the
        # readiness probe connects to it.
        if self.port == 0:
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class LocalSmtpServer:
    """aiosmtpd on a background thread. Subclasses implement `deliver()`.

    `ssl_context` makes it an implicit-TLS (smtps) listener; any other keyword
    goes to aiosmtpd's `SMTP` (e.g. `tls_context=` for STARTTLS,
    `authenticator=`, `auth_require_tls=`).
    """

    smtp_class: type[SinkSMTP] = SinkSMTP

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        ssl_context: ssl.SSLContext | None = None,
        **smtp_kwargs: Any,
    ) -> None:
        self.host = host
        self.port = port
        self._wanted_port = port
        self._ssl_context = ssl_context
        self._smtp_kwargs = {"server_hostname": SERVER_NAME, "enable_SMTPUTF8": True, **smtp_kwargs}
        self._lock = threading.Lock()
        self._connections = 0
        self._controller: _Controller | None = None

    # -- lifecycle ---------------------------------------------------------
    @property
    def url(self) -> str:
        scheme = "smtps" if self._ssl_context else "smtp"
        return f"{scheme}://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        if self._controller is not None:
            raise RuntimeError(f"{type(self).__name__} is already running on {self.url}")
        controller = _Controller(
            self,
            hostname=self.host,
            port=self._wanted_port,
            ssl_context=self._ssl_context,
            **self._smtp_kwargs,
        )
        controller.start()
        self._controller = controller
        self.port = controller.port
        # The controller's readiness probe was a connection too: forget it.
        with self._lock:
            self._connections = 0

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def connections(self) -> int:
        """Connections accepted since start (or since the last reset)."""
        with self._lock:
            return self._connections

    # -- hooks, called on the server thread -----------------------------------
    def on_connect(self) -> None:
        with self._lock:
            self._connections += 1

    def on_ehlo(self, responses: list[str]) -> list[str]:
        """The EHLO reply lines (the last is "250 HELP"); a subclass may add extensions."""
        return responses

    async def on_mail(self, server: SMTP, session: Session, envelope: Envelope,
                      address: str, options: list[str]) -> str:
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def on_rcpt(self, server: SMTP, session: Session, envelope: Envelope,
                      address: str, options: list[str]) -> str:
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"

    async def on_rset(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        return "250 OK"

    async def on_data(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.deliver(envelope_headers(envelope) + envelope.original_content, envelope)
        return "250 OK: queued"

    def deliver(self, data: bytes, envelope: Envelope) -> None:
        """Store one accepted message: `data` is the envelope headers + the message."""
        raise NotImplementedError


class MaildirSink(LocalSmtpServer):
    """Accepts every message and stores it in a Maildir (created if missing).

    `count` is the number of messages stored by this sink since it started.
    """

    def __init__(self, maildir: Path | str, host: str = "127.0.0.1", port: int = 0,
                 **kwargs: Any) -> None:
        super().__init__(host, port, **kwargs)
        self.maildir = Path(maildir)
        self._mailbox = mailbox.Maildir(self.maildir, factory=None, create=True)
        self._count = 0

    @property
    def count(self) -> int:
        with self._lock:
            return self._count

    def deliver(self, data: bytes, envelope: Envelope) -> None:
        with self._lock:
            self._mailbox.add(data)
            self._count += 1
