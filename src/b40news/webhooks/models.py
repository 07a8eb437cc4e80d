"""A city's webhook endpoints and the log of every delivery to them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from b40news.network.models import City
from b40news.webhooks.signing import new_secret

EVENTS = ("release.translated", "language.approved", "release.sent", "subscriber.unsubscribed")


class Endpoint(models.Model):
    """A URL of a city's own site that wants some of the events of that city."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=500)
    events = models.JSONField(default=list, help_text="event names: " + ", ".join(EVENTS))
    # HMAC key of the signature; the receiver holds a copy (not hashed: every delivery needs it).
    secret = models.CharField(max_length=80, default=new_secret)
    description = models.CharField(max_length=200, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["city", "pk"]
        verbose_name = "webhook endpoint"

    def __str__(self) -> str:
        return f"{self.city.slug}: {self.url}"

    def wants(self, event: str) -> bool:
        return self.active and event in (self.events or [])


class Delivery(models.Model):
    """One event to one endpoint: its exact body, every attempt's outcome, the next try."""

    class State(models.TextChoices):
        PENDING = "pending"  # to be sent (now, or at next_attempt_at)
        SENDING = "sending"  # claimed by a worker; taken back by the sweep if it died
        DELIVERED = "delivered"  # a 2xx answer
        FAILED = "failed"  # refused for good, or out of retries

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40)
    event_id = models.UUIDField(default=uuid.uuid4, db_index=True)  # the same for every endpoint of one event
    body = models.TextField()  # the JSON sent, byte for byte the same on every attempt
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sending_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveIntegerField(null=True, blank=True)  # the HTTP status of the last answer
    last_error = models.TextField(blank=True)
    last_response = models.TextField(blank=True)  # the start of the last answer's body
    last_duration_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = "webhook delivery"
        verbose_name_plural = "webhook deliveries"
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint.url} ({self.state})"
