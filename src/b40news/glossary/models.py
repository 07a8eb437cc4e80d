"""The glossary's review history: who proposed, approved or rejected what, and when.

The entries themselves live in ``glossary/*.yaml`` (approved, proposed and
rejected alike; see ``glossary/README.md``). The database keeps one
:class:`GlossaryChange` row per event, never updated, so the history of an
entry is the list of its rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class GlossaryChange(models.Model):
    class Action(models.TextChoices):
        PROPOSED = "proposed"  # an officer or admin proposed an entry or a change
        IMPORTED = "imported"  # a TBX/CSV import brought it in as a proposal
        DETECTED = "detected"  # the name detector found it in a release
        APPROVED = "approved"
        REJECTED = "rejected"

    class Source(models.TextChoices):
        OFFICER = "officer"
        NAME_DETECTOR = "name-detector"
        IMPORT = "import"
        ADMIN = "admin"

    # The id the event is about, as it stood in the YAML ("city.sofia~r1"), and
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
