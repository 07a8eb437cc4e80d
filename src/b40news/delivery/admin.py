"""Admin: renditions and the delivery ledger (read-only: the workers write it), suppressions,
bounce scores and mail reports (bounces, complaints, policy refusals, forged reports)."""

from django.contrib import admin

from b40news.delivery.models import BounceScore, Delivery, MailReport, Rendition, Suppression


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ("id", "release", "subscriber", "mailing_list", "language", "state", "attempts", "last_code",
                    "sent_at")
    list_filter = ("state", "language", "mailing_list")
    search_fields = ("subscriber__email", "message_id")
    list_select_related = ("release", "subscriber", "mailing_list")
    raw_id_fields = ("release", "subscriber")
    show_full_result_count = False


@admin.register(Rendition)
class RenditionAdmin(ReadOnlyAdmin):
    list_display = ("release", "language", "city", "subject", "has_errors", "created_at")
    list_filter = ("language", "city")
    search_fields = ("subject",)
    list_select_related = ("release", "city")
    exclude = ("html",)

    @admin.display(boolean=True, description="errors")
    def has_errors(self, rendition):
        return bool(rendition.errors)


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    list_display = ("email", "reason", "created_at")
    list_filter = ("reason",)
    search_fields = ("email",)
    readonly_fields = ("created_at",)


@admin.register(BounceScore)
class BounceScoreAdmin(ReadOnlyAdmin):
    list_display = ("email", "hard", "soft", "last_status", "last_bounce_at")
    search_fields = ("email",)
    ordering = ("-last_bounce_at",)


@admin.register(MailReport)
class MailReportAdmin(ReadOnlyAdmin):
    """What came back: filter by verdict ``policy`` for deliverability problems (5.7.x refusals:
    the relay's or a provider's policy, reputation or authentication; no subscriber was dropped),
    ``forged`` and ``unmatched`` for reports that were not believed."""

    list_display = ("created_at", "source", "verdict", "status", "code", "email", "delivery_id", "notice_id",
                    "acted", "short_detail")
    list_filter = ("verdict", "source", "acted")
    search_fields = ("email", "status", "detail", "label")
    raw_id_fields = ("delivery", "notice")
    ordering = ("-created_at",)
    show_full_result_count = False

    @admin.display(description="detail")
    def short_detail(self, report):
        return report.detail[:160]
