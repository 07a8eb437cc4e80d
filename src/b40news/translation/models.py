"""The translation memory: a segment store that spares engines repeated work."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class MemoryEntry(models.Model):
    class Origin(models.TextChoices):
        MACHINE = "machine"
        HUMAN = "human"  # a reviewer's correction or a human translation: preferred

    # Machine entries: sha256 over the normalised source, language, route, engine
    # versions and glossary version, so a changed model or glossary never hits.
    key = models.CharField(max_length=64, unique=True)
    # Human entries are found by source and language alone, whatever the route.
    source_key = models.CharField(max_length=64, db_index=True)
    source = models.TextField()
    target = models.TextField()
    language = models.CharField(max_length=16)
    route = models.CharField(max_length=200, blank=True)
    engine_version = models.CharField(max_length=200, blank=True)
    glossary_version = models.CharField(max_length=32, blank=True)
    flags = models.JSONField(default=list, blank=True)  # quality flags of machine output
    origin = models.CharField(max_length=8, choices=Origin.choices, default=Origin.MACHINE)
    created_at = models.DateTimeField(default=timezone.now)  # of this version
    # Human entries: one per (source, language, release), never overwritten by
    # another release's; who wrote it, and who approved it (when).
    release = models.ForeignKey("releases.Release", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["language", "origin"], name="memory_language_origin")]
