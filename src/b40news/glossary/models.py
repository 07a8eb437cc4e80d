"""The glossary in the database, shared by every host: its entries, its state, its history.

* :class:`GlossaryEntry`: one row per entry, approved, proposed or rejected,
  with every field of the YAML schema (``schema.py``); ``entry_id`` is the id
  as the YAML writes it (``city.sofia``, a revision ``city.sofia~r1``).
* :class:`GlossaryState`: one row, the checksums of the approved glossary; it
  changes with every write, so :func:`~b40news.glossary.current.current_glossary`
  knows with one query whether its cached copy is still the glossary, and every
  write locks it (``SELECT ... FOR UPDATE``) to serialise writers across hosts.
* :class:`GlossaryChange`: one row per review event, never updated, so the
  history of an entry is the list of its rows.

Reads and writes go through :mod:`b40news.glossary.database`; the YAML files
are seed data and an import/export format (``glossary/README.md``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from b40news.glossary.entries import KINDS, STATUSES


class GlossaryEntry(models.Model):
    entry_id = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=16, choices=[(kind, kind) for kind in KINDS])
    bg = models.TextField()
    variants = models.JSONField(default=list, blank=True)  # other Bulgarian forms, in order
    targets = models.JSONField(default=dict, blank=True)  # {language: text}; empty for do_not_translate
    do_not_translate = models.BooleanField(default=False)
    case_sensitive = models.BooleanField(default=False)
    note = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=[(s, s) for s in STATUSES], default="proposed",
                              db_index=True)
    approved_by = models.CharField(max_length=150, blank=True)
    approved_at = models.DateField(null=True, blank=True)
    replaces = models.CharField(max_length=200, blank=True)  # a revision: the entry it would replace
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["entry_id"]
        verbose_name_plural = "glossary entries"

    def __str__(self) -> str:
        return f"{self.entry_id} ({self.status})"


class GlossaryState(models.Model):
    """The one row (pk 1) describing the approved glossary as stored."""

    # Glossary.version: the content checksum translation memory keys use.
    version = models.CharField(max_length=32, blank=True)
    # Glossary.checksum: every field of the approved entries (a note too): the cache key.
    checksum = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"glossary version {self.version}"


class GlossaryChange(models.Model):
    class Action(models.TextChoices):
        PROPOSED = "proposed"  # an officer or admin proposed an entry or a change
        IMPORTED = "imported"  # a TBX/CSV import brought it in as a proposal
        DETECTED = "detected"  # the name detector found it in a release
        APPROVED = "approved"
        REJECTED = "rejected"
        LOADED = "loaded"  # an admin loaded entries from YAML files as they are (glossary load-seed)

    class Source(models.TextChoices):
        OFFICER = "officer"
        NAME_DETECTOR = "name-detector"
        IMPORT = "import"
        ADMIN = "admin"

    # The id the event is about ("city.sofia~r1"), and
    # the entry it belongs to ("city.sofia"): the history of an entry is found by it.
    entry_id = models.CharField(max_length=200)
    base_id = models.CharField(max_length=200, db_index=True)
    action = models.CharField(max_length=16, choices=Action.choices)
    source = models.CharField(max_length=16, choices=Source.choices)
    # The entry as proposed (or as approved), and for approvals the approved entry it replaced.
    payload = models.JSONField(default=dict)
    previous = models.JSONField(null=True, blank=True)
    comment = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = models.CharField(max_length=150, blank=True)  # kept when the user is deleted, or for the CLI
    release = models.ForeignKey(
        "releases.Release", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    glossary_version_before = models.CharField(max_length=32, blank=True)
    glossary_version_after = models.CharField(max_length=32, blank=True)
    # Approvals: the translations this change marked stale, [{"translation", "release", "language"}].
    stale = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["entry_id", "action"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.entry_id} by {self.author_name or '-'}"
