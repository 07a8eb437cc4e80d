"""SmtpSession against the fault-injecting TestMTA (the `mta` fixture, tests/conftest.py)."""

import random
import re
import time

import pytest

from b40news.delivery.smtp import SmtpSession, SmtpSettings
from tests.delivery.messages import make_message, message_id
from tests.support.mta import TestMTA

SENDER = "bounces@b40.example"


def session_for(mta: TestMTA, **kwargs) -> SmtpSession:
    return SmtpSession(SmtpSettings.from_url(mta.url + "?timeout=5"), local_hostname="client.test", **kwargs)


def send(session: SmtpSession, n: int, to: str = "reader@example.org", **kwargs):
    return session.send(make_message(n, to), mail_from=SENDER, rcpt_to=to, **kwargs)


def test_fifty_messages_over_one_connection(mta):
    with session_for(mta) as session:
        results = [send(session, n, f"reader{n}@example.org") for n in range(50)]
    assert {r.outcome for r in results} == {"sent"}
    assert all(r.code == 250 for r in results)
    assert session.connections == 1
    assert mta.connections == 1
    assert mta.message_ids() == {message_id(n): 1 for n in range(50)}
    received = mta.messages()
    assert [m["X-Envelope-To"] for m in received] == [f"reader{n}@example.org" for n in range(50)]
    assert {m["X-Envelope-From"] for m in received} == {SENDER}


def test_refused_recipient_fails_and_the_session_goes_on(mta):
    mta.inject("rcpt", 550, "5.1.1 no such user")
    with session_for(mta) as session:
        refused = send(session, 1, "gone@example.org")
        following = send(session, 2)
    assert (refused.outcome, refused.code, refused.stage) == ("failed", 550, "rcpt")
    assert "no such user" in refused.detail
    # Without the RSET the relay would answer the next MAIL with "503 nested MAIL".
    assert (following.outcome, following.code) == ("sent", 250)
    assert session.connections == 1 and mta.connections == 1
    assert mta.message_ids() == {message_id(2): 1}


def test_temporary_refusals_are_retry(mta):
    mta.inject("mail", 451, "4.3.0 try later")
    mta.inject("data", 452, "4.3.1 insufficient storage")
    with session_for(mta) as session:
        at_mail = send(session, 1)
        at_data = send(session, 2)
        sent = send(session, 3)
    assert (at_mail.outcome, at_mail.code, at_mail.stage) == ("retry", 451, "mail")
    assert (at_data.outcome, at_data.code, at_data.stage) == ("retry", 452, "end-of-data")
    assert sent.outcome == "sent"
    assert mta.message_ids() == {message_id(3): 1}
    assert session.connections == 1


def test_permanent_refusal_at_mail_says_its_stage(mta):
    mta.inject("mail", 553, "sender rejected")
    with session_for(mta) as session:
        result = send(session, 1)
    assert (result.outcome, result.code, result.stage) == ("failed", 553, "mail")


def test_faults_queue_in_order_per_command(mta):
    mta.inject("rcpt", 450, "first")
    mta.inject("rcpt", 550, "second", times=2)
    with session_for(mta) as session:
        outcomes = [(r.outcome, r.code) for r in (send(session, n) for n in range(4))]
    assert outcomes == [("retry", 450), ("failed", 550), ("failed", 550), ("sent", 250)]


def test_drop_after_data_is_uncertain(mta):
    mta.drop_connection("data")  # the server keeps the message, then hangs up
    with session_for(mta) as session:
        lost = send(session, 1)
        after = send(session, 2)
    assert (lost.outcome, lost.code, lost.stage) == ("uncertain", None, "end-of-data")
    assert after.outcome == "sent"
    assert session.connections == 2
    # The relay did take it: resending would have made a duplicate.
    assert mta.message_ids() == {message_id(1): 1, message_id(2): 1}


def test_drop_between_messages_reconnects_once_and_carries_on(mta):
    with session_for(mta) as session:
        first = [send(session, n) for n in range(3)]
        mta.drop_connection("mail")
        later = [send(session, n) for n in range(3, 6)]
    assert [r.outcome for r in first + later] == ["sent"] * 6
    assert session.connections == 2 and mta.connections == 2
    assert mta.message_ids() == {message_id(n): 1 for n in range(6)}


