"""The HTTP API under ``/api/v1/`` (django-ninja): tokens, releases, subscribers, webhooks.

Every action calls what the web interface calls: `releases.workflow` for
every change, `web.office.permissions` for who may, `network.throttle` and
`network.subscriptions` for signing up. This package only translates HTTP
into those calls and their errors into JSON.
"""
