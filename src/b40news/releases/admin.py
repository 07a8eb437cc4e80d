"""Admin: releases and their translations."""

from django.contrib import admin

from b40news.releases.models import Release, Translation


class TranslationInline(admin.TabularInline):
    model = Translation
    extra = 0
    fields = ("language", "status", "tier", "flagged_segments", "approved_at", "approved_by")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="flagged")
    def flagged_segments(self, translation):
        return translation.flagged


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    list_display = ("id", "title", "city", "status", "submitted_by", "created_at")
    list_filter = ("status", "city")
    search_fields = ("title", "body")
    date_hierarchy = "created_at"
    list_select_related = ("city", "submitted_by")
    filter_horizontal = ("lists",)
    raw_id_fields = ("submitted_by",)
    inlines = (TranslationInline,)


@admin.register(Translation)
class TranslationAdmin(admin.ModelAdmin):
    list_display = ("release", "language", "status", "tier", "flagged_segments", "glossary", "approved_at")
    list_filter = ("status", "tier", "language")
    search_fields = ("release__title", "title")
    list_select_related = ("release", "language")
    raw_id_fields = ("release", "approved_by")
    readonly_fields = ("segments", "route", "glossary_report", "glossary_version", "updated_at")

    @admin.display(description="flagged")
    def flagged_segments(self, translation):
        return translation.flagged

    @admin.display(description="glossary terms")
    def glossary(self, translation):
        report = translation.glossary_report or {}
        return f"{report.get('satisfied', 0)}/{report.get('required', 0)}" if report else "–"
