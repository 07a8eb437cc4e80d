"""The test MTA itself (tests/support/mta.py) and the demo's MaildirSink."""

import email
import email.policy
import mailbox
import smtplib
import threading

import pytest

from b40news.delivery.mailsink import MaildirSink
from b40news.delivery.smtp import SmtpSession, SmtpSettings
from tests.delivery.messages import make_message, message_id
from tests.support.mta import TestMTA


def send_all(url: str, numbers, to: str = "reader@example.org"):
    with SmtpSession(SmtpSettings.from_url(url), local_hostname="client.test") as session:
        return [session.send(make_message(n, to), mail_from="bounces@b40.example", rcpt_to=to) for n in numbers]


def test_thousands_of_messages_over_one_session_arrive_once_each(mta):
    results = send_all(mta.url, range(2000))
    assert [r.outcome for r in results] == ["sent"] * 2000
    ids = mta.message_ids()
    assert len(ids) == 2000 and set(ids.values()) == {1}


def test_parallel_clients(mta):
    def client(k):
        send_all(mta.url, range(k * 100, k * 100 + 100))

    threads = [threading.Thread(target=client, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert mta.connections == 4
    assert mta.message_ids() == {message_id(n): 1 for n in range(400)}


def test_duplicates_show_in_message_ids(mta):
    send_all(mta.url, [1, 2, 1])
    assert mta.message_ids() == {message_id(1): 2, message_id(2): 1}


def test_drain_and_reset(mta):
    send_all(mta.url, [1, 2])
    drained = mta.drain()
    assert [m["Message-ID"] for m in drained] == [message_id(1), message_id(2)]
    assert mta.messages() == [] and mta.message_ids() == {}
    assert mta.connections == 1
    mta.inject("rcpt", 550, times=5)
    mta.reset()
    assert mta.connections == 0
    assert [r.outcome for r in send_all(mta.url, [3])] == ["sent"]  # the faults are gone
    assert mta.connections == 1


def test_envelope_is_recorded(mta):
    with smtplib.SMTP(mta.host, mta.port) as client:
        client.sendmail("from@b40.example", ["a@example.org", "b@example.org"], make_message(1))
    (message,) = mta.messages()
    assert message["X-Envelope-From"] == "from@b40.example"
    assert message["X-Envelope-To"] == "a@example.org, b@example.org"
    assert message["Subject"] == "Test 1"


def test_rset_fault(mta):
    mta.inject("rset", 421, "closing")
    with smtplib.SMTP(mta.host, mta.port) as client:
        assert client.rset() == (421, b"closing")
        assert client.noop()[0] == 250  # injected reply only; the connection stays


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("helo", 550), "unknown SMTP command"),
        (("rcpt", 250), "4xx or 5xx"),
        (("rcpt", 600), "4xx or 5xx"),
    ],
)
def test_inject_rejects_nonsense(mta, args, message):
    with pytest.raises(ValueError, match=message):
        mta.inject(*args)


def test_inject_needs_times(mta):
    with pytest.raises(ValueError, match="times"):
        mta.drop_connection("mail", times=0)


def test_port_zero_gets_a_real_port():
    with TestMTA() as first, TestMTA() as second:
        assert first.port > 0 and second.port > 0 and first.port != second.port
        assert first.url == f"smtp://127.0.0.1:{first.port}"
        assert first.connections == 0  # the controller's readiness probe is not counted


def test_maildir_sink_stores_messages(tmp_path):
    maildir = tmp_path / "outbox"
    with MaildirSink(maildir) as sink:
        results = send_all(sink.url, range(25), to="ок@example.org")
        assert sink.count == 25
    assert {r.outcome for r in results} == {"sent"}
    box = mailbox.Maildir(maildir, create=False)
    parsed = [email.message_from_bytes(box.get_bytes(key), policy=email.policy.default) for key in box.keys()]
    stored = sorted(parsed, key=lambda m: int(m["Subject"].split()[1]))
    assert len(stored) == 25
    assert [m["Message-ID"] for m in stored] == [message_id(n) for n in range(25)]
    assert {m["X-Envelope-To"] for m in stored} == {"ок@example.org"}


def test_maildir_sink_count_is_per_run(tmp_path):
    maildir = tmp_path / "outbox"
    with MaildirSink(maildir) as sink:
        send_all(sink.url, range(3))
    with MaildirSink(maildir) as again:
        send_all(again.url, range(3, 5))
        assert again.count == 2
    assert len(mailbox.Maildir(maildir, create=False)) == 5