def test_reconnects_only_once_per_message(mta):
    mta.drop_connection("rcpt", times=2)
    with session_for(mta) as session:
        gave_up = send(session, 1)
        then = send(session, 2)
    assert (gave_up.outcome, gave_up.stage) == ("retry", "rcpt")
    assert "connection lost" in gave_up.detail
    assert then.outcome == "sent"
    assert session.connections == 3
    assert mta.message_ids() == {message_id(2): 1}


def test_idle_connection_closed_by_the_relay_is_reopened():
    # aiosmtpd's own idle timeout: the relay hangs up between two messages.
    with TestMTA(timeout=0.3) as mta, session_for(mta) as session:
        assert send(session, 1).outcome == "sent"
        time.sleep(0.6)
        assert send(session, 2).outcome == "sent"
        assert session.connections == 2
        assert mta.message_ids() == {message_id(1): 1, message_id(2): 1}


def test_refused_connection_is_retry(mta):
    mta.inject("connect", 421, "4.7.0 too many connections")
    mta.drop_connection("connect")
    with session_for(mta) as session:
        greeted = send(session, 1)
        dropped = send(session, 2)
        sent = send(session, 3)
    assert (greeted.outcome, greeted.code, greeted.stage) == ("retry", 421, "connect")
    assert (dropped.outcome, dropped.code, dropped.stage) == ("retry", None, "connect")
    assert sent.outcome == "sent"
    assert mta.connections == 3


def test_nobody_listening_is_retry(mta):
    port = mta.port
    mta.stop()
    with SmtpSession(SmtpSettings("127.0.0.1", port, None, None, "none", timeout=2)) as session:
        result = send(session, 1)
    assert (result.outcome, result.code, result.stage) == ("retry", None, "connect")
    assert session.connections == 0


def test_smtputf8_only_when_needed(mta):
    utf8_message = make_message(1, "ок@example.org", body="Здраво, Стара Загора.\n")
    with session_for(mta) as session:
        utf8 = session.send(utf8_message, mail_from=SENDER, rcpt_to="ок@example.org", smtputf8=True)
        ascii_ = send(session, 2)
    assert utf8.outcome == "sent" and ascii_.outcome == "sent"
    first, second = mta.messages()
    assert first["X-Envelope-To"] == "ок@example.org"
    assert first["X-Envelope-SMTPUTF8"] == "yes"
    assert first["To"] == "ок@example.org"
    assert first.get_content().replace("\r\n", "\n") == "Здраво, Стара Загора.\n"
    assert second["X-Envelope-SMTPUTF8"] is None


def test_non_ascii_address_turns_smtputf8_on(mta):
    with session_for(mta) as session:
        result = session.send(make_message(1, "ок@example.org"), mail_from=SENDER, rcpt_to="ок@example.org")
    assert result.outcome == "sent"
    assert mta.messages()[0]["X-Envelope-SMTPUTF8"] == "yes"


def test_relay_without_smtputf8_fails_that_message_only():
    with TestMTA(enable_SMTPUTF8=False) as mta, session_for(mta) as session:
        refused = session.send(make_message(1, "ок@example.org"), mail_from=SENDER, rcpt_to="ок@example.org")
        sent = send(session, 2)
        assert (refused.outcome, refused.stage) == ("failed", "mail")
        assert "SMTPUTF8" in refused.detail
        assert sent.outcome == "sent"
        assert mta.message_ids() == {message_id(2): 1}


def test_line_ends_and_leading_dots_survive(mta):
    body = "line one\n.leading dot\n..two dots\n.\nlast line without end"
    raw = make_message(1, body=body).replace(b"\r\n", b"\n")  # bare LF everywhere
    with session_for(mta) as session:
        assert session.send(raw, mail_from=SENDER, rcpt_to="reader@example.org").outcome == "sent"
    received = mta.raw_messages()[0]
    assert received.endswith(b"\r\n\r\n" + body.replace("\n", "\r\n").encode() + b"\r\n")


def test_header_injection_through_an_address_is_refused(mta):
    with session_for(mta) as session, pytest.raises(ValueError):
        session.send(make_message(1), mail_from=SENDER, rcpt_to="a@example.org>\r\nRCPT TO:<b@example.org")
    assert mta.connections == 0


