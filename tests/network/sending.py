"""Sending releases for real (the sender, the test MTA) for the tests of this folder."""

from __future__ import annotations

from django.test import override_settings

from b40news.delivery import ledger, sender, service
from b40news.network.models import Language, MailingList, Subscriber, Subscription
from b40news.releases import workflow
from b40news.releases.models import Release

BODY = "Среща в София\nКметът на София откри срещата.\n\nОбщината покани гости от Загреб."


def subscribe(email: str, *lists: str, language: str = "bg", status: str = "confirmed") -> Subscriber:
    subscriber = Subscriber.objects.create(email=email, language=Language.objects.for_code(language))
    for slug in lists:
        Subscription.objects.create(subscriber=subscriber, mailing_list=MailingList.objects.get(slug=slug),
                                    status=status, consent_ip="192.0.2.7", consent_form="sign-up",
                                    consent_language=language)
    return subscriber


def send_release(mta, *lists: str, title: str = "Среща в София") -> Release:
    """A release submitted, approved (the original) and sent through the sender to ``mta``."""
    body = BODY.replace("Среща в София", title, 1)
    release = workflow.submit(body.encode(), name="r.txt", city="sofia", lists=list(lists) or ())
    with override_settings(SMTP_URL=mta.url):
        workflow.store_source(release)
        service.prepare_send(release)
        Release.objects.filter(pk=release.pk).update(status=Release.Status.SENDING)
        while (batch := ledger.claim_batch(release.pk, 100)) is not None:
            sender.send_batch(batch)
    workflow.settle(release.pk)
    return release
