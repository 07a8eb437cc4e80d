"""One subscriber per mailbox: the key, the model, and the migration that merged old duplicates."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from b40news.network.addresses import mailbox_key, normalise
from b40news.network.models import Language, Subscriber


@pytest.mark.parametrize("one, other", [
    ("Dup@Example.org", "dup@example.org"),
    ("ANA.Petrova@EXAMPLE.ORG", "ana.petrova@example.org"),
    ("Petar@Пример.бг", "petar@xn--e1afmkfd.xn--90ae"),
    ("ÄNA@x.org", "äna@X.ORG"),
    ("Straße@x.org", "STRASSE@x.org"),  # Unicode case folding, as Postfix folds UTF-8 local parts
])
def test_spellings_of_one_mailbox_share_a_key(one, other):
    assert normalise(one).key == normalise(other).key


@pytest.mark.parametrize("one, other", [
    ("ana@example.org", "ana@example.com"),
    ("ana.p@example.org", "anap@example.org"),  # dots are one provider's rule, not every mail system's
    ("ana+news@example.org", "ana@example.org"),
])
def test_different_mailboxes_keep_different_keys(one, other):
    assert normalise(one).key != normalise(other).key


def test_the_key_of_a_normalised_address_is_that_of_its_text():
    address = normalise("Petar@Пример.бг")
    assert address.key == mailbox_key(address.email) == "petar@пример.бг"


@pytest.mark.django_db
def test_the_database_refuses_a_second_spelling():
    language = Language.objects.for_code("en")
    Subscriber.objects.create(email="Dup@example.org", language=language)
    with pytest.raises(IntegrityError), transaction.atomic():
        Subscriber.objects.create(email="dup@example.org", language=language)
    made = Subscriber.objects.bulk_create(
        [Subscriber(email="DUP@example.org", language=language), Subscriber(email="new@example.org", language=language)],
        ignore_conflicts=True,
    )
    assert len(made) == 2 and Subscriber.objects.count() == 2  # the duplicate was ignored, the key filled
    assert Subscriber.objects.for_email("NEW@Example.org").get().email == "new@example.org"
    with pytest.raises(ValidationError):  # the admin's form says so before the database does
        Subscriber(email="dUp@example.org", language=language).full_clean()


@pytest.mark.django_db(transaction=True)
def test_the_migration_merges_existing_case_duplicates_safely():
    executor = MigrationExecutor(connection)
    before = [("network", "0005_email_key_rate_window"), ("delivery", "0001_initial"), ("releases", "0001_initial")]
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    Language = apps.get_model("network", "Language")
    City = apps.get_model("network", "City")
    MailingList = apps.get_model("network", "MailingList")
    Subscriber = apps.get_model("network", "Subscriber")
    Subscription = apps.get_model("network", "Subscription")
    Release = apps.get_model("releases", "Release")
    Delivery = apps.get_model("delivery", "Delivery")
    Suppression = apps.get_model("delivery", "Suppression")
    now = timezone.now()
    earlier = now - timezone.timedelta(days=30)
    bg, _ = Language.objects.get_or_create(code="bg", defaults={"name": "Bulgarian", "native_name": "Български",
                                                                  "script": "Cyrl"})
    city = City.objects.create(slug="sofia", country="BG", default_language=bg)
    one, two, three = (MailingList.objects.create(city=city, slug=f"l{n}", name=f"L{n}") for n in (1, 2, 3))
    release = Release.objects.create(city=city, title="T", body="B")

    def subscriber(email, token, created):
        return Subscriber.objects.create(email=email, language=bg, token=token, created_at=created)

    old = subscriber("Dup@Example.org", "t1", earlier)  # two confirmed lists: kept
    new = subscriber("dup@example.org", "t2", now)
    alone = subscriber("alone@example.org", "t3", now)
    Subscription.objects.create(subscriber=old, mailing_list=one, status="confirmed", confirmed_at=earlier)
    Subscription.objects.create(subscriber=old, mailing_list=two, status="confirmed", confirmed_at=earlier)
    # Unsubscribed from l1 after the old row's confirmation: the unsubscription wins.
    Subscription.objects.create(subscriber=new, mailing_list=one, status="unsubscribed", unsubscribed_at=now)
    Subscription.objects.create(subscriber=new, mailing_list=three, status="pending")  # moves over
    Delivery.objects.create(release=release, subscriber=old, mailing_list=one, language="bg", state="pending")
    Delivery.objects.create(release=release, subscriber=new, mailing_list=one, language="bg", state="sent")
    Suppression.objects.create(email="dup@example.org", reason="complaint")
    Suppression.objects.create(email="Dup@Example.org", reason="hard-bounce")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from b40news.delivery.models import Delivery as LiveDelivery, Suppression as LiveSuppression
    from b40news.network.models import Subscriber as LiveSubscriber

    kept = LiveSubscriber.objects.get(email_key="dup@example.org")
    assert kept.pk == old.pk and kept.email == "Dup@Example.org"
    assert LiveSubscriber.objects.count() == 2
    assert LiveSubscriber.objects.get(pk=alone.pk).email_key == "alone@example.org"
    statuses = dict(kept.subscriptions.values_list("mailing_list__slug", "status"))
    assert statuses == {"l1": "unsubscribed", "l2": "confirmed", "l3": "pending"}
    [delivery] = LiveDelivery.objects.all()
    assert (delivery.subscriber_id, delivery.state) == (old.pk, "sent")  # never sent twice
    [suppression] = LiveSuppression.objects.all()
    assert (suppression.email, suppression.reason) == ("Dup@Example.org", "complaint")
