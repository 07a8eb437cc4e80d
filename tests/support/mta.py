"""A fault-injecting SMTP server for tests (after Mailman 3's testing MTA).

    mta = TestMTA(); mta.start()            # or: with TestMTA() as mta:
                                             # (pipelining=False: no PIPELINING in EHLO)
    mta.inject("rcpt", 550, "no such user")  # the next RCPT is refused with 550
    mta.inject("mail", 451, times=2)         # the next two MAIL FROM get 451
    mta.inject("connect", 421)               # the next connection is greeted with 421
    mta.drop_connection("data")              # body received, then the socket is
                                             # closed before the reply ("uncertain")
    mta.drop_connection("mail")              # the server hangs up on the next MAIL
    ... send ...
    mta.messages()    # parsed messages, envelope in X-Envelope-From / X-Envelope-To
    mta.drain()       # the same, and forget them
    mta.message_ids() # Counter of Message-ID -> times received (duplicates > 1)
    mta.connections   # connections accepted
    mta.reset()       # faults, messages and counters: call between tests

Faults queue in order, one queue per command; each is used once. A "data"
fault answers the end of the message (the body has been received), as a
relay's content check would; "connect" replaces the 220 greeting. The server
runs on aiosmtpd's thread; everything shared is behind one lock. Messages are
kept as bytes and only parsed when asked for, so thousands are cheap.
"""

from __future__ import annotations

import asyncio
import collections
import email
import email.message
import email.policy
from dataclasses import dataclass
from email.parser import BytesHeaderParser

from aiosmtpd.smtp import SMTP, Envelope, Session

from b40news.delivery.mailsink import LocalSmtpServer, SinkSMTP

__all__ = ["TestMTA"]

COMMANDS = ("connect", "mail", "rcpt", "data", "rset")


@dataclass(frozen=True)
class _Fault:
    code: int | None  # None: drop the connection
    text: str = ""
    deliver: bool = False  # for a dropped DATA: keep the message first

    @property
    def reply(self) -> str:
        return f"{self.code} {self.text or 'Injected failure'}"


async def _hang_up(server: SMTP) -> str:
    """Close the client's socket without a reply."""
    assert server.transport is not None
    server.transport.abort()
    # abort() schedules connection_lost(), which cancels this session's task
    # (and so this coroutine). The sleep only waits for that to happen.
    await asyncio.sleep(30)
    return "421 connection dropped"  # pragma: no cover - never reached


class _FaultySMTP(SinkSMTP):
    async def _handle_client(self) -> None:
        fault = self.owner.next_fault("connect")
        if fault is None:
            await super()._handle_client()
        elif fault.code is None:
            self.transport.abort()
        else:
            await self.push(fault.reply)
            self.transport.close()


class TestMTA(LocalSmtpServer):
    """An SMTP server on 127.0.0.1 (free port) that records messages and injects faults."""

    __test__ = False  # not a pytest test class
    smtp_class = _FaultySMTP

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, pipelining: bool = True, **kwargs) -> None:
        super().__init__(host, port, **kwargs)
        self.pipelining = pipelining  # offer PIPELINING (RFC 2920) in the EHLO reply, as Postfix does
        self._faults: dict[str, collections.deque[_Fault]] = {c: collections.deque() for c in COMMANDS}
        self._received: list[bytes] = []

    # -- faults --------------------------------------------------------------
    def inject(self, command: str, code: int, text: str = "", *, times: int = 1) -> None:
        """Answer the next `times` uses of `command` with `code` (4xx or 5xx)."""
        if not 400 <= code <= 599:
            raise ValueError(f"inject() takes a 4xx or 5xx code, not {code}")
        self._queue(command, _Fault(code, text), times)

    def drop_connection(self, command: str = "data", *, times: int = 1, deliver: bool = True) -> None:
        """Close the socket abruptly at `command` instead of replying.

        For "data" the body has been received in full; `deliver` says whether
        the server kept the message before hanging up (default True: the worst
        case for a sender that resends, which must show as a duplicate).
        """
        self._queue(command, _Fault(None, deliver=deliver), times)

    def _queue(self, command: str, fault: _Fault, times: int) -> None:
        command = command.lower()
        if command not in COMMANDS:
            raise ValueError(f"unknown SMTP command {command!r}; expected one of {', '.join(COMMANDS)}")
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._faults[command].extend([fault] * times)

    def next_fault(self, command: str) -> _Fault | None:
        with self._lock:
            queue = self._faults[command]
            return queue.popleft() if queue else None

    # -- hooks (server thread) -----------------------------------------------
    def on_ehlo(self, responses: list[str]) -> list[str]:
        if not self.pipelining:
            return responses
        return responses[:-1] + ["250-PIPELINING"] + responses[-1:]

    async def on_mail(self, server: SMTP, session: Session, envelope: Envelope,
                      address: str, options: list[str]) -> str:
        fault = self.next_fault("mail")
        if fault is None:
            return await super().on_mail(server, session, envelope, address, options)
        return await _hang_up(server) if fault.code is None else fault.reply

    async def on_rcpt(self, server: SMTP, session: Session, envelope: Envelope,
                      address: str, options: list[str]) -> str:
        fault = self.next_fault("rcpt")
        if fault is None:
            return await super().on_rcpt(server, session, envelope, address, options)
        return await _hang_up(server) if fault.code is None else fault.reply

    async def on_rset(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        fault = self.next_fault("rset")
        if fault is None:
            return "250 OK"
        return await _hang_up(server) if fault.code is None else fault.reply

    async def on_data(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        fault = self.next_fault("data")
        if fault is None:
            return await super().on_data(server, session, envelope)
        if fault.code is not None:
            return fault.reply
        if fault.deliver:
            await super().on_data(server, session, envelope)
        return await _hang_up(server)

    def deliver(self, data: bytes, envelope: Envelope) -> None:
        with self._lock:
            self._received.append(data)

    # -- what arrived -----------------------------------------------------------
    def raw_messages(self) -> list[bytes]:
        """Received messages as bytes (envelope header lines first)."""
        with self._lock:
            return list(self._received)

    def messages(self) -> list[email.message.EmailMessage]:
        """Received messages, parsed; the envelope is in X-Envelope-From/-To."""
        return [_parse(data) for data in self.raw_messages()]

    def drain(self) -> list[email.message.EmailMessage]:
        """messages(), and forget them."""
        with self._lock:
            received, self._received = self._received, []
        return [_parse(data) for data in received]

    def message_ids(self) -> collections.Counter[str]:
        """Message-ID -> how many times it arrived (anything above 1 is a duplicate)."""
        parser = BytesHeaderParser(policy=email.policy.compat32)
        return collections.Counter(
            str(parser.parsebytes(data).get("Message-ID", "")).strip() for data in self.raw_messages()
        )

    def reset(self) -> None:
        """Forget faults, messages and the connection count."""
        with self._lock:
            for queue in self._faults.values():
                queue.clear()
            self._received = []
            self._connections = 0


def _parse(data: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(data, policy=email.policy.default)
