"""Admin: cities, languages, lists, officers (also inline on users), subscribers, subscriptions.

A subscriber's personal data: the actions *Export personal data (JSON)* and
*Erase personal data* (`network.privacy`); deleting a subscriber here erases
them the same way, so nothing of theirs is left behind by either path.
"""

import json

from django.contrib import admin, messages
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from b40news.network import privacy
from b40news.network.models import City, Language, MailingList, Officer, Subscriber, Subscription
from b40news.web.office.auth import AdminLoginForm

# The admin's login shows a lockout (django-axes) like the office's.
admin.site.login_form = AdminLoginForm
admin.site.site_header = "B40 news"
admin.site.site_title = "B40 news admin"


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "native_name", "script")
    search_fields = ("code", "name", "native_name")


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ("slug", "english_name", "country", "timezone", "default_language", "colour")
    list_filter = ("country",)
    search_fields = ("slug", "names")
    filter_horizontal = ("languages",)

    @admin.display(description="name")
    def english_name(self, city):
        return city.name("en")


class OfficerInline(admin.StackedInline):
    model = Officer
    can_delete = True
    extra = 0
    max_num = 1


@admin.register(Officer)
class OfficerAdmin(admin.ModelAdmin):
    list_display = ("user", "email", "city", "role")
    list_filter = ("role", "city")
    search_fields = ("user__username", "user__email", "city__slug")
    list_select_related = ("user", "city")
    autocomplete_fields = ("user",)

    @admin.display(ordering="user__email")
    def email(self, officer):
        return officer.user.email


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class OfficeUserAdmin(UserAdmin):
    inlines = (OfficerInline,)
    list_display = ("username", "email", "officer_city", "officer_role", "is_staff", "is_active", "last_login")
    list_filter = ("is_staff", "is_active", "officer__role", "officer__city")
    list_select_related = ("officer__city",)

    @admin.display(description="city", ordering="officer__city__slug")
    def officer_city(self, user):
        officer = getattr(user, "officer", None)
        return officer.city.slug if officer else "–"

    @admin.display(description="role", ordering="officer__role")
    def officer_role(self, user):
        officer = getattr(user, "officer", None)
        return officer.role if officer else "–"


class SubscriptionInline(admin.TabularInline):
    model = Subscription
    extra = 0
    fields = ("mailing_list", "status", "confirmed_at", "unsubscribed_at", "consent_form", "consent_language")
    readonly_fields = ("confirmed_at", "unsubscribed_at", "consent_form", "consent_language")


@admin.register(MailingList)
class MailingListAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "city", "confirmed")
    list_filter = ("city",)
    search_fields = ("slug", "name")
    list_select_related = ("city",)

    @admin.display(description="confirmed subscribers")
    def confirmed(self, mailing_list):
        return mailing_list.subscriptions.filter(status=Subscription.Status.CONFIRMED).count()


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ("email", "language", "created_at")
    list_filter = ("language",)
    search_fields = ("email", "ascii_email", "email_key")
    readonly_fields = ("email_key", "token", "created_at")
    inlines = (SubscriptionInline,)
    show_full_result_count = False
    actions = ("export_personal_data", "erase_personal_data")

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # "Erase personal data" instead: nothing left behind
        return actions

    @admin.action(description="Export personal data (JSON)")
    def export_personal_data(self, request, queryset):
        data = [privacy.export_person(subscriber.email) for subscriber in queryset.order_by("email")]
        body = json.dumps(data[0] if len(data) == 1 else data, ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        name = f"personal-data-{queryset.first().pk}.json" if len(data) == 1 else "personal-data.json"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    @admin.action(description="Erase personal data", permissions=["delete"])
    def erase_personal_data(self, request, queryset):
        emails = list(queryset.order_by("email").values_list("email", flat=True))
        if request.POST.get("confirmed") != "yes":
            people = []
            for subscriber in queryset.order_by("email"):
                data = privacy.export_person(subscriber.email)
                people.append({"email": subscriber.email, "subscriptions": len(data["subscriptions"]),
                               "deliveries": len(data["deliveries"]), "notices": len(data["notices"])})
            context = {**self.admin_site.each_context(request), "people": people, "queryset": queryset,
                       "opts": self.model._meta, "title": "Erase personal data"}
            return TemplateResponse(request, "admin/network/subscriber/erase_confirmation.html", context)
        for email in emails:
            self.message_user(request, privacy.erase_person(email).summary(), messages.SUCCESS)
        return None

    def delete_model(self, request, obj):
        privacy.erase_person(obj.email)

    def delete_queryset(self, request, queryset):
        for email in list(queryset.values_list("email", flat=True)):
            privacy.erase_person(email)


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("subscriber", "mailing_list", "status", "created_at", "confirmed_at", "unsubscribed_at")
    list_filter = ("status", "mailing_list", "consent_language")
    search_fields = ("subscriber__email",)
    list_select_related = ("subscriber", "mailing_list")
    raw_id_fields = ("subscriber",)
    readonly_fields = ("created_at", "consent_ip", "consent_form", "consent_language")
    show_full_result_count = False
