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
    # None once the person is erased (network/privacy.py) or the row is past retention: the row,
    # and so every count, stays; whom it went to does not.
    subscriber = models.ForeignKey(Subscriber, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="deliveries")
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
    """Addresses no send may reach: hard-bounced, complained, or erased on request.

    ``digest`` is a salted hash of the mailbox (`suppressions.digest`); an
    erased person's row keeps only that (``email`` becomes ``erased:<digest>``),
    so an import cannot add the address back silently, while nothing readable
    is left.
    """

    class Reason(models.TextChoices):
        UNSUBSCRIBED = "unsubscribed"
        HARD_BOUNCE = "hard-bounce"
        COMPLAINT = "complaint"
        ERASED = "erased"  # the person's data was erased: not to be imported again

    email = models.CharField(max_length=320, unique=True)
    digest = models.CharField(max_length=64, blank=True, db_index=True)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.email} ({self.reason})"


class BounceScore(models.Model):
    """How badly one address has bounced lately (`delivery/scoring.py`).

    Mailman's bounce score and listmonk's counts: ``hard`` grows with permanent
    failures (a 5.1.x by the whole threshold), ``soft`` with days that had a
    soft one; both are forgotten when no bounce came for BOUNCE_DECAY_DAYS.
    """

    email = models.CharField(max_length=320, unique=True)
    hard = models.FloatField(default=0)
    soft = models.FloatField(default=0)
    last_status = models.CharField(max_length=16, blank=True)
    last_bounce_at = models.DateTimeField(default=timezone.now)
    last_soft_on = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.email}: hard {self.hard:g}, soft {self.soft:g}"


class MailReport(models.Model):
    """What a bounce, a complaint, an unsubscribe mail or a refusal at RCPT said, and what was done.

    Forged and unmatched reports are kept too (never acted on), and 5.7.x
    refusals (``policy``) are how the admin learns of a deliverability problem.
    """

    class Source(models.TextChoices):
        DSN = "dsn"  # a bounce in the bounce mailbox (RFC 3464 or any format flufl.bounce reads)
        ARF = "arf"  # a complaint (RFC 5965)
        RCPT = "rcpt"  # the relay refused the recipient while sending
        MAILTO = "mailto"  # a mail to the List-Unsubscribe address

    class Verdict(models.TextChoices):
        HARD = "hard"  # 5.1.x: no such address
        PERMANENT = "permanent"  # another permanent failure
        SOFT = "soft"  # 4.x.x, mailbox full (5.2.2), message too large
        POLICY = "policy"  # 5.7.x: refused for policy (reputation, spam, authentication)
        DELAYED = "delayed"
        COMPLAINT = "complaint"
        UNSUBSCRIBE = "unsubscribe"
        FORGED = "forged"  # a token that does not verify, a complaint from no configured feedback loop
        UNMATCHED = "unmatched"  # a verified token, but the report names another recipient, or none

    source = models.CharField(max_length=8, choices=Source.choices)
    verdict = models.CharField(max_length=12, choices=Verdict.choices)
    email = models.CharField(max_length=320, blank=True)  # the row's address; "" once erased
    delivery = models.ForeignKey(Delivery, on_delete=models.SET_NULL, null=True, blank=True, related_name="reports")
    notice = models.ForeignKey("Notice", on_delete=models.SET_NULL, null=True, blank=True, related_name="reports")
    status = models.CharField(max_length=16, blank=True)  # the enhanced status code, "5.7.1"
    code = models.PositiveSmallIntegerField(null=True, blank=True)  # the SMTP reply code
    detail = models.TextField(blank=True)
    label = models.CharField(max_length=300, blank=True)  # where it was read (maildir key, Message-ID)
    acted = models.BooleanField(default=False)  # whether anything changed because of it
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["verdict", "created_at"])]

    def __str__(self) -> str:
        return f"{self.source} {self.verdict} {self.status}".strip()


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
        PREFERENCES = "preferences"  # payload: subscriber (a fresh preferences link, asked for on the site)

    kind = models.CharField(max_length=16, choices=Kind.choices)
    email = models.CharField(max_length=320)
    language = models.CharField(max_length=16)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "email", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} to {self.email} ({self.state})"


class ArchiveView(models.Model):
    """How often the public page of a release in one language was opened, per day.

    Counted on the server when the archive page is served (`web/public/archive.py`):
    one counter per (release, language, day), nothing about who opened it, no
    pixel in any e-mail. The reach figures (`delivery/reach.py`) add them up.
    """

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="archive_views")
    language = models.CharField(max_length=16)
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["release", "language", "day"], name="one_archive_counter_per_day")
        ]

    def __str__(self) -> str:
        return f"release {self.release_id} {self.language} {self.day}: {self.count}"
