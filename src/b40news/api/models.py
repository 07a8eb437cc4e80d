"""API tokens (stored hashed) and the web origins allowed to call the sign-up endpoint."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from b40news.network.models import City


class ApiToken(models.Model):
    """A bearer token acting as one user. Only its SHA-256 digest is kept: the token
    itself is shown once, when it is made (admin or ``b40news api-token create``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True, help_text="what it is for, e.g. the city's web site")
    prefix = models.CharField(max_length=12, db_index=True, editable=False)  # to tell tokens apart
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-pk"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class AllowedOrigin(models.Model):
    """A web site (scheme, host and port) whose pages may call the city's sign-up endpoint (CORS)."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="api_origins")
    origin = models.CharField(max_length=200, help_text="e.g. https://www.starazagora.bg")

    class Meta:
        ordering = ["city", "origin"]
        constraints = [models.UniqueConstraint(fields=["city", "origin"], name="one_origin_per_city")]

    def __str__(self) -> str:
        return f"{self.city.slug}: {self.origin}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from b40news.api.cors import normalise_origin

        try:
            self.origin = normalise_origin(self.origin)
        except ValueError as exc:
            raise ValidationError({"origin": str(exc)}) from None