class TestBeforeCommit:
    def test_called_after_the_body_and_before_the_final_dot(self, mta):
        seen = []

        def commit():
            seen.append(len(mta.raw_messages()))  # the relay has nothing yet
            return True

        with session_for(mta) as session:
            result = send(session, 1, before_commit=commit)
        assert (result.outcome, result.committed) == ("sent", True)
        assert seen == [0]
        assert mta.message_ids() == {message_id(1): 1}

    def test_not_called_when_refused_before_data(self, mta):
        calls = []
        mta.inject("rcpt", 550)
        with session_for(mta) as session:
            result = send(session, 1, before_commit=lambda: calls.append(1) or True)
        assert (result.outcome, result.committed) == ("failed", False)
        assert calls == []

    def test_called_once_across_a_reconnect(self, mta):
        calls = []
        mta.drop_connection("mail")
        with session_for(mta) as session:
            result = send(session, 1, before_commit=lambda: calls.append(1) or True)
        assert (result.outcome, result.committed) == ("sent", True)
        assert calls == [1] and session.connections == 2

    def test_saying_no_abandons_the_message(self, mta):
        with session_for(mta) as session:
            skipped = send(session, 1, before_commit=lambda: False)
            sent = send(session, 2, before_commit=lambda: True)
        assert (skipped.outcome, skipped.committed) == ("skipped", False)
        assert sent.outcome == "sent"
        assert mta.message_ids() == {message_id(2): 1}  # no "." was sent for message 1

    def test_an_exception_abandons_the_message_and_propagates(self, mta):
        def broken():
            raise RuntimeError("database gone")

        with session_for(mta) as session:
            with pytest.raises(RuntimeError, match="database gone"):
                send(session, 1, before_commit=broken)
            assert send(session, 2).outcome == "sent"
        assert mta.message_ids() == {message_id(2): 1}

    def test_uncertain_after_commit(self, mta):
        mta.drop_connection("data", deliver=False)
        with session_for(mta) as session:
            result = send(session, 1, before_commit=lambda: True)
        assert (result.outcome, result.committed) == ("uncertain", True)
        assert mta.messages() == []


# -- PIPELINING (RFC 2920) ---------------------------------------------------------


@pytest.fixture
def writes(monkeypatch):
    """Every write the client makes on its SMTP socket, as bytes, in order."""
    import smtplib

    seen: list[bytes] = []
    original = smtplib.SMTP.send

    def send(self, s):
        seen.append(s.encode(self.command_encoding) if isinstance(s, str) else bytes(s))
        return original(self, s)

    monkeypatch.setattr(smtplib.SMTP, "send", send)
    return seen


def envelope_writes(writes: list[bytes]) -> list[bytes]:
    """The writes that carry MAIL, RCPT, DATA or RSET (smtplib writes them in lower case)."""
    return [w.upper() for w in writes if w[:4].upper() in (b"MAIL", b"RCPT", b"DATA", b"RSET")]


def test_mail_and_rcpt_go_in_one_write_when_offered(mta, writes):
    with session_for(mta) as session:
        results = [send(session, n, f"reader{n}@example.org") for n in range(3)]
    assert [r.outcome for r in results] == ["sent"] * 3
    pairs = envelope_writes(writes)
    assert len(pairs) == 6  # MAIL+RCPT, DATA for each message
    for n in range(3):
        mail_rcpt, data = pairs[2 * n], pairs[2 * n + 1]
        assert mail_rcpt.startswith(f"MAIL FROM:<{SENDER}>".upper().encode())
        assert mail_rcpt.endswith(f"\r\nRCPT TO:<reader{n}@example.org>\r\n".upper().encode())
        assert mail_rcpt.count(b"\r\n") == 2 and data == b"DATA\r\n"
    assert [m["X-Envelope-To"] for m in mta.messages()] == [f"reader{n}@example.org" for n in range(3)]
    assert session.connections == 1


