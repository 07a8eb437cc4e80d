"""Where a release stands: per language and per list, as data for the CLI and web."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count

from b40news.delivery.models import Delivery
from b40news.releases.models import Release

STATES = [state.value for state in Delivery.State]


def release_status(release: Release) -> dict:
    translations = {
        t.language.code: {
            "status": t.status,
            "route": t.route,
            "tier": t.tier,
            "segments": len(t.segments),
            "flagged": t.flagged,
            "glossary": t.glossary_report,
            "reason": t.reason,
        }
        for t in release.translations.select_related("language").order_by("language_id")
    }
    by_language: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATES, 0))
    by_list: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATES, 0))
    rows = (
        Delivery.objects.filter(release=release)
        .values("language", "mailing_list__slug", "state")
        .annotate(n=Count("id"))
    )
    for row in rows:
        by_language[row["language"]][row["state"]] += row["n"]
        by_list[row["mailing_list__slug"]][row["state"]] += row["n"]
    languages = {}
    for code in dict.fromkeys([*translations, *by_language]):
        languages[code] = {**translations.get(code, {"status": "not requested"}), "deliveries": by_language.get(code, dict.fromkeys(STATES, 0))}
    return {
        "release": release.pk,
        "title": release.title,
        "city": release.city.slug,
        "status": release.status,
        "languages": languages,
        "lists": dict(by_list),
    }
