"""The office's language: the visitor's choice, else the browser's, read by the network's one rule.

Django's ``LocaleMiddleware`` reads ``Accept-Language`` its own way: ``sr``
is Cyrillic there, and ``me`` (what many systems send for Montenegrin) or
``sh`` mean nothing. The public pages read the header with
``languages.from_accept_language`` (``sr`` -> sr-Latn, ``me`` -> cnr); this
middleware makes the office and the admin read it the same way. A choice
made with the language switcher (Django's language cookie) still comes first.
"""

from __future__ import annotations

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from b40news import languages


class NetworkLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen and translation.check_for_language(chosen):
            return super().process_request(request)
        browser = languages.from_accept_language(request.headers.get("Accept-Language", ""))
        if browser is None:
            return super().process_request(request)
        translation.activate(browser.django)
        request.LANGUAGE_CODE = translation.get_language()
        return None
