"""``{{ value|glossary_word }}``: a glossary kind, status, action or source in the interface
language (the stored values are English codes: "organisation", "approved", "name-detector")."""

from django import template
from django.utils.translation import pgettext_lazy

register = template.Library()

WORDS = {
    # kinds (glossary.entries.KINDS)
    "organisation": pgettext_lazy("glossary kind", "organisation"),
    "city": pgettext_lazy("glossary kind", "city"),
    "place": pgettext_lazy("glossary kind", "place"),
    "title": pgettext_lazy("glossary kind", "title"),
    "person": pgettext_lazy("glossary kind", "person"),
    "term": pgettext_lazy("glossary kind", "term"),
    # statuses and actions (glossary.entries.STATUSES, GlossaryChange.Action)
    "approved": pgettext_lazy("glossary entry", "approved"),
    "proposed": pgettext_lazy("glossary entry", "proposed"),
    "rejected": pgettext_lazy("glossary entry", "rejected"),
    "imported": pgettext_lazy("glossary entry", "imported"),
    "detected": pgettext_lazy("glossary entry", "detected"),
    "loaded": pgettext_lazy("glossary entry", "loaded"),
    # sources (GlossaryChange.Source)
    "officer": pgettext_lazy("glossary source", "officer"),
    "name-detector": pgettext_lazy("glossary source", "name detector"),
    "import": pgettext_lazy("glossary source", "import"),
    "admin": pgettext_lazy("glossary source", "admin"),
}


@register.filter
def glossary_word(value):
    return WORDS.get(str(value), value)
