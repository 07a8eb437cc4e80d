"""Sending mail over SMTP: one reused connection per batch, one recipient per message.

When the relay offers PIPELINING (RFC 2920), MAIL FROM and RCPT TO go out in
one write and their replies are read in order; DATA still waits for both
(a 354 must not be asked for a refused recipient).

`SmtpSession.send()` never raises for what a relay says about one message; it
returns a `SendResult` whose `outcome` the delivery ledger records:

- ``"sent"``      the relay answered 2xx to the end of the message data.
- ``"retry"``     a 4xx reply, or connection trouble *before* the message data
                  was complete (the relay cannot have accepted it): send later.
- ``"failed"``    a 5xx reply: permanent for this message. `stage` says at which
                  step — a 5xx at ``"rcpt"`` is about the recipient, a 5xx at
                  ``"mail"`` is about the sender or the message.
- ``"uncertain"`` the whole message was sent and then the connection died (or
                  timed out) before the final reply: the relay may or may not
                  have accepted it. Resending risks a duplicate; not resending
                  risks a loss. The ledger decides.
- ``"skipped"``   the caller's `before_commit` said no: the message was
                  abandoned before its final ".", so nothing was delivered.

`before_commit` is how the ledger makes "never twice" hold across a crash:
it is called once the body has reached the relay and before the "." that
makes the relay take it. The caller commits "sending" there; a worker killed
before that commit has delivered nothing (no "." was sent), one killed after it
leaves a row whose fate is unknown — never one that gets sent again.

Connection-level refusals (a 4xx/5xx greeting, EHLO refused, a 4xx to AUTH or
STARTTLS) are never a verdict on the recipient, so they are ``"retry"``.
Misconfiguration — credentials refused with 5xx, TLS asked for but not offered,
a certificate that does not verify — raises `SmtpConfigError` instead: retrying
every recipient would not help.

A session is not thread-safe: one per worker and batch. Plain stdlib `smtplib`
underneath; no Django import.
"""

from __future__ import annotations

import functools
import re
import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["SendResult", "SmtpConfigError", "SmtpSession", "SmtpSettings"]

from b40news.delivery.relay import SmtpConfigError, SmtpSettings
from b40news.newsletter.message import crlf


@dataclass(frozen=True)
class SendResult:
    outcome: str  # "sent" | "retry" | "failed" | "uncertain"
    code: int | None
    detail: str
    # The step that decided: "connect", "mail", "rcpt", "data" (the DATA
    # command) or "end-of-data" (the reply to the message itself).
    stage: str = ""
    # True when `before_commit` ran and returned true.
    committed: bool = False


class _Dropped(Exception):
    """The connection failed before the message data was complete."""

    def __init__(self, stage: str, error: BaseException) -> None:
        super().__init__(stage, error)
        self.stage, self.error = stage, error


@functools.cache
def _local_hostname() -> str:
    return socket.getfqdn()


_END = b".\r\n"




def _wire_data(message: bytes) -> bytes:
    """CRLF line ends and dot-stuffing (RFC 5321 4.5.2); the final "." is sent apart.

    Runs once per message over tens of kilobytes: a built (or signed) message
    is known to have CRLF line ends (`message.Wire`) and costs one search in
    C; another is checked with a few counts, and only rewritten when needed.
    """
    message = crlf(message)
    if message.startswith(b"."):
        message = b"." + message
    if _DOT_AFTER_LF.search(message):  # all line ends are CRLF by now: "\r\n." (a search in C, 2-10x `in`)
        message = message.replace(b"\r\n.", b"\r\n..")
    if not message.endswith(b"\r\n"):
        message += b"\r\n"
    return message


_DOT_AFTER_LF = re.compile(rb"\n\.")


def _raise_if_tls_misconfigured(exc: OSError, s: SmtpSettings) -> None:
    """A TLS failure that retrying cannot fix (certificate, protocol) raises SmtpConfigError."""
    if isinstance(exc, ssl.SSLError) and not isinstance(exc, (ssl.SSLEOFError, ssl.SSLZeroReturnError)):
        raise SmtpConfigError(f"TLS with {s.host}:{s.port} failed: {exc}") from exc


def _check_address(address: str, what: str) -> None:
    if any(ch in address for ch in "\r\n<>"):
        raise ValueError(f"{what} address contains a forbidden character: {address!r}")


def _classify(code: int) -> str:
    if 200 <= code < 300:
        return "sent"
    return "failed" if 500 <= code < 600 else "retry"


def _text(reply: bytes | str) -> str:
    if isinstance(reply, bytes):
        reply = reply.decode("utf-8", "replace")
    return " ".join(reply.split())


