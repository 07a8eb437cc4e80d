"""Who translates and reviews which language, and what that allows.

A `LanguageRole` makes a user the ``reviewer`` (edits and approves) or the
``translator`` (edits; a reviewer approves) of one language, for the releases
of every city (no city) or of one city (a row per city). Roles only grant: of
the rows that apply to a release, the strongest counts.

A release's owner — an officer of its city, or staff — schedules and sends it
and may edit every language, but approves a language only as its reviewer or
with an *override*, recorded on the translation (who, when, that it was one).
The command line without ``--as USER`` is the operator: a shell on the server,
no person of the network, so every approval it makes is an override too.
`approval` decides it for `workflow.approve`, so the web and the CLI cannot
drift.

Also here: granting and taking back roles (the ``reviewers`` command and the
staff page share these functions), the people a release concerns, and the
language a user's notices are written in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from b40news import languages
from b40news.network.models import City, Language, Officer
from b40news.releases.models import LanguageRole, Release, ReviewerSettings, Translation

REVIEWER, TRANSLATOR = LanguageRole.Role.REVIEWER, LanguageRole.Role.TRANSLATOR
DEFAULT_MAIL_LANGUAGE = "en"
DONE = (Release.Status.CANCELLED, Release.Status.SENT)  # nothing waits for a reviewer any more


class ReviewersError(ValueError):
    """A role that cannot be stored or taken back: unknown user, language or city."""


# -- what a user may do ------------------------------------------------------------------


def _active(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def owns(user, release: Release) -> bool:
    """Staff, or an officer of the release's city."""
    if not _active(user):
        return False
    return user.is_staff or Officer.objects.filter(user=user, city_id=release.city_id).exists()


def _in_scope(release: Release) -> Q:
    return Q(city__isnull=True) | Q(city_id=release.city_id)


def _strongest(rows: Iterable[tuple]) -> dict:
    """(key, role) pairs -> key: reviewer if any row says so, else translator."""
    strongest: dict = {}
    for key, role in rows:
        if strongest.get(key) != REVIEWER:
            strongest[key] = role
    return strongest


def roles_for(user, release: Release) -> dict[str, str]:
    """Language code -> the user's role for this release's translations."""
    if not _active(user):
        return {}
    rows = LanguageRole.objects.filter(_in_scope(release), user=user).values_list("language__code", "role")
    return _strongest(rows)


def may_edit(user, release: Release, code: str) -> bool:
    """Open the language's review page, correct segments, upload a translation."""
    return owns(user, release) or code in roles_for(user, release)


def has_roles(user) -> bool:
    return _active(user) and LanguageRole.objects.filter(user=user).exists()


@dataclass(frozen=True)
class Approval:
    """What `approval` decided: the approver's name, the languages approved by
    override, and what stops the approval (empty: it may go ahead)."""

    name: str
    overridden: frozenset[str]
    problems: tuple[str, ...]


def approval(user, release: Release, codes: Sequence[str], *, override: bool, operator: str) -> Approval:
    """May ``user`` (None: the operator, named ``operator``) approve ``codes``?"""
    if user is None:
        if override:
            return Approval(operator, frozenset(codes), ())
        return Approval(operator, frozenset(), (_(
            "approving without a user (the command line without --as USER) overrides the reviewers: "
            "say so with --override, and it is recorded"),))
    name = user.get_username()
    if not _active(user):
        return Approval(name, frozenset(), (_("%(user)s is not an active account") % {"user": name},))
    roles, owner = roles_for(user, release), owns(user, release)
    overridden, problems = set(), []
    for code in codes:
        role = roles.get(code)
        if role == REVIEWER:
            continue
        if override and owner:
            overridden.add(code)
        elif override:
            problems.append(_("%(code)s: only the release's officers and admins may override its reviewers")
                            % {"code": code})
        elif role == TRANSLATOR:
            problems.append(_("%(code)s: translators edit, a reviewer approves") % {"code": code})
        elif owner:
            problems.append(_("%(code)s: you are not a reviewer of %(code)s: approve with an override "
                              "(it is recorded)") % {"code": code})
        else:
            problems.append(_("%(code)s: you may not approve %(code)s") % {"code": code})
    return Approval(name, frozenset(overridden), tuple(problems))


