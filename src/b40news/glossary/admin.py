"""Admin: the glossary's entries and review history, read-only (changes go through glossary review,
which keeps the history, the lint checks and every host's cache right)."""

from django.contrib import admin

from b40news.glossary.models import GlossaryChange, GlossaryEntry


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(GlossaryEntry)
class GlossaryEntryAdmin(ReadOnly):
    list_display = ("entry_id", "bg", "status", "approved_by", "approved_at", "updated_at")
    list_filter = ("status", "kind")
    search_fields = ("entry_id", "bg", "note")


@admin.register(GlossaryChange)
class GlossaryChangeAdmin(ReadOnly):
    list_display = ("created_at", "entry_id", "action", "source", "author_name", "glossary_version_after")
    list_filter = ("action", "source")
    search_fields = ("entry_id", "base_id", "comment", "author_name")
    date_hierarchy = "created_at"