class SmtpSession:
    """One SMTP connection reused for a batch; opened on the first `send()`.

    Use as a context manager (QUIT on exit). `connections` counts the
    connections opened so far.
    """

    def __init__(self, settings: SmtpSettings, *, ssl_context: ssl.SSLContext | None = None,
                 local_hostname: str | None = None) -> None:
        self.settings = settings
        self._ssl_context = ssl_context
        self._local_hostname = local_hostname
        self._smtp: smtplib.SMTP | None = None
        self._connections = 0

    @property
    def connections(self) -> int:
        return self._connections

    def __enter__(self) -> SmtpSession:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """QUIT politely if connected; never raises."""
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
            finally:
                smtp.close()

    def _discard(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()

    # -- connecting --------------------------------------------------------
    def _context(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            self._ssl_context = ssl.create_default_context()
        return self._ssl_context

    def _connect(self) -> SendResult | None:
        """Open and prepare a connection; a "retry" SendResult if that failed."""
        s = self.settings
        hostname = self._local_hostname or _local_hostname()

        def retry(code: int | None, what: str) -> SendResult:
            return SendResult("retry", code, f"connect to {s.host}:{s.port}: {what}", "connect")

        try:
            if s.tls == "ssl":
                smtp = smtplib.SMTP_SSL(s.host, s.port, local_hostname=hostname,
                                        timeout=s.timeout, context=self._context())
            else:
                smtp = smtplib.SMTP(s.host, s.port, local_hostname=hostname, timeout=s.timeout)
        except smtplib.SMTPConnectError as exc:  # connected; the greeting was not 220
            self._connections += 1
            return retry(exc.smtp_code, f"{exc.smtp_code} {_text(exc.smtp_error)}")
        except smtplib.SMTPServerDisconnected as exc:  # connected; closed before the greeting
            self._connections += 1
            return retry(None, str(exc))
        except OSError as exc:  # refused, unreachable, timed out, TLS handshake
            _raise_if_tls_misconfigured(exc, s)
            return retry(None, str(exc) or type(exc).__name__)
        self._connections += 1

        try:
            smtp.ehlo_or_helo_if_needed()
            if s.tls == "starttls":
                if not smtp.has_extn("starttls"):
                    raise SmtpConfigError(f"{s.host}:{s.port} does not offer STARTTLS")
                code, reply = smtp.starttls(context=self._context())
                if code != 220:
                    smtp.close()
                    return retry(code, f"STARTTLS {code} {_text(reply)}")
                smtp.ehlo_or_helo_if_needed()
            if s.username is not None:
                self._login(smtp)
        except smtplib.SMTPResponseException as exc:  # EHLO/HELO refused, AUTH 4xx
            smtp.close()
            return retry(exc.smtp_code, f"{exc.smtp_code} {_text(exc.smtp_error)}")
        except OSError as exc:  # dropped, timed out, TLS handshake
            smtp.close()
            _raise_if_tls_misconfigured(exc, s)
            return retry(None, str(exc) or type(exc).__name__)
        except BaseException:
            smtp.close()
            raise
        # The body and the final "." go out as two writes: without NODELAY,
        # Nagle's algorithm would hold the "." until the body is acknowledged.
        try:
            smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        self._smtp = smtp
        return None

    def _login(self, smtp: smtplib.SMTP) -> None:
        s = self.settings
        if not smtp.has_extn("auth"):
            raise SmtpConfigError(f"{s.host}:{s.port} does not offer AUTH")
        try:
            smtp.login(s.username or "", s.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            if 400 <= exc.smtp_code < 500:
                raise  # temporary: "retry"
            detail = f"{exc.smtp_code} {_text(exc.smtp_error)}"
            raise SmtpConfigError(f"{s.host}:{s.port} refused the credentials: {detail}") from None
        except (smtplib.SMTPResponseException, smtplib.SMTPServerDisconnected):
            raise
        except smtplib.SMTPException as exc:  # e.g. no common AUTH mechanism
            raise SmtpConfigError(f"AUTH with {s.host}:{s.port}: {exc}") from None

    # -- sending -------------------------------------------------------------
    def send(self, message: bytes, *, mail_from: str, rcpt_to: str, smtputf8: bool = False,
             before_commit: Callable[[], bool] | None = None) -> SendResult:
        """Send `message` (bytes, any line ends) to one recipient.

        SMTPUTF8 is asked for when `smtputf8` is true or an envelope address is
        not ASCII. If the connection turns out to be dead before the message
        data is complete, it reconnects once and tries again. `before_commit`
        (see the module docstring) runs at most once; if it raises, the
        message is abandoned before its final "." and the exception propagates.
        """
        _check_address(mail_from, "sender")
        _check_address(rcpt_to, "recipient")
        if not rcpt_to:
            raise ValueError("recipient address is empty")
        utf8 = smtputf8 or not (mail_from.isascii() and rcpt_to.isascii())
        data = _wire_data(message)
        eight_bit = not message.isascii()

        reconnected = False
        while True:
            if self._smtp is None:
                failure = self._connect()
                if failure is not None:
                    return failure
            try:
                return self._transaction(data, mail_from, rcpt_to, utf8, eight_bit, before_commit)
            except _Dropped as dropped:
                self._discard()
                if reconnected:
                    detail = str(dropped.error) or type(dropped.error).__name__
                    return SendResult("retry", None, f"{dropped.stage}: connection lost: {detail}",
                                      dropped.stage)
                reconnected = True

    def _transaction(self, data: bytes, mail_from: str, rcpt_to: str, utf8: bool, eight_bit: bool,
                     before_commit: Callable[[], bool] | None) -> SendResult:
        smtp = self._smtp
        assert smtp is not None
        options = []
        if utf8:
            if not smtp.has_extn("smtputf8"):
                return SendResult("failed", None, f"{self.settings.host} does not offer SMTPUTF8", "mail")
            options.append("SMTPUTF8")
        if eight_bit and smtp.has_extn("8bitmime"):
            options.append("BODY=8BITMIME")
        if smtp.has_extn("size"):
            options.append(f"SIZE={len(data) + len(_END)}")
        params = "".join(" " + option for option in options)
        smtp.command_encoding = "utf-8" if utf8 else "ascii"

        stage = "mail"
        try:
            if smtp.has_extn("pipelining"):
                # RFC 2920: MAIL and RCPT in one write, then both replies in order.
                smtp.send(f"MAIL FROM:<{mail_from}>{params}\r\nRCPT TO:<{rcpt_to}>\r\n")
                code, reply = smtp.getreply()
                if code != 250:
                    return self._refused_pipelined(code, reply)
                stage = "rcpt"
                code, reply = smtp.getreply()
                if code not in (250, 251):
                    return self._refused(stage, code, reply)
            else:
                smtp.putcmd("mail", f"FROM:<{mail_from}>{params}")
                code, reply = smtp.getreply()
                if code != 250:
                    return self._refused(stage, code, reply)
                stage = "rcpt"
                smtp.putcmd("rcpt", f"TO:<{rcpt_to}>")
                code, reply = smtp.getreply()
                if code not in (250, 251):
                    return self._refused(stage, code, reply)
            stage = "data"
            smtp.putcmd("data")
            code, reply = smtp.getreply()
            if code != 354:
                return self._refused(stage, code, reply)
            if before_commit is None:
                data += _END  # one write
            smtp.send(data)
        except OSError as exc:  # includes smtplib's SMTPServerDisconnected
            # The final "." has not left: the relay cannot have taken the message.
            raise _Dropped(stage, exc) from exc

        stage = "end-of-data"
        committed = False
        if before_commit is not None:
            try:
                committed = bool(before_commit())
            except BaseException:
                self._discard()  # hang up without the "."; the relay drops the message
                raise
            if not committed:
                self._discard()
                return SendResult("skipped", None, "abandoned before the final '.' by before_commit", stage)
            try:
                smtp.send(_END)
            except OSError as exc:
                self._discard()
                return SendResult("retry", None, f"connection lost before the final '.': {exc}", stage,
                                  committed)
        try:
            code, reply = smtp.getreply()
        except OSError as exc:
            self._discard()
            return SendResult("uncertain", None,
                              f"connection lost after the message was sent, before the reply: {exc}",
                              stage, committed)
        if code == 421 or not 200 <= code < 600:
            self._discard()
        return SendResult(_classify(code), code, f"{code} {_text(reply)}", stage, committed)

    def _refused(self, stage: str, code: int, reply: bytes) -> SendResult:
        """A refusal before the data: classify it and keep the session usable."""
        result = SendResult(_classify(code) if 400 <= code < 600 else "retry", code,
                            f"{stage.upper()} {code} {_text(reply)}", stage)
        if code == 421 or not 400 <= code < 600:
            self._discard()  # closing, or a reply that makes no sense here
        else:
            self._reset()
        return result

    def _refused_pipelined(self, code: int, reply: bytes) -> SendResult:
        """MAIL refused with RCPT already sent: read (and ignore) RCPT's reply
        first, so that the next reply read is the next command's."""
        if code != 421 and 400 <= code < 600:
            try:
                self._smtp.getreply()  # typically "503 need MAIL"
            except OSError:
                self._discard()  # the relay hung up after refusing: the next send() reconnects
                return SendResult(_classify(code), code, f"MAIL {code} {_text(reply)}", "mail")
        return self._refused("mail", code, reply)

    def _reset(self) -> None:
        smtp = self._smtp
        assert smtp is not None
        try:
            code, _ = smtp.rset()
        except OSError:
            code = -1
        if code != 250:
            self._discard()  # the next send() reconnects
