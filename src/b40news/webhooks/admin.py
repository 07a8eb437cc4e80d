"""Admin: a city's webhook endpoints (events, secret, on/off) and the delivery log."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages

from b40news.webhooks import delivery, http
from b40news.webhooks.models import EVENTS, Delivery, Endpoint
from b40news.webhooks.signing import new_secret


class HttpsURLField(forms.URLField):
    def __init__(self, **kwargs):
        super().__init__(assume_scheme="https", **kwargs)


class EndpointForm(forms.ModelForm):
    events = forms.MultipleChoiceField(choices=[(name, name) for name in EVENTS],
                                       widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Endpoint
        fields = ("city", "url", "events", "description", "active")
        field_classes = {"url": HttpsURLField}

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            http.parse(url, allow_local=settings.WEBHOOK_ALLOW_LOCAL)
        except http.UrlRefused as exc:
            raise forms.ValidationError(str(exc)) from None
        return url


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    form = EndpointForm
    list_display = ("id", "city", "url", "event_names", "active", "created_at")
    list_filter = ("active", "city")
    search_fields = ("url", "description", "city__slug")
    readonly_fields = ("secret", "created_at", "created_by")
    actions = ("rotate_secret",)

    @admin.display(description="events")
    def event_names(self, endpoint):
        return ", ".join(endpoint.events or [])

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description="Give the selected endpoints a new secret")
    def rotate_secret(self, request, queryset):
        for endpoint in queryset:
            endpoint.secret = new_secret()
            endpoint.save(update_fields=["secret"])
        messages.success(request, f"{queryset.count()} endpoint(s) have a new secret: give it to their receivers.")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("id", "event", "endpoint", "state", "attempts", "last_status", "created_at", "delivered_at",
                    "next_attempt_at")
    list_filter = ("state", "event", "endpoint__city")
    search_fields = ("endpoint__url", "event_id")
    list_select_related = ("endpoint__city",)
    readonly_fields = [field.name for field in Delivery._meta.fields]
    actions = ("deliver_again",)
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # the log is written by the workers; "deliver again" is an action

    @admin.action(description="Deliver the selected rows again")
    def deliver_again(self, request, queryset):
        from django.db import transaction

        from worker.tasks import deliver_webhook

        ids = delivery.again(queryset.values_list("pk", flat=True))
        for delivery_id in ids:
            transaction.on_commit(lambda delivery_id=delivery_id: deliver_webhook.delay(delivery_id=delivery_id))
        messages.success(request, f"{len(ids)} delivery(ies) queued again.")
