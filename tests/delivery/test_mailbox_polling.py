"""Celery beat polls the bounce and unsubscribe mailboxes (B40NEWS_BOUNCE_MAILBOX,
B40NEWS_UNSUBSCRIBE_MAILBOX: a Maildir or an IMAP folder) when they are set: the
tasks read them as the `bounces process` and `unsubscribes process` commands do.
The reports are the real-world samples of tests/delivery/data, filled in for
messages that really went through the sender. (The whole chain, beat and a
worker included, runs in tests/ops/test_procfile_stack.py.)"""

from __future__ import annotations

import mailbox
import os

import pytest
from django.test import override_settings

import worker.tasks  # noqa: F401 (registers the tasks, as a worker does through `include`)
from b40news.delivery.models import Delivery
from b40news.network.models import Subscription
from b40news.network.sample import load_sample
from tests.delivery.test_bounces import feedback_loop, fill, reports_of, sent, snapshot  # noqa: F401 (fixtures)
from tests.network.sending import send_release, subscribe
from tests.network.test_unsubscribe_mail import reply_to
from tests.ops.processes import b40news, clean_env
from tests.support.dovecot import Dovecot
from worker import QUEUES, app, beat_schedule
from worker.tasks import poll_bounces, poll_unsubscribes

SUMMARY = "bounced 2, complaints 1, delayed 1, policy 0, forged 0, unmatched 0, ignored 1 (already recorded: 0)"
NOTHING_NEW = "bounced 0, complaints 0, delayed 0, policy 0, forged 0, unmatched 0, ignored 0 (already recorded: 0)"


@pytest.fixture
def dovecot():
    server = Dovecot()
    yield server
    server.stop()


def test_beat_polls_the_mailboxes_that_are_configured(tmp_path):
    with override_settings(BOUNCE_MAILBOX="", UNSUBSCRIBE_MAILBOX=""):
        assert not {"poll-bounces", "poll-unsubscribes"} & set(beat_schedule())
    with override_settings(BOUNCE_MAILBOX=str(tmp_path / "bounces"), UNSUBSCRIBE_MAILBOX="",
                           MAILBOX_POLL_SECONDS=120):
        schedule = beat_schedule()
        assert "poll-unsubscribes" not in schedule
        assert schedule["poll-bounces"]["task"] == "worker.tasks.poll_bounces"
        assert schedule["poll-bounces"]["schedule"] == 120
    with override_settings(BOUNCE_MAILBOX="imaps://b:p@127.0.0.1/INBOX", UNSUBSCRIBE_MAILBOX=str(tmp_path / "u")):
        schedule = beat_schedule()
    for name in ("poll-bounces", "poll-unsubscribes"):
        task = schedule[name]["task"]
        assert task in app.tasks
        assert app.conf.task_routes[task]["queue"] in QUEUES.split(",")
        # A poll left in the queue longer than one interval is dropped, not piled up.
        assert schedule[name]["options"]["expires"] == schedule[name]["schedule"]


@pytest.mark.django_db
def test_the_bounce_poll_reads_a_maildir_once(sent, tmp_path):
    path = tmp_path / "bounces"
    box = mailbox.Maildir(path, create=True)
    for raw in reports_of(sent):
        box.add(raw)
    with override_settings(BOUNCE_MAILBOX=str(path)):
        assert poll_bounces.apply().get() == SUMMARY
        assert Delivery.objects.get(pk=sent["unknown"].pk).state == "bounced"
        assert Subscription.objects.get(subscriber__email="maria@example.com",
                                        mailing_list__slug="sofia-news").status == "unsubscribed"
        assert os.listdir(path / "new") == [] and len(os.listdir(path / "cur")) == 5
        before = snapshot()
        assert poll_bounces.apply().get() == NOTHING_NEW
        assert snapshot() == before


@pytest.mark.django_db
def test_the_bounce_poll_reads_an_imap_folder(sent, dovecot, monkeypatch):
    for raw in reports_of(sent):
        dovecot.deliver(raw)
    monkeypatch.setenv("SSL_CERT_FILE", str(dovecot.cert))  # trust the server's own certificate
    with override_settings(BOUNCE_MAILBOX=dovecot.url(tls=True)):
        assert poll_bounces.apply().get() == SUMMARY
        assert (dovecot.search("UNSEEN"), dovecot.search("SEEN")) == (0, 5)
        assert Delivery.objects.get(pk=sent["unknown"].pk).state == "bounced"
        dovecot.deliver(fill("postfix-5.1.1-user-unknown.eml", sent["unknown"]))
        assert poll_bounces.apply().get() == NOTHING_NEW.replace("bounced 0", "bounced 1").replace(
            "already recorded: 0", "already recorded: 1")
        assert dovecot.search("UNSEEN") == 0
    # A mailbox that cannot be read fails the task (logged by the worker); the next poll tries again.
    with override_settings(BOUNCE_MAILBOX=dovecot.url(tls=False).replace("s3cr%40t", "wrong")):
        with pytest.raises(Exception, match="(?i)authentication failed"):
            poll_bounces.apply().get()


@pytest.mark.django_db
def test_the_unsubscribe_poll_reads_its_maildir(mta, tmp_path):
    load_sample(0)
    ana = subscribe("ana@example.org", "sofia-news", "varna-news")
    send_release(mta, "sofia-news")
    newsletter = next(m for m in mta.messages() if m["To"] == "ana@example.org")
    mailto = next(target.strip("<> ") for target in newsletter["List-Unsubscribe"].split(",")
                  if target.strip().startswith("<mailto:"))
    path = tmp_path / "unsubscribe"
    mailbox.Maildir(path, create=True).add(reply_to(mailto, "Ana <ana@example.org>"))
    with override_settings(UNSUBSCRIBE_MAILBOX=str(path)):
        assert poll_unsubscribes.apply().get() == "unsubscribed 1, already left 0, forged 0, ignored 0"
        assert poll_unsubscribes.apply().get() == "unsubscribed 0, already left 0, forged 0, ignored 0"
    statuses = dict(Subscription.objects.filter(subscriber=ana).values_list("mailing_list__slug", "status"))
    assert statuses == {"sofia-news": "unsubscribed", "varna-news": "confirmed"}


@pytest.mark.parametrize("value, problem", [
    ("imap://bounces:secret-pw@mail.example.org/INBOX", "would send the password in the clear"),
    ("pop3://bounces:secret-pw@mail.example.org/", "not an imap:// or imaps:// URL"),
    ("relative/Maildir", "absolute path"),
])
def test_a_mailbox_setting_that_cannot_work_is_refused_at_start(tmp_path, value, problem):
    result = b40news("check", env=clean_env(tmp_path, B40NEWS_BOUNCE_MAILBOX=value))
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("b40news: B40NEWS_BOUNCE_MAILBOX: "), result.stderr
    assert problem in result.stderr and "secret-pw" not in result.stderr
