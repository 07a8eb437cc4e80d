"""Login (Django's auth views) guarded by django-axes, and logout.

django-axes counts failed logins per (username, client address) — the pair
only, so an attacker trying many names locks out nobody but their own
attempts, and officers behind the same proxy or office NAT keep logging in
(``b40news.web.client`` finds the address behind trusted proxies). After
``AXES_FAILURE_LIMIT`` failures the pair is refused for ``AXES_COOLOFF_TIME``
without the password being checked at all, so a correct guess inside the lock
tells an attacker nothing; a success clears the pair's count. The counts live
in the database (shared by every web process).

This module only puts axes' refusal into words: the login page (the office's
or the admin's) shows it as the form's error, in the officer's language, with
status 429.
"""

from __future__ import annotations

import math

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpResponse
from django.utils.translation import ngettext


def lockout_username(request, credentials: dict | None = None) -> str:
    """The username as axes counts it: case and surrounding or repeated spaces do not make a new one."""
    field = settings.AXES_USERNAME_FORM_FIELD
    raw = (credentials or {}).get(field) or request.POST.get(field, "") or ""
    return " ".join(str(raw).split()).casefold()


def lockout_message() -> str:
    minutes = max(1, math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    return ngettext(
        "Too many failed attempts. Try again in %(minutes)d minute.",
        "Too many failed attempts. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


class LockoutMessageMixin:
    """Shows axes' refusal instead of "wrong password" (axes marks the request)."""

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            if self.request is not None and getattr(self.request, "axes_locked_out", False):
                raise forms.ValidationError(lockout_message(), code="throttled") from None
            raise


class LoginForm(LockoutMessageMixin, AuthenticationForm):
    pass


class AdminLoginForm(LockoutMessageMixin, AdminAuthenticationForm):
    pass


def locked_out(request, original_response=None, credentials=None) -> HttpResponse:
    """axes' lockout response (``AXES_LOCKOUT_CALLABLE``): the login page with its error, as 429."""
    if original_response is None:  # not a login page (axes answers for any authenticate() call)
        return HttpResponse(lockout_message(), status=429, content_type="text/plain; charset=utf-8")
    original_response.status_code = 429
    return original_response


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


login = LoginView.as_view()
logout = auth_views.LogoutView.as_view()
