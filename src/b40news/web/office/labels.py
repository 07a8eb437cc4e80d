"""Translated names for the states the office shows."""

from django.utils.translation import gettext_lazy as _

RELEASE = {
    "draft": _("draft"),
    "translating": _("translating"),
    "review": _("in review"),
    "scheduled": _("scheduled"),
    "sending": _("sending"),
    "paused": _("paused"),
    "sent": _("sent"),
    "sent_waiting": _("sent, some subscribers waiting for a translation"),
    "sent_with_failures": _("sent with failures"),
    "cancelled": _("cancelled"),
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


# Why a language has no usable text, as the office says it. The stored
# `Translation.reason` names shell commands for operators; a page never does.
REASON = {
    "no_engine": _("No machine translation into this language on this server: upload a human translation, "
                   "or ask an administrator to install a translation model."),
    "failed": _("The machine translation was not usable: upload a human translation, or translate again."),
}


def reason(translation) -> str:
    return str(REASON.get(translation.status, "")) if translation.reason else ""


ROLE = {
    "reviewer": _("reviewer"),
    "translator": _("translator"),
}


def people(found: list[dict]) -> list[dict]:
    """`reviewers.by_language` rows with their role's translated name."""
    return [{**person, "role": ROLE.get(person["role"], person["role"])} for person in found]
