"""Releases (the Bulgarian source) and their translations under review."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from b40news.network.models import City, Language, MailingList


class Release(models.Model):
    class Status(models.TextChoices):
        """draft → translating → review → (scheduled →) sending → one of the three outcomes.

        Only `releases.workflow` moves a release between them. ``paused`` and
        ``cancelled`` are the officer's: a paused send resumes, a cancelled one
        (its unsent rows taken back) can be sent again.
        """

        DRAFT = "draft"
        TRANSLATING = "translating"
        REVIEW = "review"
        SCHEDULED = "scheduled"
        SENDING = "sending"
        PAUSED = "paused"
        SENT = "sent"  # every recipient reached (or final: bounced, suppressed)
        SENT_WAITING = "sent_waiting"  # sent, some subscribers wait for their language
        SENT_WITH_FAILURES = "sent_with_failures"  # sent, some messages failed or are uncertain
        CANCELLED = "cancelled"

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="releases")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=300)
    body = models.TextField()  # the Bulgarian source, exactly as submitted (newlines normalised)
    lists = models.ManyToManyField(MailingList, related_name="releases")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    scheduled_for = models.DateTimeField(null=True, blank=True)  # a send set for later
    # Waiting language -> the approved language its subscribers get instead.
    fallbacks = models.JSONField(default=dict, blank=True)
    # The officer's plan for the deadline: waiting language -> the language its
    # subscribers get once the deadline has passed (if that one is approved by
    # then), or "wait". Copied from the city's defaults at submit;
    # `workflow.apply_deadlines` (Celery beat) turns it into ``fallbacks``.
    planned_fallbacks = models.JSONField(default=dict, blank=True)
    # Translations and reviews are wanted by then (the officer's choice, else
    # B40NEWS_REVIEW_DEADLINE_HOURS after submitting); shown to reviewers.
    deadline = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"


class Translation(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        TRANSLATED = "translated"  # machine output, waiting for review
        NO_ENGINE = "no_engine"
        FAILED = "failed"
        APPROVED = "approved"
        STALE = "stale"  # the glossary changed after it was made

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="translations")
    language = models.ForeignKey(Language, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    title = models.CharField(max_length=300, blank=True)
    text = models.TextField(blank=True)
    segments = models.JSONField(default=list, blank=True)  # [{source, target, from_memory, flags, state, ...}]
    route = models.JSONField(default=list, blank=True)  # ["apertium:bg-mk"], ["human"]
    tier = models.CharField(max_length=8, blank=True)  # good | gist | human
    reason = models.TextField(blank=True)  # why it is not translated, and what to do
    glossary_report = models.JSONField(default=dict, blank=True)  # {required, satisfied, missing}
    glossary_version = models.CharField(max_length=32, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who approved, by name (kept when the account goes; "cli" for the operator),
    # and whether it overrode the language's reviewers (`releases.reviewers`).
    approved_by_name = models.CharField(max_length=150, blank=True)
    approval_override = models.BooleanField(default=False)

    # The fields an approval sets; every change that takes it back clears them.
    APPROVAL_CLEARED = {"approved_at": None, "approved_by": None, "approved_by_name": "", "approval_override": False}

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["release", "language"], name="one_translation_per_language")
        ]

    @property
    def flagged(self) -> int:
        return sum(1 for segment in self.segments if segment.get("flags"))

    @property
    def publishable(self) -> int:
        """Segments with text that the checks would publish as they are (no flag)."""
        return sum(1 for segment in self.segments
                   if any(c.isalpha() for c in segment.get("source", "")) and not segment.get("flags"))


class LanguageRole(models.Model):
    """A user who translates or reviews one language: for every city's releases
    (no city) or for one city's (one row per city). See `releases.reviewers`."""

    class Role(models.TextChoices):
        REVIEWER = "reviewer"  # edits and approves
        TRANSLATOR = "translator"  # edits; a reviewer approves

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="language_roles")
    language = models.ForeignKey(Language, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.REVIEWER)
    city = models.ForeignKey(City, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                             help_text="empty: the releases of every city")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "language", "city"], condition=models.Q(city__isnull=False),
                                    name="one_language_role_per_city"),
            models.UniqueConstraint(fields=["user", "language"], condition=models.Q(city__isnull=True),
                                    name="one_network_wide_language_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.role} {self.language} ({self.city.slug if self.city else 'network'})"


class ReviewerSettings(models.Model):
    """How a reviewer or translator hears of work waiting for them."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_settings")
    # The language of their notices; none: their officer city's language, else English.
    language = models.ForeignKey(Language, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    daily_digest = models.BooleanField(default=False)  # one mail a day instead of one per release
    # The IANA time zone the office shows times in; empty: their city's (`web.office.zones`).
    time_zone = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name_plural = "reviewer settings"


class ReviewRequest(models.Model):
    """A release announced to one of its reviewers or translators: once (unique),
    in a mail of its own or, for those who chose it, in the next daily digest."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="review_requests")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    languages = models.JSONField(default=dict)  # language code -> role, as it was when announced
    created_at = models.DateTimeField(default=timezone.now)
    # When it was mailed or went into a digest (or was dropped: nothing waited any more).
    notified_at = models.DateTimeField(null=True, blank=True)
    notice = models.ForeignKey("delivery.Notice", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["release", "user"], name="one_review_request_per_user")]
        indexes = [models.Index(fields=["notified_at", "user"])]


class SegmentEdit(models.Model):
    """One person's change of one segment of a translation (the editor's history).

    Written by `releases.workflow.edit_segments` in the same transaction as the
    change; never updated. The author's name is kept when the account goes.
    """

    translation = models.ForeignKey(Translation, on_delete=models.CASCADE, related_name="segment_edits")
    index = models.PositiveIntegerField()  # 0: the title
    before = models.TextField(blank=True)
    after = models.TextField()
    state_before = models.CharField(max_length=16, blank=True)  # drafts.STATES
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    user_name = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["translation", "index"])]
        ordering = ["created_at", "pk"]


class SegmentComment(models.Model):
    """A remark on one segment of a release in one language, for the other reviewers
    and the officer (`releases.comments`); not a change of the translation."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="segment_comments")
    language = models.CharField(max_length=16)
    index = models.PositiveIntegerField()
    text = models.TextField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    user_name = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["release", "language", "index"])]
        ordering = ["created_at", "pk"]