# -- the people a release concerns ---------------------------------------------------------------


def people_for(release: Release) -> dict:
    """Active user -> {language code: role} for every language they translate or review here."""
    rows = (LanguageRole.objects.filter(_in_scope(release), user__is_active=True)
            .select_related("user", "language").order_by("user_id", "language_id"))
    by_user: dict = {}
    for row in rows:
        by_user.setdefault(row.user, []).append((row.language.code, row.role))
    return {user: _strongest(pairs) for user, pairs in by_user.items()}


def by_language(release: Release) -> dict[str, list[dict]]:
    """Language code -> [{user, email, role}] of the people who translate or review it here."""
    found: dict[str, list[dict]] = {}
    for user, codes in people_for(release).items():
        for code, role in codes.items():
            found.setdefault(code, []).append({"user": user.get_username(), "email": user.email, "role": role})
    return {code: sorted(people, key=lambda p: (p["role"] != REVIEWER, p["user"])) for code, people in found.items()}


def waiting_for(user, limit: int = 100) -> list[dict]:
    """The newest releases in the user's scope whose languages of theirs are not
    approved yet: [{release, code, role, status}] (the dashboard's list)."""
    rows = list(LanguageRole.objects.filter(user=user).values_list("language__code", "role", "city_id"))
    if not _active(user) or not rows:
        return []
    releases = Release.objects.exclude(status__in=DONE).select_related("city").prefetch_related(
        "translations__language").order_by("-created_at", "-pk")
    if None not in {city for _code, _role, city in rows}:
        releases = releases.filter(city_id__in={city for _code, _role, city in rows})
    found = []
    for release in releases[:limit]:
        statuses = {t.language.code: t.status for t in release.translations.all()}
        mine = _strongest((code, role) for code, role, city in rows if city in (None, release.city_id))
        found += [{"release": release, "code": code, "role": role, "status": statuses.get(code, "pending")}
                  for code, role in sorted(mine.items()) if statuses.get(code) != Translation.Status.APPROVED]
    return found


def mail_language(user) -> str:
    """The language of the user's notices: their setting, else `default_mail_language`."""
    chosen = ReviewerSettings.objects.filter(user=user, language__isnull=False).values_list(
        "language__code", flat=True).first()
    return chosen or default_mail_language(user)


def default_mail_language(user) -> str:
    """Their officer city's language, else English."""
    city = Officer.objects.filter(user=user).values_list("city__default_language__code", flat=True).first()
    return city or DEFAULT_MAIL_LANGUAGE


def settings_of(user) -> ReviewerSettings:
    """The user's settings (unsaved defaults when they have none yet)."""
    return ReviewerSettings.objects.filter(user=user).first() or ReviewerSettings(user=user)


# -- granting and taking back --------------------------------------------------------------------


def find_user(name: str):
    """A user by username, else by e-mail address (case-insensitive)."""
    User = get_user_model()
    name = name.strip()
    user = User.objects.filter(username=name).first()
    if user is None and "@" in name:
        user = User.objects.filter(email__iexact=name).first()
    if user is None:
        raise ReviewersError(_("no user %(user)r (give a username or an e-mail address)") % {"user": name})
    return user


def target_language(code: str) -> Language:
    try:
        lang = languages.get(code)
    except languages.UnknownLanguage as exc:
        raise ReviewersError(str(exc)) from None
    if lang.code == languages.SOURCE:
        raise ReviewersError(_("%(code)s is the language releases are written in: nobody reviews it")
                             % {"code": lang.code})
    return Language.objects.for_code(lang.code)


