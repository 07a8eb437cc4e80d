"""Admin: the translation memory (human corrections and machine output)."""

from django.contrib import admin
from django.utils.text import Truncator

from b40news.translation.models import MemoryEntry


@admin.register(MemoryEntry)
class MemoryEntryAdmin(admin.ModelAdmin):
    list_display = ("short_source", "short_target", "language", "origin", "route", "created_at")
    list_filter = ("origin", "language")
    search_fields = ("source", "target")
    readonly_fields = ("key", "source_key", "route", "engine_version", "glossary_version", "flags", "created_at")
    show_full_result_count = False

    @admin.display(description="source")
    def short_source(self, entry):
        return Truncator(entry.source).chars(80)

    @admin.display(description="target")
    def short_target(self, entry):
        return Truncator(entry.target).chars(80)
