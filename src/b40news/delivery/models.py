"""The delivery ledger: one row per (release, subscriber), and what was rendered."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from b40news.network.models import City, MailingList, Subscriber
from b40news.releases.models import Release


class Rendition(models.Model):
    """The email of one release in one language for one city, rendered once."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="renditions")
    language = models.CharField(max_length=16)
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    subject = models.CharField(max_length=400)
    html = models.TextField()
    text = models.TextField()
    errors = models.JSONField(default=list, blank=True)
    # What it was rendered from (`renditions.source_digest`): a rendition whose
    # translation changed since is made again, whichever path changed it.
    digest = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["release", "language", "city"], name="one_rendition")
        ]


class LedgerRow(models.Model):
    """What every outgoing message records, newsletter delivery or notice:
    its state, its Message-ID, each attempt and the relay's last answer."""

    class State(models.TextChoices):
        WAITING = "waiting"  # the subscriber's language is not approved yet
        PENDING = "pending"  # ready to be claimed by a batch
        QUEUED = "queued"  # claimed into a batch that a send task will take
        SENDING = "sending"  # the message is being handed to the relay
        SENT = "sent"
        FAILED = "failed"
        BOUNCED = "bounced"
        UNCERTAIN = "uncertain"  # the worker died while the relay may have taken it
        SUPPRESSED = "suppressed"  # unsubscribed or suppressed before it left

    FINAL = (State.SENT, State.FAILED, State.BOUNCED, State.UNCERTAIN, State.SUPPRESSED)

    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    message_id = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sending_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class Delivery(LedgerRow):
    """One newsletter to one subscriber: one row per (release, subscriber)."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="deliveries")
    mailing_list = models.ForeignKey(MailingList, on_delete=models.PROTECT, related_name="deliveries")
    language = models.CharField(max_length=16)  # the language this subscriber gets
    batch = models.CharField(max_length=36, blank=True, db_index=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["release", "subscriber"], name="one_delivery_per_subscriber")
        ]
        indexes = [models.Index(fields=["release", "state"])]
        verbose_name_plural = "deliveries"


class Suppression(models.Model):
    """Addresses no send may reach: unsubscribed, hard-bounced or complained."""

    class Reason(models.TextChoices):
        UNSUBSCRIBED = "unsubscribed"
        HARD_BOUNCE = "hard-bounce"
        COMPLAINT = "complaint"

    email = models.CharField(max_length=320, unique=True)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)


class Notice(LedgerRow):
    """Every e-mail that is not a newsletter: a ledger row of its own kind.

    Confirmations (double opt-in), test sends and reviewer notifications go
    through the same composer, DKIM signing, rate limit and bounce handling as
    newsletters, on their own queue (``notify``), so a burst of them never
    waits behind a large send. The row is the message's identity: it is built from ``payload`` when sent,
    marked ``sending`` before the relay takes it, and never sent twice.
    """

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation"  # payload: subscription, language
        TEST = "test"  # payload: release, language, city
        REVIEW = "review"  # payload: items [{release, languages {code: role}}] (one release)
        REVIEW_DIGEST = "review-digest"  # the same, every release since the last digest

    kind = models.CharField(max_length=16, choices=Kind.choices)
    email = models.CharField(max_length=320)
    language = models.CharField(max_length=16)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "email", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} to {self.email} ({self.state})"
