"""Login (Django's auth views) with throttling, and logout."""

from __future__ import annotations

import math

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import ngettext

from b40news.web.office.permissions import with_csp
from b40news.web.office.throttle import LoginThrottle, client_address


class ThrottledMixin:
    """Refuses a locked (username, address) before the password is checked."""

    locked = False

    def clean(self):
        username = self.data.get("username", "") or ""
        address = client_address(self.request) if self.request else "unknown"
        throttle = LoginThrottle()
        wait = throttle.retry_after(username, address)
        if wait:
            self.locked = True
            minutes = math.ceil(wait / 60)
            raise forms.ValidationError(
                ngettext(
                    "Too many failed attempts. Try again in %(minutes)d minute.",
                    "Too many failed attempts. Try again in %(minutes)d minutes.",
                    minutes,
                )
                % {"minutes": minutes},
                code="throttled",
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            throttle.failed(username, address)
            raise
        throttle.succeeded(username, address)
        return cleaned


class LoginForm(ThrottledMixin, AuthenticationForm):
    pass


class AdminLoginForm(ThrottledMixin, AdminAuthenticationForm):
    pass


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.locked:
            response.status_code = 429
        return response


login = with_csp(LoginView.as_view())
logout = with_csp(auth_views.LogoutView.as_view())
