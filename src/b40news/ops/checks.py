"""System checks for a deployment (``b40news check --deploy``)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def secret_key_is_explicit(app_configs=None, **kwargs):
    """SECRET_KEY made per data directory: fine for one host, wrong for several.

    With debug off and a broker or a database server, settings refuse to start
    without SECRET_KEY; this reports the cases that still start (the embedded
    default, or debug on).
    """
    if getattr(settings, "SECRET_KEY_EXPLICIT", True):
        return []
    return [
        Warning(
            "SECRET_KEY is not set: this data directory's own key (secret_key) signs unsubscribe and "
            "preference links, so links signed on another host are rejected here.",
            hint="Set SECRET_KEY (or SECRET_KEY_FILE) to one long random value shared by every host "
            "before the installation spans more than one.",
            id="b40news.W001",
        )
    ]
