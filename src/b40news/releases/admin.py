"""Admin: releases and their translations; reviewers, translators and their notices."""

from django.contrib import admin

from b40news.releases.models import (
    LanguageRole, Release, ReviewerSettings, ReviewRequest, SegmentComment, SegmentEdit, Translation,
)


class TranslationInline(admin.TabularInline):
    model = Translation
    extra = 0
    fields = ("language", "status", "tier", "flagged_segments", "approved_at", "approved_by_name", "approval_override")
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
    list_display = ("id", "title", "city", "status", "submitted_by", "deadline", "created_at")
    list_filter = ("status", "city")
    search_fields = ("title", "body")
    date_hierarchy = "created_at"
    list_select_related = ("city", "submitted_by")
    filter_horizontal = ("lists",)
    raw_id_fields = ("submitted_by",)
    inlines = (TranslationInline,)


@admin.register(Translation)
class TranslationAdmin(admin.ModelAdmin):
    list_display = ("release", "language", "status", "tier", "flagged_segments", "glossary", "approved_at",
                    "approved_by_name", "approval_override")
    list_filter = ("status", "tier", "language", "approval_override")
    search_fields = ("release__title", "title")
    list_select_related = ("release", "language")
    raw_id_fields = ("release", "approved_by")
    # An approval goes through `workflow.approve` (who may, override recorded), never an edit here.
    readonly_fields = ("status", "segments", "route", "glossary_report", "glossary_version", "updated_at",
                       "approved_at", "approved_by", "approved_by_name", "approval_override")

    @admin.display(description="flagged")
    def flagged_segments(self, translation):
        return translation.flagged

    @admin.display(description="glossary terms")
    def glossary(self, translation):
        report = translation.glossary_report or {}
        return f"{report.get('satisfied', 0)}/{report.get('required', 0)}" if report else "–"


@admin.register(LanguageRole)
class LanguageRoleAdmin(admin.ModelAdmin):
    """The same roles as the office's staff page and ``b40news reviewers``."""

    list_display = ("user", "language", "role", "scope", "created_at")
    list_filter = ("role", "language", "city")
    search_fields = ("user__username", "user__email")
    list_select_related = ("user", "language", "city")
    autocomplete_fields = ("user",)

    @admin.display(description="releases of", ordering="city__slug")
    def scope(self, role):
        return role.city.slug if role.city else "every city"


@admin.register(ReviewerSettings)
class ReviewerSettingsAdmin(admin.ModelAdmin):
    list_display = ("user", "language", "daily_digest")
    list_filter = ("daily_digest", "language")
    search_fields = ("user__username", "user__email")
    autocomplete_fields = ("user",)


@admin.register(ReviewRequest)
class ReviewRequestAdmin(admin.ModelAdmin):
    """Who was told of which release, and by which notice (read-only: the record)."""

    list_display = ("release", "user", "languages", "created_at", "notified_at", "notice")
    list_filter = ("notified_at",)
    search_fields = ("user__username", "release__title")
    list_select_related = ("release", "user", "notice")
    readonly_fields = ("release", "user", "languages", "created_at", "notified_at", "notice")

    def has_add_permission(self, request):
        return False


@admin.register(SegmentEdit)
class SegmentEditAdmin(admin.ModelAdmin):
    """The editor's history: written by `workflow.edit_segments`, never changed here."""

    list_display = ("translation", "index", "user_name", "state_before", "created_at")
    list_select_related = ("translation__release", "translation__language")
    search_fields = ("before", "after", "user_name")
    readonly_fields = ("translation", "index", "before", "after", "state_before", "user", "user_name", "created_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SegmentComment)
class SegmentCommentAdmin(admin.ModelAdmin):
    list_display = ("release", "language", "index", "user_name", "created_at")
    list_filter = ("language",)
    search_fields = ("text", "user_name")
    raw_id_fields = ("release", "user")
