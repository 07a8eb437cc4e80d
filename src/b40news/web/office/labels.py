"""Translated names for the states the office shows."""

from django.utils.translation import gettext_lazy as _

RELEASE = {
    "submitted": _("submitted"),
    "translating": _("translating"),
    "review": _("in review"),
    "sending": _("sending"),
    "sent": _("sent"),
}

TRANSLATION = {
    "pending": _("waiting for translation"),
    "translated": _("to review"),
    "no_engine": _("no engine"),
    "failed": _("failed"),
    "approved": _("approved"),
    "stale": _("stale"),
    "not requested": _("not requested"),
}

DELIVERY = {
    "waiting": _("waiting"),
    "pending": _("pending"),
    "queued": _("queued"),
    "sending": _("sending"),
    "sent": _("sent"),
    "failed": _("failed"),
    "bounced": _("bounced"),
    "uncertain": _("uncertain"),
    "suppressed": _("suppressed"),
}
