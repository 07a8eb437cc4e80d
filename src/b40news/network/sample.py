"""The B40 sample network: the cities of the seed release and the other capitals."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from b40news import languages
from b40news.network.models import City, Language, MailingList, Subscriber, Subscription


@dataclass(frozen=True)
class SampleCity:
    slug: str
    country: str
    english: str
    bulgarian: str
    languages: tuple[str, ...]  # first: the city's default language
    colour: str


SAMPLE_CITIES: tuple[SampleCity, ...] = (
    SampleCity("stara-zagora", "BG", "Stara Zagora", "Стара Загора", ("bg", "en"), "#0b6e4f"),
    SampleCity("sofia", "BG", "Sofia", "София", ("bg", "en"), "#8a1c2b"),
    SampleCity("varna", "BG", "Varna", "Варна", ("bg", "en"), "#1d4e89"),
    SampleCity("troyan", "BG", "Troyan", "Троян", ("bg", "en"), "#7a4f01"),
    SampleCity("sliven", "BG", "Sliven", "Сливен", ("bg", "en"), "#4a5a1b"),
    SampleCity("karlovo", "BG", "Karlovo", "Карлово", ("bg", "en"), "#6b2d5c"),
    SampleCity("dimitrovgrad", "BG", "Dimitrovgrad", "Димитровград", ("bg", "en"), "#2e5266"),
    SampleCity("zagreb", "HR", "Zagreb", "Загреб", ("hr", "en"), "#1b3a6b"),
    SampleCity("istanbul", "TR", "Istanbul", "Истанбул", ("tr", "en"), "#a4161a"),
    SampleCity("bursa", "TR", "Bursa", "Бурса", ("tr", "en"), "#0f5257"),
    SampleCity("tuzla", "BA", "Tuzla", "Тузла", ("bs", "hr", "sr-Latn", "en"), "#264653"),
    SampleCity("belgrade", "RS", "Belgrade", "Белград", ("sr-Cyrl", "sr-Latn", "en"), "#6d1a36"),
    SampleCity("skopje", "MK", "Skopje", "Скопие", ("mk", "sq", "en"), "#b5441b"),
    SampleCity("tirana", "AL", "Tirana", "Тирана", ("sq", "en"), "#9b2226"),
    SampleCity("podgorica", "ME", "Podgorica", "Подгорица", ("cnr", "sr-Latn", "en"), "#3d405b"),
    SampleCity("athens", "GR", "Athens", "Атина", ("el", "en"), "#005f99"),
    SampleCity("bucharest", "RO", "Bucharest", "Букурещ", ("ro", "en"), "#283d3b"),
    SampleCity("ljubljana", "SI", "Ljubljana", "Любляна", ("sl", "en"), "#22577a"),
)

ALL_CODES = tuple(languages.LANGUAGES)

# The time zone of each sample country (IANA names): what its officers see times in.
COUNTRY_TIME_ZONES = {
    "BG": "Europe/Sofia", "HR": "Europe/Zagreb", "TR": "Europe/Istanbul", "BA": "Europe/Sarajevo",
    "RS": "Europe/Belgrade", "MK": "Europe/Skopje", "AL": "Europe/Tirane", "ME": "Europe/Podgorica",
    "GR": "Europe/Athens", "RO": "Europe/Bucharest", "SI": "Europe/Ljubljana",
}


def list_names(city_names: dict[str, str]) -> dict[str, str]:
    """A city list's name in every language, from the city's name in it (the glossary's)."""
    return {code: f"{name} — B40" for code, name in city_names.items()}


def _city_names(city: SampleCity, glossary) -> dict[str, str]:
    """The city's name in every language: the glossary's, where it has the city."""
    names = {code: city.english for code in ALL_CODES}
    names["bg"] = city.bulgarian
    if glossary is not None:
        for match in glossary.find(city.bulgarian):
            if match.start == 0 and match.end == len(city.bulgarian):
                entry = glossary.get(match.entry_id)
                names.update({code: entry.target(code) for code in languages.TARGETS})
    return names


@transaction.atomic
def load_sample(subscribers_per_city: int = 0, glossary=None) -> dict[str, int]:
    """Create (or update) the sample cities, one list each, and N subscribers per city.

    City names in every language come from the glossary (the installation's
    approved one unless another is given).

    Safe to run again: cities and lists are updated in place, subscribers with
    the same address are kept.
    """
    if glossary is None:
        from b40news.glossary.current import current_glossary

        glossary = current_glossary()
    by_code = Language.objects.sync()
    now = timezone.now()
    created_subscribers = 0
    for number, sample in enumerate(SAMPLE_CITIES):
        names = _city_names(sample, glossary)
        city, _ = City.objects.update_or_create(
            slug=sample.slug,
            defaults={
                "country": sample.country,
                "names": names,
                "timezone": COUNTRY_TIME_ZONES[sample.country],
                "default_language": by_code[sample.languages[0]],
                "colour": sample.colour,
            },
        )
        city.languages.set([by_code[code] for code in sample.languages])
        mailing_list, _ = MailingList.objects.update_or_create(
            slug=f"{sample.slug}-news", defaults={"city": city, "name": f"{sample.english} — B40 news", "names": list_names(names)}
        )
        existing = set(
            Subscriber.objects.filter(email__startswith=f"{sample.slug}.").values_list("email", flat=True)
        )
        new = []
        for index in range(subscribers_per_city):
            email = f"{sample.slug}.{index:05d}@example.org"
            if email in existing:
                continue
            code = ALL_CODES[(index + number) % len(ALL_CODES)]
            new.append(Subscriber(email=email, ascii_email=email, language=by_code[code], created_at=now))
        Subscriber.objects.bulk_create(new, batch_size=1000)
        created_subscribers += len(new)
        emails = [subscriber.email for subscriber in new]
        for chunk in _chunks(emails, 900):
            Subscription.objects.bulk_create(
                [
                    Subscription(
                        subscriber=subscriber,
                        mailing_list=mailing_list,
                        status=Subscription.Status.CONFIRMED,
                        created_at=now,
                        confirmed_at=now,
                        consent_form="sample-network",
                        consent_language=subscriber.language.code,
                    )
                    for subscriber in Subscriber.objects.filter(email__in=chunk).select_related("language")
                ],
                batch_size=1000,
                ignore_conflicts=True,
            )
    return {"cities": len(SAMPLE_CITIES), "lists": len(SAMPLE_CITIES), "subscribers": created_subscribers}


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]
