"""Admin: the glossary's review history, read-only (changes go through glossary review)."""

from django.contrib import admin

from b40news.glossary.models import GlossaryChange


@admin.register(GlossaryChange)
class GlossaryChangeAdmin(admin.ModelAdmin):
    list_display = ("created_at", "entry_id", "action", "source", "author_name", "glossary_version_after")
    list_filter = ("action", "source")
    search_fields = ("entry_id", "base_id", "comment", "author_name")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
