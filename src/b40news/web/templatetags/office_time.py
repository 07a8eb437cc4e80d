"""``{{ moment|when }}``: a time in the user's zone, with the zone, relative when near (`office.zones`)."""

from django import template

from b40news.web.office import zones

register = template.Library()


@register.filter
def when(moment):
    return zones.when(moment)


@register.filter
def when_short(moment):
    return zones.when(moment, relative=False, short=True)


@register.filter
def list_label(mailing_list):
    """A mailing list's name in the interface language (`MailingList.label`)."""
    from django.utils.translation import get_language

    return mailing_list.label(get_language() or "en")