def find_cities(slugs: Sequence[str]) -> list[City]:
    found = {city.slug: city for city in City.objects.filter(slug__in=slugs)}
    missing = [slug for slug in slugs if slug not in found]
    if missing:
        known = ", ".join(City.objects.values_list("slug", flat=True)) or "-"
        raise ReviewersError(_("unknown city(ies) %(cities)s; known cities: %(known)s")
                             % {"cities": ", ".join(missing), "known": known})
    return [found[slug] for slug in dict.fromkeys(slugs)]


def grant(username: str, language: str, *, role: str = REVIEWER, cities: Sequence[str] = ()) -> list[LanguageRole]:
    """Make the user ``role`` of ``language``, network-wide or for ``cities``'
    releases; an existing role in the same scope changes. Everything is checked
    before anything is stored."""
    user, lang = find_user(username), target_language(language)
    if role not in LanguageRole.Role.values:
        raise ReviewersError(_("unknown role %(role)r: reviewer or translator") % {"role": role})
    scopes = find_cities(cities) if cities else [None]
    with transaction.atomic():
        return [LanguageRole.objects.update_or_create(user=user, language=lang, city=city,
                                                      defaults={"role": role})[0] for city in scopes]


def revoke(username: str, language: str, *, cities: Sequence[str] = ()) -> int:
    """Take back the user's roles for ``language``: all of them, or those for ``cities``."""
    user, lang = find_user(username), target_language(language)
    rows = LanguageRole.objects.filter(user=user, language=lang)
    if cities:
        rows = rows.filter(city__in=find_cities(cities))
    if not rows.exists():
        where = _(" for %(cities)s") % {"cities": ", ".join(cities)} if cities else ""
        raise ReviewersError(_("%(user)s has no role for %(code)s%(where)s")
                             % {"user": user.get_username(), "code": lang.code, "where": where})
    deleted, _rows = rows.delete()
    return deleted


def remove(role_id: int) -> LanguageRole:
    """Take back one role (a row of the staff page)."""
    role = LanguageRole.objects.select_related("user", "language", "city").filter(pk=role_id).first()
    if role is None:
        raise ReviewersError(_("there is no such role (already taken back?)"))
    role.delete()
    return role


def set_preferences(username: str, *, language: str | None = None, daily_digest: bool | None = None,
                    default_language: bool = False, time_zone: str | None = None) -> ReviewerSettings:
    """Change the language of a user's notices (or back to the default), their digest choice and
    the time zone the office shows them (``""``: their city's again; None: unchanged)."""
    user = find_user(username)
    chosen = None
    if language:
        try:
            chosen = Language.objects.for_code(language)
        except languages.UnknownLanguage as exc:
            raise ReviewersError(str(exc)) from None
    prefs = settings_of(user)
    if chosen is not None or default_language:
        prefs.language = chosen
    if daily_digest is not None:
        prefs.daily_digest = daily_digest
    if time_zone is not None:
        if time_zone:
            from django.core.exceptions import ValidationError

            from b40news.network.models import validate_time_zone

            try:
                validate_time_zone(time_zone)
            except ValidationError as exc:
                raise ReviewersError(exc.messages[0]) from None
        prefs.time_zone = time_zone
    prefs.save()
    return prefs


def listing(language: str | None = None, user=None) -> list[dict]:
    """Every role (of ``language``, of ``user``), with the holder's notice settings,
    for ``b40news reviewers list`` and the staff page."""
    rows = LanguageRole.objects.select_related("user", "language", "city").order_by(
        "language_id", "user__username", "city__slug")
    if language:
        rows = rows.filter(language=target_language(language))
    if user is not None:
        rows = rows.filter(user=user)
    prefs = {p.user_id: p for p in ReviewerSettings.objects.select_related("language")}
    return [{
        "id": row.pk,
        "user": row.user.get_username(),
        "email": row.user.email,
        "active": row.user.is_active,
        "language": row.language.code,
        "role": row.role,
        "city": row.city.slug if row.city else None,
        "mail_language": mail_language(row.user),
        "daily_digest": bool(prefs.get(row.user_id) and prefs[row.user_id].daily_digest),
    } for row in rows]
