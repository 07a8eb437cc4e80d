"""Webhooks: registered per city, recorded where the workflow changes things, delivered signed to a real
HTTP server on 127.0.0.1, retried with backoff, logged."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from b40news.network import subscriptions
from b40news.network.models import City, Subscription
from b40news.releases import workflow
from b40news.translation.service import translate_release
from b40news.webhooks import delivery, http, signing
from b40news.webhooks.models import Delivery, Endpoint
from tests.api.conftest import client_for
from tests.web.test_office_fixtures import HOME, OTHER, logged_in, seed_release

pytestmark = pytest.mark.django_db(transaction=True)  # deliveries are enqueued on commit

EVERY = ["release.translated", "language.approved", "release.sent", "subscriber.unsubscribed"]


def register(user, url: str, events=EVERY, **data) -> dict:
    response = client_for(user).post("/api/v1/webhooks", {"url": url, "events": events, **data},
                                     content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()


def verified(recorded, secret: str) -> dict:
    """What a receiver does (README): check the signature over "<timestamp>." + body, then read it."""
    timestamp = recorded.headers["B40news-Timestamp"]
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + recorded.body, hashlib.sha256).hexdigest()
    assert recorded.headers["B40news-Signature"] == f"v1={expected}"
    assert signing.verify(secret, recorded.body, timestamp, recorded.headers["B40news-Signature"])
    return recorded.json()


# -- the signature and the URL rules (pure) --------------------------------------------------


def test_signatures_verify_and_refuse_tampering_staleness_and_other_secrets():
    body = b'{"event":"release.sent"}'
    headers = signing.headers("whsec_a", body, timestamp=1_700_000_000)
    assert signing.verify("whsec_a", body, headers["B40news-Timestamp"], headers["B40news-Signature"],
                          now=1_700_000_100)
    assert not signing.verify("whsec_b", body, headers["B40news-Timestamp"], headers["B40news-Signature"],
                              now=1_700_000_100)
    assert not signing.verify("whsec_a", body + b" ", headers["B40news-Timestamp"],
                              headers["B40news-Signature"], now=1_700_000_100)
    assert not signing.verify("whsec_a", body, headers["B40news-Timestamp"], headers["B40news-Signature"],
                              now=1_700_001_000)  # replayed 1000 s later
    assert not signing.verify("whsec_a", body, "not a time", headers["B40news-Signature"])
    rotating = f"v1={'0' * 64}, {headers['B40news-Signature']}"  # old and new secret during a rotation
    assert signing.verify("whsec_a", body, headers["B40news-Timestamp"], rotating, now=1_700_000_000)


def test_urls_that_would_probe_the_servers_own_network_are_refused():
    for url, reason in [
        ("ftp://example.org/", "https"), ("http://example.org/hook", "https"), ("https://u:p@example.org/", "user"),
        ("https://127.0.0.1/hook", "public"), ("https://10.1.2.3/", "public"), ("https://[::1]/", "public"),
        ("https://169.254.169.254/latest/meta-data", "public"), ("https:///nohost", "host"),
    ]:
        with pytest.raises(http.UrlRefused, match=reason):
            http.parse(url, allow_local=False)
    target = http.parse("https://hooks.example.org:8443/b40?x=1", allow_local=False)
    assert (target.host, target.port, target.path) == ("hooks.example.org", 8443, "/b40?x=1")
    # A name that resolves to a loopback address is refused at delivery, and nothing is sent.
    answer = http.post("https://localhost:9/hook", b"{}", {}, timeout=1, allow_local=False)
    assert answer.status is None and answer.error.startswith("refused:") and "not a public address" in answer.error
    assert http.parse("http://127.0.0.1:8000/hook", allow_local=True).port == 8000


def self_signed(tmp_path):
    """An SSLContext serving a fresh self-signed certificate for 127.0.0.1."""
    import datetime as dt
    import ipaddress
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                         serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    return context


def test_https_receivers_must_have_a_certificate_the_system_trusts(tmp_path):
    from tests.support.receiver import Receiver

    server = Receiver(tls=self_signed(tmp_path)).start()
    try:
        answer = http.post(server.url, b"{}", {}, timeout=5, allow_local=True)
    finally:
        server.stop()
    assert answer.status is None and "certificate verify failed" in answer.error  # TLS was checked, not skipped
    assert server.requests == []  # nothing reached a receiver that could not prove who it is


# -- registering through the API -----------------------------------------------------------


def test_an_officer_registers_lists_reads_and_deletes_the_own_citys_webhooks(officer, other_officer, staff,
                                                                           stranger, receiver):
    created = register(officer, receiver.url, ["language.approved"], description="our CMS")
    assert created["city"] == HOME and created["secret"].startswith("whsec_") and created["active"]
    assert Endpoint.objects.get().created_by == officer
    mine = client_for(officer)
    listed = mine.get("/api/v1/webhooks").json()
    assert [item["id"] for item in listed] == [created["id"]] and "secret" not in listed[0]
    assert mine.get(f"/api/v1/webhooks/{created['id']}").json()["events"] == ["language.approved"]
    assert mine.get(f"/api/v1/webhooks/{created['id']}/deliveries").json() == {
        "count": 0, "page": 1, "page_size": 50, "items": []}
    # Another city's officer neither sees nor deletes it; a stranger is refused; staff see all.
    theirs = client_for(other_officer)
    assert theirs.get("/api/v1/webhooks").json() == []
    assert theirs.get(f"/api/v1/webhooks/{created['id']}").status_code == 404
    assert theirs.delete(f"/api/v1/webhooks/{created['id']}").status_code == 404
    assert client_for(stranger).get("/api/v1/webhooks").status_code == 403
    assert Client().get("/api/v1/webhooks").status_code == 401
    assert len(client_for(staff).get("/api/v1/webhooks").json()) == 1
    # Rules: another city, an unknown event, no event, a URL that may not be called.
    assert mine.post("/api/v1/webhooks", {"url": receiver.url, "events": EVERY, "city": OTHER},
                     content_type="application/json").status_code == 403
    assert mine.post("/api/v1/webhooks", {"url": receiver.url, "events": ["release.eaten"]},
                     content_type="application/json").status_code == 400
    assert mine.post("/api/v1/webhooks", {"url": receiver.url, "events": []},
                     content_type="application/json").status_code == 400
    staff_made = register(staff, "https://hooks.example.org/b40", city=OTHER)
    assert staff_made["city"] == OTHER
    assert client_for(staff).post("/api/v1/webhooks", {"url": receiver.url, "events": EVERY},
                                  content_type="application/json").status_code == 400  # staff name the city
    assert mine.delete(f"/api/v1/webhooks/{created['id']}").status_code == 204
    assert not Endpoint.objects.filter(pk=created["id"]).exists()


def test_plain_http_and_local_addresses_need_the_setting(officer, settings):
    settings.WEBHOOK_ALLOW_LOCAL = False
    response = client_for(officer).post("/api/v1/webhooks", {"url": "http://127.0.0.1:8000/", "events": EVERY},
                                        content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_url"


# -- events where the workflow makes the change ----------------------------------------------


def test_approving_through_the_api_posts_a_signed_language_approved(release, officer, receiver):
    hook = register(officer, receiver.url, ["language.approved"])
    response = client_for(officer).post(f"/api/v1/releases/{release.pk}/approve",
                                        {"languages": ["mk"], "force": True}, content_type="application/json")
    assert response.status_code == 200
    [request] = receiver.wait_for(1)
    assert request.path == "/hook" and request.headers["Content-Type"] == "application/json"
    assert request.headers["B40news-Event"] == "language.approved"
    body = verified(request, hook["secret"])
    assert body["event"] == "language.approved" and body["city"] == HOME
    assert body["data"] == {"release": release.pk, "title": release.title, "language": "mk",
                            "flagged": body["data"]["flagged"], "approved_by": "ana"}
    row = Delivery.objects.get()
    assert request.headers["B40news-Delivery"] == str(row.pk) and body["id"] == str(row.event_id)
    assert row.state == "delivered" and row.attempts == 1 and row.last_status == 200 and row.delivered_at
    log = client_for(officer).get(f"/api/v1/webhooks/{hook['id']}/deliveries").json()
    assert log["count"] == 1 and log["items"][0]["state"] == "delivered"
    # Approving it again changes nothing and posts nothing.
    workflow.approve(release, ["mk"], force=True, override=True)
    assert Delivery.objects.count() == 1


def test_translation_sending_and_unsubscribing_post_their_events(officer, receiver, mta, settings):
    settings.SMTP_URL = mta.url
    hook = register(officer, receiver.url)
    release = seed_release(translate=())  # a draft: nothing translated yet
    translate_release(release, ["mk"])
    [translated] = receiver.wait_for(1)
    body = verified(translated, hook["secret"])
    assert body["event"] == "release.translated" and body["data"]["release"] == release.pk
    assert body["data"]["languages"]["mk"]["status"] == "translated"

    workflow.send(release)
    sent = receiver.wait_for(2)[1]
    body = verified(sent, hook["secret"])
    assert body["event"] == "release.sent" and body["data"]["status"] == "sent_waiting"
    assert body["data"]["counts"] == {"sent": 2, "waiting": 3}

    subscription = Subscription.objects.filter(mailing_list__slug=f"{HOME}-news").select_related(
        "subscriber").first()
    assert subscriptions.unsubscribe(subscription)
    assert not subscriptions.unsubscribe(subscription)  # already left: no second event
    gone = receiver.wait_for(3)[2]
    body = verified(gone, hook["secret"])
    assert body["event"] == "subscriber.unsubscribed"
    assert body["data"]["email"] == subscription.subscriber.email and body["data"]["list"] == f"{HOME}-news"
    assert len(receiver.requests) == 3


def test_only_the_citys_active_endpoints_that_want_the_event_get_it(release, officer, other_officer, receiver):
    register(officer, receiver.url, ["release.sent"])  # not this event
    register(other_officer, receiver.url, EVERY)  # another city
    off = register(officer, receiver.url, EVERY)
    Endpoint.objects.filter(pk=off["id"]).update(active=False)
    workflow.approve(release, ["mk"], force=True, override=True)
    assert not Delivery.objects.exists() and receiver.requests == []


def test_a_change_rolled_back_posts_nothing(release, officer, receiver):
    register(officer, receiver.url, ["language.approved"])
    with pytest.raises(RuntimeError), transaction.atomic():
        workflow.approve(release, ["mk"], force=True, override=True)
        raise RuntimeError("the caller's transaction fails after the approval")
    assert not Delivery.objects.exists() and receiver.requests == []


# -- failures, retries, the log ---------------------------------------------------------------


def test_a_failing_receiver_is_retried_with_backoff_until_it_answers(release, officer, receiver):
    hook = register(officer, receiver.url, ["language.approved"])
    receiver.fail(500, "close", 429)
    workflow.approve(release, ["mk"], force=True, override=True)
    row = Delivery.objects.get()
    assert row.state == "pending" and row.attempts == 1 and row.last_status == 500
    assert row.next_attempt_at > timezone.now() + timedelta(seconds=50)
    assert delivery.send(row.pk) == ("early", pytest.approx(60, abs=5))  # not before its time
    later = timezone.now()
    for expected_attempt, step, status in ((2, 60, None), (3, 300, 429)):
        later += timedelta(seconds=step + 1)
        assert delivery.sweep(lambda pk: delivery.send(pk, now=later), now=later)["due"] == 1
        row.refresh_from_db()
        assert row.state == "pending" and row.attempts == expected_attempt and row.last_status == status
        assert bool(row.last_error) == (status is None)  # no answer: what happened instead is logged
    later += timedelta(seconds=1801)
    delivery.sweep(lambda pk: delivery.send(pk, now=later), now=later)
    row.refresh_from_db()
    assert row.state == "delivered" and row.attempts == 4 and row.last_status == 200
    requests = receiver.requests
    assert [r.status for r in requests] == [500, None, 429, 200]
    assert len({r.headers["B40news-Delivery"] for r in requests}) == 1  # one delivery, four attempts
    assert len({r.body for r in requests}) == 1  # the same body every time, each signed afresh
    assert [r.headers["B40news-Attempt"] for r in requests] == ["1", "2", "3", "4"]
    for request in requests:
        verified(request, hook["secret"])


def test_a_refusal_fails_at_once_and_retries_run_out(release, officer, receiver, settings):
    register(officer, receiver.url, ["language.approved"])
    receiver.fail(401)
    workflow.approve(release, ["mk"], force=True, override=True)
    row = Delivery.objects.get()
    assert row.state == "failed" and row.attempts == 1 and row.last_status == 401 and "not retried" in row.last_error
    # A receiver that never answers in time: every retry, then failed.
    settings.WEBHOOK_TIMEOUT = 0.3
    receiver.fail(*["hang"] * (len(delivery.RETRY_DELAYS) + 1))
    workflow.approve(release, ["en"], force=True, override=True)
    row = Delivery.objects.get(body__contains='"en"')
    later = timezone.now()
    for _ in delivery.RETRY_DELAYS:
        later += timedelta(days=2)
        delivery.send(row.pk, now=later)
    row.refresh_from_db()
    assert row.state == "failed" and row.attempts == len(delivery.RETRY_DELAYS) + 1
    assert row.last_error.startswith("timeout")


def test_a_worker_that_died_mid_delivery_is_taken_back_by_the_sweep(release, officer, receiver):
    register(officer, receiver.url, ["language.approved"])
    receiver.fail(503)
    workflow.approve(release, ["mk"], force=True, override=True)
    row = Delivery.objects.get()
    Delivery.objects.filter(pk=row.pk).update(state="sending", sending_at=timezone.now() - timedelta(hours=1))
    assert delivery.send(row.pk) == ("sending", None)  # another worker has it: nothing sent twice meanwhile
    report = delivery.sweep(lambda pk: delivery.send(pk))
    assert report == {"due": 1, "taken_back": 1}
    row.refresh_from_db()
    assert row.state == "delivered"


def test_the_admin_shows_the_log_and_delivers_again(release, officer, staff, receiver):
    staff.is_superuser = True
    staff.save()
    register(officer, receiver.url, ["language.approved"])
    receiver.fail(400)
    workflow.approve(release, ["mk"], force=True, override=True)
    row = Delivery.objects.get()
    admin = logged_in(staff)
    admin.handler.enforce_csrf_checks = False
    page = admin.get("/admin/webhooks/delivery/").content.decode()
    assert "language.approved" in page and "failed" in page
    assert row.body[:40].replace('"', "&quot;") in admin.get(f"/admin/webhooks/delivery/{row.pk}/change/"
                                                             ).content.decode()
    admin.post("/admin/webhooks/delivery/", {"action": "deliver_again", "_selected_action": [row.pk]})
    row.refresh_from_db()
    assert row.state == "delivered" and row.attempts == 1
    endpoints = admin.get("/admin/webhooks/endpoint/").content.decode()
    assert receiver.url in endpoints
    created = admin.post("/admin/webhooks/endpoint/add/", {
        "city": City.objects.get(slug=OTHER).pk, "url": "https://hooks.example.org/x",
        "events": ["release.sent"], "description": "", "active": "on"})
    assert created.status_code == 302, created.content.decode()[:2000]
    assert Endpoint.objects.get(url="https://hooks.example.org/x").secret.startswith("whsec_")


@pytest.mark.slow
def test_a_real_worker_delivers_on_the_webhooks_queue(release, officer, receiver, celery_workers):
    celery_workers.extra_env["B40NEWS_WEBHOOK_ALLOW_LOCAL"] = "true"
    celery_workers.start(concurrency=1)
    hook = register(officer, receiver.url, ["language.approved"])
    workflow.approve(release, ["mk"], force=True, override=True)
    [request] = receiver.wait_for(1, timeout=60)
    assert verified(request, hook["secret"])["data"]["language"] == "mk"
    from worker import app

    assert app.amqp.router.route({}, "worker.tasks.deliver_webhook")["queue"].name == "webhooks"


def test_the_event_body_is_json_with_sorted_keys(release, officer, receiver):
    register(officer, receiver.url, ["language.approved"])
    workflow.approve(release, ["mk"], force=True, override=True)
    body = Delivery.objects.get().body
    assert body == json.dumps(json.loads(body), ensure_ascii=False, separators=(",", ":"), sort_keys=True)
