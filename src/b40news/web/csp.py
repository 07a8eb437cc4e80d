"""A Content-Security-Policy on every response: office, admin, public pages, feeds.

Each request gets a nonce (``request.csp_nonce``) for the few inline scripts
the office pages carry (``<script nonce="{{ request.csp_nonce }}">``); every
other script must come from the site itself. Styles may be inline (the
pages' own ``<style>`` blocks, the city's colour, the admin's ``style=``
attributes, the newsletters' HTML). Nothing may frame a page, forms post only
to the site, and plugins are off.

A view that needs another policy sets the header itself; the middleware never
overwrites it.
"""

from __future__ import annotations

import secrets

POLICY = (
    "default-src 'self'; img-src 'self' https: data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'nonce-{nonce}'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        if "Content-Security-Policy" not in response.headers:
            response.headers["Content-Security-Policy"] = POLICY.format(nonce=request.csp_nonce)
        return response
