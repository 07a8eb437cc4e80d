"""The office's times in each user's own time zone, shown with the zone.

A user's zone is their own choice (`ReviewerSettings.time_zone`, set on the
settings page), else their city's: the officer's city, else the city a
reviewer's language role is for, else a city whose first language is the
one they review (a Croatian reviewer: Zagreb), else the installation's.
`OfficeTimeZoneMiddleware` activates it for every request of a signed-in user,
so forms read typed times and templates show times in that zone.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.utils import formats, timezone

# Times closer than this are also said relative to now ("in 2 hours").
RELATIVE_WITHIN_SECONDS = 2 * 24 * 3600


def city_zone(user) -> str | None:
    from b40news.network.models import City, Officer
    from b40news.releases.models import LanguageRole

    zone = Officer.objects.filter(user=user).values_list("city__timezone", flat=True).first()
    if zone:
        return zone
    roles = LanguageRole.objects.filter(user=user).order_by("pk")
    zone = roles.filter(city__isnull=False).values_list("city__timezone", flat=True).first()
    if zone:
        return zone
    code = roles.values_list("language__code", flat=True).first()
    if code:
        return City.objects.filter(default_language__code=code).order_by("slug").values_list(
            "timezone", flat=True).first()
    return None


def user_zone(user) -> str:
    """The IANA name of the zone the office shows ``user`` times in."""
    from b40news.releases.models import ReviewerSettings

    if not user.is_authenticated:
        return settings.TIME_ZONE
    chosen = ReviewerSettings.objects.filter(user=user).values_list("time_zone", flat=True).first()
    return chosen or city_zone(user) or settings.TIME_ZONE


def _zone(name: str):
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


class OfficeTimeZoneMiddleware:
    """Signed-in users see and type times in their zone; everyone else in the installation's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            timezone.activate(_zone(user_zone(user)))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


def when(moment: datetime | None, *, relative: bool = True, short: bool = False) -> str:
    """``6 Dec 2026, 08:43 EET`` in the active zone and language (the locale's DATETIME_FORMAT),
    with ``(in 2 hours)`` after it when it is near."""
    if moment is None:
        return ""
    local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    shown = f"{formats.date_format(local, 'SHORT_DATETIME_FORMAT' if short else 'DATETIME_FORMAT')} {local.tzname()}"
    if relative and timezone.is_aware(moment) and abs((moment - timezone.now()).total_seconds()) < RELATIVE_WITHIN_SECONDS:
        shown = f"{shown} ({naturaltime(moment)})"
    return shown