def test_one_command_a_write_without_pipelining(writes):
    with TestMTA(pipelining=False) as mta, session_for(mta) as session:
        assert send(session, 1).outcome == "sent"
        assert [w.split(b":")[0] for w in envelope_writes(writes)] == [b"MAIL FROM", b"RCPT TO", b"DATA\r\n"]
        assert mta.message_ids() == {message_id(1): 1}


@pytest.mark.parametrize(("command", "code", "outcome"), [
    ("mail", 451, "retry"), ("mail", 452, "retry"), ("mail", 550, "failed"), ("mail", 553, "failed"),
    ("rcpt", 450, "retry"), ("rcpt", 451, "retry"), ("rcpt", 550, "failed"), ("rcpt", 551, "failed"),
])
def test_refusals_under_pipelining_keep_the_session_in_step(mta, writes, command, code, outcome):
    mta.inject(command, code, "injected")
    calls = []
    with session_for(mta) as session:
        refused = send(session, 1, before_commit=lambda: calls.append(1) or True)
        following = [send(session, n, f"reader{n}@example.org") for n in (2, 3)]
    assert (refused.outcome, refused.code, refused.stage, refused.committed) == (outcome, code, command, False)
    assert "injected" in refused.detail and calls == []
    # The RCPT's reply after a refused MAIL was read and dropped: the next
    # replies belong to the next message, on the same connection.
    assert [(r.outcome, r.code) for r in following] == [("sent", 250), ("sent", 250)]
    assert session.connections == 1 and mta.connections == 1
    assert mta.message_ids() == {message_id(2): 1, message_id(3): 1}
    kinds = [w[:4] for w in envelope_writes(writes)]
    assert kinds == [b"MAIL", b"RSET", b"MAIL", b"DATA", b"MAIL", b"DATA"]  # MAIL+RCPT writes
    assert all(b"RCPT TO" in w for w in envelope_writes(writes) if w.startswith(b"MAIL"))


def test_closing_421_at_mail_under_pipelining_reconnects_for_the_next(mta):
    mta.inject("mail", 421, "4.3.2 shutting down")
    with session_for(mta) as session:
        closing = send(session, 1)
        sent = send(session, 2)
    assert (closing.outcome, closing.code, closing.stage) == ("retry", 421, "mail")
    assert sent.outcome == "sent"
    assert session.connections == 2
    assert mta.message_ids() == {message_id(2): 1}


def test_hang_up_at_rcpt_under_pipelining_reconnects_once(mta):
    mta.drop_connection("rcpt")
    with session_for(mta) as session:
        result = send(session, 1, before_commit=lambda: True)
    assert (result.outcome, result.committed) == ("sent", True)
    assert session.connections == 2
    assert mta.message_ids() == {message_id(1): 1}


def test_before_commit_still_runs_between_body_and_dot_under_pipelining(mta, writes):
    seen = []

    def commit():
        seen.append((len(mta.raw_messages()), writes[-1].endswith(b"Hello.\r\n")))
        return True

    with session_for(mta) as session:
        result = send(session, 1, before_commit=commit)
    assert (result.outcome, result.committed) == ("sent", True)
    assert seen == [(0, True)]  # the body had gone, the "." not yet: the relay held nothing
    assert b".\r\n" in writes[writes.index(next(w for w in writes if w.endswith(b"Hello.\r\n"))) + 1:]


def test_wire_data_fast_path_matches_the_general_rule():
    from b40news.delivery.smtp import _wire_data

    def reference(message: bytes) -> bytes:
        data = re.sub(rb"\r\n|\r|\n", b"\r\n", message)
        data = re.sub(rb"(?m)^\.", b"..", data)
        return data if data.endswith(b"\r\n") else data + b"\r\n"

    samples = [b"", b".", b"..\r\n", b"a\r\n.b\r\n..c", b"a\n.b\r.c\r\n", b"\r\n\r\n.", b".x\ny",
               make_message(1, body=".one\r\n..two\r\nthree"), b"no end", b"a\r\r\n\n.", b"\n.\n"]
    for sample in samples:
        assert _wire_data(sample) == reference(sample), sample
    rng = random.Random(2920)
    for _ in range(3000):
        sample = b"".join(rng.choice([b"\r", b"\n", b"\r\n", b".", b"a", b" "]) for _ in range(rng.randint(0, 12)))
        assert _wire_data(sample) == reference(sample), sample
