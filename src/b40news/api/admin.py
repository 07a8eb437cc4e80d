"""Admin: API tokens (made here and shown once; revoked, never edited) and allowed origins."""

from __future__ import annotations

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils import timezone

from b40news.api import tokens
from b40news.api.models import AllowedOrigin, ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("prefix", "name", "user__username")
    list_select_related = ("user",)
    fields = ("user", "name")
    autocomplete_fields = ("user",)
    actions = ("revoke",)

    def get_readonly_fields(self, request, obj=None):
        return ("user", "prefix", "created_at", "created_by", "last_used_at", "revoked_at") if obj else ()

    def get_fields(self, request, obj=None):
        return ("user", "name", "prefix", "created_at", "created_by", "last_used_at", "revoked_at") if obj else (
            "user", "name")

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["name"])
            return
        row, token = tokens.create(obj.user, name=obj.name, created_by=request.user)
        obj.pk, obj.prefix, obj.digest = row.pk, row.prefix, row.digest
        obj._state.adding = False
        obj.new_token = token  # shown once, by response_add; never stored, never in a cookie

    def response_add(self, request, obj, post_url_continue=None):
        return TemplateResponse(request, "api/admin/token_created.html", {
            **self.admin_site.each_context(request), "title": "API token created", "token": obj.new_token,
            "row": obj, "opts": self.opts,
        })

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        messages.success(request, f"{count} token(s) revoked.")


@admin.register(AllowedOrigin)
class AllowedOriginAdmin(admin.ModelAdmin):
    list_display = ("city", "origin")
    list_filter = ("city",)
    search_fields = ("origin", "city__slug")
