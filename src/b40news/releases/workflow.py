"""Every change of a release or a translation, in one place.

The web views, the CLI commands, the demo, the glossary review and the worker
tasks call these functions; none of them touches translations' status,
renditions or ledger rows itself. Each change, in one transaction:

- stores the new state of the translation or the release;
- invalidates what depends on it: the language's renditions are deleted (and
  `renditions.render_release` re-renders from a digest, so a missed deletion
  cannot send an old text either);
- moves ledger rows: a language approved (or given a fallback) releases its
  waiting subscribers, which are then rendered for and dispatched without
  anyone pressing Send again; a language unapproved, changed or stale before
  its rows were claimed makes them wait again;
- enqueues work once the transaction commits (`transaction.on_commit`).

Release states (`Release.Status`): draft → translating → review → scheduled →
sending → sent | sent_waiting | sent_with_failures; paused (resumable) and
cancelled (the unsent rows taken back). `settle` decides the outcome from the
ledger when nothing is left in flight.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from b40news import languages
from b40news.delivery import ledger
from b40news.delivery import service as delivery
from b40news.delivery.models import Delivery, Rendition
from b40news.network.models import City, Language, MailingList
from b40news.releases import human, reviewers
from b40news.releases.intake import ReleaseError, checked_title, decode, split_title
from b40news.releases.models import Release, SegmentEdit, Translation
from b40news.webhooks import events
from b40news.translation import drafts, siblings

Status = Translation.Status
State = Delivery.State
RS = Release.Status
IN_FLIGHT = (State.PENDING, State.QUEUED, State.SENDING)
FAILURES = (State.FAILED, State.UNCERTAIN)
SENT_STATES = (RS.SENT, RS.SENT_WAITING, RS.SENT_WITH_FAILURES)
MAX_SEGMENT_CHARS = 10_000


def get_release(release_id: int | str) -> Release:
    try:
        return Release.objects.get(pk=int(release_id))
    except (ValueError, Release.DoesNotExist):
        raise ReleaseError(_("no release with id %(id)s") % {"id": release_id}) from None


# -- a new release -------------------------------------------------------------------


def submit(raw: bytes, *, name: str, city: str, title: str | None = None, lists: Sequence[str] = (),
           user=None, deadline: datetime | None = None) -> Release:
    """Store a new release (a draft) from the bytes of a file; nothing is stored on error.

    ``deadline``: when its reviewers should be done (default: the city's
    ``review_deadline_hours``, else B40NEWS_REVIEW_DEADLINE_HOURS, from now); the
    city's ``default_fallbacks`` become the release's planned fallbacks. Once it
    is committed, its reviewers and translators are told
    (`review_requests.announce`, on the ``notify`` queue).
    """
    from worker.tasks import announce_review

    text = split_title(decode(raw, name=name, max_bytes=settings.MAX_RELEASE_BYTES), title, name=name)
    city_obj = City.objects.filter(slug=city).first()
    if city_obj is None:
        known = ", ".join(City.objects.values_list("slug", flat=True)) or "-"
        raise ReleaseError(_("unknown city %(city)r; known cities: %(known)s") % {"city": city, "known": known})
    chosen = _lists(city_obj, lists)
    hours = settings.REVIEW_DEADLINE_HOURS if city_obj.review_deadline_hours is None else city_obj.review_deadline_hours
    if deadline is None and hours:
        deadline = timezone.now() + timedelta(hours=hours)
    with transaction.atomic():
        release = Release.objects.create(city=city_obj, title=text.title, body=text.body, submitted_by=user,
                                         deadline=deadline, planned_fallbacks=dict(city_obj.default_fallbacks or {}))
        release.lists.set(chosen)
        _check_sendable(release)  # raises: the transaction is rolled back, nothing stored
        transaction.on_commit(lambda: announce_review.delay(release_id=release.pk), robust=True)
    return release


def _check_sendable(release: Release) -> None:
    """A release whose e-mail would be over the renderer's limit could never be sent: refused now."""
    from b40news.delivery.renditions import source_html_bytes
    from b40news.newsletter.render import MAX_HTML_BYTES

    size = source_html_bytes(release)
    if size > MAX_HTML_BYTES:
        raise ReleaseError(_(
            "This release is too long to be sent: its e-mail would have %(size)d KB of HTML, and at most "
            "%(limit)d KB can be sent (mail programs such as Gmail cut longer messages off). Shorten it by "
            "about %(excess)d%%, or split it into several releases."
        ) % {"size": -(-size // 1000), "limit": MAX_HTML_BYTES // 1000,
             "excess": max(1, -(-(size - MAX_HTML_BYTES) * 100 // size))})


def _lists(city: City, slugs: Sequence[str]) -> list[MailingList]:
    if not slugs:
        own = list(city.lists.all())
        if not own:
            raise ReleaseError(_("city %(city)r has no mailing list: name the lists to send to") % {"city": city.slug})
        return own
    found = {mailing_list.slug: mailing_list for mailing_list in MailingList.objects.filter(slug__in=slugs)}
    missing = [slug for slug in slugs if slug not in found]
    if missing:
        raise ReleaseError(_("unknown mailing list(s): %(lists)s") % {"lists": ", ".join(missing)})
    return [found[slug] for slug in slugs]


# -- translations ----------------------------------------------------------------------


def start_translating(release: Release) -> None:
    Release.objects.filter(pk=release.pk, status=RS.DRAFT).update(status=RS.TRANSLATING)


def store_source(release: Release) -> Translation:
    """The Bulgarian original is its own approved 'translation' for Bulgarian subscribers."""
    translation, _ = Translation.objects.update_or_create(
        release=release,
        language=Language.objects.for_code(languages.SOURCE),
        defaults={"status": Status.APPROVED, "title": release.title, "text": release.body,
                  "route": ["original"], "tier": "source"},
    )
    return translation


def store_machine_results(release: Release, results: dict[str, dict]) -> list[Translation]:
    """Machine output per language (the Translation's fields), waiting for review."""
    stored = []
    with transaction.atomic():
        store_source(release)
        for code, fields in results.items():
            translation, _ = Translation.objects.update_or_create(
                release=release, language=Language.objects.for_code(code),
                defaults={**fields, **Translation.APPROVAL_CLEARED},
            )
            stored.append(translation)
        _changed(release, set(results))
        Release.objects.filter(pk=release.pk, status__in=[RS.DRAFT, RS.TRANSLATING]).update(status=RS.REVIEW)
        events.release_translated(release, stored)
    return stored


def store_drafts(release: Release, results: dict[str, dict]) -> list[Translation]:
    """Drafted languages (the Translation's fields, `translation.prefill`), waiting for review.

    Unlike machine results, drafts never replace a person's work: approved,
    sent and human-uploaded languages are left as they are, and a segment a
    person wrote since the drafts were made (state edited or reviewed) is kept.
    """
    stored = []
    with transaction.atomic():
        store_source(release)
        for code, fields in results.items():
            language = Language.objects.for_code(code)
            current = Translation.objects.select_for_update().filter(release=release, language=language).first()
            if current is not None and (current.status == Status.APPROVED or current.route == ["human"]
                                        or language_locked(release, code)):
                continue
            fields = dict(fields)
            if current is not None and [s.get("source") for s in current.segments] == \
                    [s["source"] for s in fields["segments"]]:
                segments = [old if drafts.is_human(old) else new
                            for old, new in zip(current.segments, fields["segments"])]
                if segments != fields["segments"]:  # written meanwhile: the text follows the kept segments
                    fields["segments"] = segments
                    if fields["status"] == Status.NO_ENGINE and drafts.complete(segments):
                        fields.update(status=Status.TRANSLATED, route=["drafts"], tier="draft", reason="")
                    if fields["status"] != Status.NO_ENGINE:
                        targets = [s["target"] for s in segments]
                        fields.update(title=targets[0][:300],
                                      text=human.body_text(release, fields.get("route") or [], targets[1:]))
            translation, _ = Translation.objects.update_or_create(
                release=release, language=language,
                defaults={**fields, "approved_at": None, "approved_by": None},
            )
            stored.append(translation)
        if stored:
            _changed(release, {t.language.code for t in stored})
            Release.objects.filter(pk=release.pk, status__in=[RS.DRAFT, RS.TRANSLATING]).update(status=RS.REVIEW)
    return stored


def language_locked(release: Release, code: str) -> bool:
    """True once a message in this language has been claimed for sending or has gone."""
    return Delivery.objects.filter(release=release, language=code).exclude(
        state__in=[State.WAITING, State.PENDING]).exists()


def _check_unlocked(release: Release, code: str) -> None:
    if language_locked(release, code):
        raise ReleaseError(_("%(code)s has already been sent: it can no longer change") % {"code": code})


def start_editing(release: Release, language: str) -> Translation:
    """The translation a person may type into: a language with no segments yet
    (no engine, nothing requested, not translated yet) gets one segment per
    sentence, drafted where memory or a sibling language helps, else empty
    (`translation.prefill`, stored by `store_drafts`). Other translations are
    returned as they are (`edit_segments` says why one cannot change)."""
    from b40news.glossary.current import current_glossary
    from b40news.translation.prefill import Context
    from b40news.translation.service import prepare

    code = languages.get(language).code
    if code == languages.SOURCE:
        raise ReleaseError(_("Bulgarian is the release's own language: there is nothing to translate"))
    translation = release.translations.select_related("language", "release").filter(language__code=code).first()
    if translation is not None and (translation.segments or translation.status not in (
            Status.PENDING, Status.NO_ENGINE, Status.FAILED)):
        return translation
    _check_unlocked(release, code)
    glossary = current_glossary()
    fields = Context(release, prepare(release.title, release.body, glossary), glossary).language_fields(code)
    store_drafts(release, {code: fields})
    return release.translations.select_related("language", "release").get(language__code=code)


def edit_language(release: Release, language: str, edits: dict[int, str], *, user=None) -> Translation:
    """A person's text for some segments of ``language``, whether or not it has a translation yet."""
    return edit_segments(start_editing(release, language), edits, user=user)


def edit_segment(translation: Translation, index: int, text: str, *, user=None) -> Translation:
    """A person's correction of one segment: remembered as human work; an
    approved language must then be approved again."""
    return edit_segments(translation, {index: text}, user=user)


def edit_segments(translation: Translation, edits: dict[int, str], *, user=None) -> Translation:
    """A person's text for some segments (the review page, an XLIFF file): each is
    checked, nothing is stored unless all are fine; they are remembered as human
    work for this release, and an approved language must be approved again. A
    language that had only drafts becomes translated once no segment is empty."""
    from b40news.glossary.current import current_glossary
    from b40news.translation.memory import remember_human

    release, code = translation.release, translation.language.code
    editable = translation.status in (Status.TRANSLATED, Status.APPROVED) or (
        translation.status == Status.NO_ENGINE and translation.segments)
    if not editable:
        raise ReleaseError(_("%(code)s is %(status)s: there is nothing to correct")
                           % {"code": code, "status": translation.status})
    segments = copy.deepcopy(translation.segments)
    changed, history = [], []
    route = " → ".join(translation.route or []) or None
    for index, text in sorted(edits.items()):
        if not 0 <= index < len(segments):
            raise ReleaseError(_("there is no segment %(number)d") % {"number": index + 1})
        target = " ".join(text.split())
        if not target:
            raise ReleaseError(_("the corrected segment is empty"))
        if len(target) > MAX_SEGMENT_CHARS:
            raise ReleaseError(_("the corrected segment is too long"))
        if index == 0:  # the title: as bounded and as clean as a submitted one
            target = checked_title(target)
        before = segments[index]
        if target == before.get("target") and drafts.is_human(before):
            continue  # saved again unchanged: nothing to record
        segments[index] = drafts.edited_segment(before, target, route=route)
        changed.append((segments[index]["source"], target))
        history.append(SegmentEdit(translation=translation, index=index, before=before.get("target", ""),
                                   after=target, state_before=drafts.state_of(before), user=_person(user),
                                   user_name=_name(user)))
    if not history:
        return translation
    targets = [item["target"] for item in segments]
    with transaction.atomic():
        _check_unlocked(release, code)
        translation.segments = segments
        translation.glossary_report = human.glossary_report(segments, code, current_glossary(),
                                                            human=translation.route == ["human"])
        if translation.status == Status.NO_ENGINE and drafts.complete(segments):
            translation.status, translation.route, translation.tier, translation.reason = (
                Status.TRANSLATED, ["drafts"], "draft", "")
        if translation.status == Status.NO_ENGINE:  # still incomplete: nothing to preview or send
            translation.title, translation.text = "", ""
        else:
            translation.title = targets[0]
            translation.text = human.body_text(release, translation.route, targets[1:])
        _unapproved(translation)
        translation.save()
        remember_human(changed, code, release=release, author=user)
        SegmentEdit.objects.bulk_create(history)
        _changed(release, {code})
    return translation


def _person(user):
    return user if getattr(user, "is_authenticated", False) else None


def _name(user) -> str:
    return user.get_username() if getattr(user, "is_authenticated", False) else ""


def store_human(release: Release, language: str, raw: bytes, *, name: str, title: str | None = None,
                user=None) -> Translation:
    """A person's translation of the whole release (paragraphs aligned), to review."""
    code = languages.get(language).code
    with transaction.atomic():
        _check_unlocked(release, code)
        store_source(release)
        translation = human.submit_translation(release, code, raw, name=name, title=title or None, user=user)
        _changed(release, {code})
        Release.objects.filter(pk=release.pk, status__in=[RS.DRAFT, RS.TRANSLATING]).update(status=RS.REVIEW)
        events.release_translated(release, [translation])
    return translation


def approvable(release: Release) -> tuple[list[str], list[tuple[str, int]]]:
    """(translated languages without flags, [(flagged language, flagged segments)])."""
    clean, flagged = [], []
    for t in release.translations.select_related("language").order_by("language_id"):
        if t.status == Status.TRANSLATED:
            (flagged.append((t.language.code, t.flagged)) if t.flagged else clean.append(t.language.code))
    return clean, flagged


def approve(release: Release, codes: Iterable[str], *, user=None, override: bool = False, force: bool = False,
            operator: str = "cli") -> list[Translation]:
    """Approve languages; a flagged segment needs ``force`` (a human decision).

    ``user`` approves a language as its reviewer, or, as the release's owner,
    with ``override``; without a user the approval is the ``operator``'s, and
    always an override (`reviewers.approval`). Who, when and whether it was an
    override are recorded on the translation. Waiting subscribers of an
    approved language (or of a language whose fallback it is) are released and
    sent to at once when the release is being or has been sent.
    """
    wanted = [languages.get(code).code for code in codes]
    translations = {t.language.code: t for t in release.translations.select_related("language")}
    decision = reviewers.approval(user, release, wanted, override=override, operator=operator)
    approved, problems = [], list(decision.problems)
    for code in wanted:
        translation = translations.get(code)
        if translation is None or translation.status == Status.PENDING:
            problems.append(_("%(code)s: not translated yet") % {"code": code})
        elif translation.status in (Status.NO_ENGINE, Status.FAILED):
            problems.append(f"{code}: {translation.status}: {translation.reason}")
        elif translation.status == Status.STALE:
            problems.append(_("%(code)s: stale (the glossary changed): translate it again first") % {"code": code})
        elif translation.status != Status.APPROVED and drafts.empty_count(translation.segments):
            problems.append(_("%(code)s: %(n)d segment(s) have no translation yet: write them first")
                            % {"code": code, "n": drafts.empty_count(translation.segments)})
        elif translation.flagged and translation.status != Status.APPROVED and not force:
            problems.append(_("%(code)s: %(n)d flagged segment(s) need a human decision: review them, "
                              "or approve despite them") % {"code": code, "n": translation.flagged})
        else:
            approved.append(translation)
    if problems:
        raise ReleaseError(_("cannot approve:") + "\n  " + "\n  ".join(problems))
    now = timezone.now()
    with transaction.atomic():
        newly = [translation for translation in approved if translation.status != Status.APPROVED]
        for translation in approved:
            if translation.status != Status.APPROVED:
                _remember_approved(translation, user)
                translation.segments = drafts.reviewed(translation.segments)
                translation.status, translation.approved_at, translation.approved_by = Status.APPROVED, now, user
                translation.approved_by_name = decision.name
                translation.approval_override = translation.language.code in decision.overridden
                translation.save(update_fields=["status", "segments", *Translation.APPROVAL_CLEARED, "updated_at"])
        _changed(release, {t.language.code for t in approved})
        events.languages_approved(release, newly, user)
        _prefill_on_commit(release, [t.language.code for t in newly])
    return approved


def _remember_approved(translation: Translation, user) -> None:
    """An approved language's human work goes to the memory as approved, with its reviewer:
    by sentence (and, for an upload, by paragraph too), for the drafts of later releases."""
    from b40news.translation.memory import approve_human
    from b40news.translation.prefill import sentence_pairs
    from b40news.text.segment import segment

    code = translation.language.code
    if code == languages.SOURCE:
        return
    if translation.route == ["human"]:
        pairs = [(s["source"], s["target"]) for s in translation.segments if s.get("target")]
        release = translation.release
        sentences = sentence_pairs(translation, [release.title, *segment(release.body).segments])
        pairs += [pair for pair in sentences.items() if pair not in pairs]
    else:
        pairs = [(s["source"], s["target"]) for s in drafts.human_decided(translation.segments)]
    approve_human(pairs, code, release=translation.release, reviewer=user)


def _prefill_on_commit(release: Release, approved_codes: Sequence[str]) -> None:
    """A reviewed language starts its siblings (and Macedonian starts English) once committed."""
    targets = set()
    if any(siblings.in_family(code) for code in approved_codes):
        targets |= {code for code in siblings.FAMILY if code not in approved_codes}
    if "mk" in approved_codes:
        targets.add("en")
    if not targets:
        return
    from worker.tasks import prefill_drafts

    release_id, codes = release.pk, sorted(targets)
    transaction.on_commit(lambda: prefill_drafts.delay(release_id=release_id, languages=codes))


def unapprove(release: Release, code: str) -> Translation:
    """Take an approval back; its subscribers not yet sent to wait again."""
    code = languages.get(code).code
    translation = release.translations.select_related("language").filter(language__code=code).first()
    if translation is None or translation.status != Status.APPROVED or code == languages.SOURCE:
        raise ReleaseError(_("%(code)s is not approved") % {"code": code})
    with transaction.atomic():
        _check_unlocked(release, code)
        _unapproved(translation)
        translation.save()
        _changed(release, {code})
    return translation


def mark_stale(translation_ids: Iterable[int]) -> int:
    """The glossary changed what these translations must say: they are translated again before approval."""
    rows = list(Translation.objects.filter(pk__in=list(translation_ids)).select_related("language", "release"))
    with transaction.atomic():
        Translation.objects.filter(pk__in=[t.pk for t in rows]).update(
            status=Status.STALE, **Translation.APPROVAL_CLEARED, updated_at=timezone.now())
        for release in {t.release for t in rows}:
            _changed(release, {t.language.code for t in rows if t.release_id == release.pk})
    return len(rows)


def set_fallback(release: Release, waiting: str, fallback: str) -> None:
    """Subscribers of ``waiting`` get the approved ``fallback`` language instead, from now on."""
    waiting_code, fallback_code = languages.get(waiting).code, languages.get(fallback).code
    if not Translation.objects.filter(release=release, language__code=fallback_code,
                                      status=Status.APPROVED).exists():
        raise ReleaseError(_("%(code)s is not approved for release %(id)s: approve it first")
                           % {"code": fallback_code, "id": release.pk})
    with transaction.atomic():
        release.fallbacks = {**release.fallbacks, waiting_code: fallback_code}
        release.save(update_fields=["fallbacks"])
        _changed(release, {fallback_code})


_UNCHANGED = object()


def plan_deadline(release: Release, *, deadline=_UNCHANGED, plan: dict[str, str] | None = None,
                  replace: bool = False) -> Release:
    """The officer's deadline (a time, or None for none) and planned fallbacks
    (``{"sq": "en", "mk": "wait"}``, merged into the plan, or replacing it with
    ``replace``). Celery beat carries the plan out once the deadline has passed
    (`apply_deadlines`, every B40NEWS_DEADLINE_SECONDS), a deadline set in the past too."""
    from b40news.releases.deadlines import PlanError, parse_plan

    try:
        plan = parse_plan(plan)
    except PlanError as exc:
        raise ReleaseError(str(exc)) from None
    with transaction.atomic():
        locked = Release.objects.select_for_update().get(pk=release.pk)
        if locked.status == RS.CANCELLED:
            raise ReleaseError(_("release %(id)s is cancelled") % {"id": release.pk})
        fields = []
        if deadline is not _UNCHANGED:
            locked.deadline = deadline
            fields.append("deadline")
        if plan or replace:
            locked.planned_fallbacks = plan if replace else {**locked.planned_fallbacks, **plan}
            fields.append("planned_fallbacks")
        if fields:
            locked.save(update_fields=fields)
    release.refresh_from_db()
    return release


DEADLINE_OPEN = (RS.DRAFT, RS.TRANSLATING, RS.REVIEW, RS.SCHEDULED, RS.SENDING, RS.PAUSED, RS.SENT_WAITING)


def apply_deadlines(now: datetime | None = None) -> dict[int, dict[str, str]]:
    """For every release whose deadline has passed (Celery beat, `worker.tasks.apply_deadlines`):
    each language still not approved whose planned fallback is approved falls back to it
    (`set_fallback`: its waiting subscribers are released and sent to). Safe to repeat: a
    fallback already in force is not set again; one approved only after the deadline is
    applied by the next run. A language approved later still sends its own waiting
    subscribers at once (`approve`). Returns {release: {language: fallback}} applied now."""
    from b40news.releases.deadlines import WAIT

    now = now or timezone.now()
    due = Release.objects.filter(deadline__lte=now, status__in=DEADLINE_OPEN).exclude(planned_fallbacks={})
    applied: dict[int, dict[str, str]] = {}
    for release in due.order_by("pk"):
        approved = ledger.approved_languages(release)
        for waiting, fallback in sorted(release.planned_fallbacks.items()):
            if (fallback == WAIT or waiting in approved or fallback not in approved
                    or release.fallbacks.get(waiting) == fallback):
                continue
            try:
                set_fallback(release, waiting, fallback)
            except (ReleaseError, languages.UnknownLanguage):
                continue  # unapproved meanwhile, or a code no longer known: the next run sees
            applied.setdefault(release.pk, {})[waiting] = fallback
    return applied


def _unapproved(translation: Translation) -> None:
    if translation.status == Status.APPROVED:
        translation.status = Status.TRANSLATED
        for field, value in Translation.APPROVAL_CLEARED.items():
            setattr(translation, field, value)


def _changed(release: Release, codes: set[str]) -> None:
    """After any change of these languages: renditions go, ledger rows move, work is enqueued."""
    Rendition.objects.filter(release=release, language__in=codes).delete()
    release.refresh_from_db(fields=["status", "fallbacks", "scheduled_for"])
    if not Delivery.objects.filter(release=release).exists():
        return  # no audience frozen yet: `send` does the rest
    approved = ledger.approved_languages(release)
    ledger.hold_back(release, codes - approved)
    # Rows on a fallback that is no longer approved wait again too.
    ledger.hold_back(release, {code for code in release.fallbacks.values() if code not in approved})
    if ledger.release_waiting(release):
        delivery.render_checked(release)
        if release.status in SENT_STATES:
            Release.objects.filter(pk=release.pk).update(status=RS.SENDING)
            release.status = RS.SENDING
        if release.status == RS.SENDING:
            _dispatch_on_commit(release, release.scheduled_for)
    if release.status in (RS.SENDING, *SENT_STATES):
        transaction.on_commit(lambda: settle(release.pk))


# -- sending ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SendReport:
    added: int  # rows frozen into the ledger by this call
    due: int  # rows that go now (or at the scheduled time)
    waiting: dict[str, int]  # language -> rows waiting for it
    scheduled_for: datetime | None


def workers_available() -> bool:
    from worker import app

    return not app.conf.task_always_eager


def send(release: Release, *, eta: datetime | None = None) -> SendReport:
    """Freeze the audience, render, and send now or at ``eta``; safe to repeat."""
    if eta is not None and eta <= timezone.now():
        eta = None
    if eta is not None and not workers_available():
        raise ReleaseError(_("Sending at a set time needs Celery workers (REDIS_URL); send now instead."))
    with transaction.atomic():
        locked = Release.objects.select_for_update().get(pk=release.pk)
        if locked.status == RS.PAUSED:
            raise ReleaseError(_("release %(id)s is paused: resume it") % {"id": release.pk})
        locked.scheduled_for = eta
        locked.status = RS.SCHEDULED if eta else RS.SENDING
        locked.save(update_fields=["scheduled_for", "status"])
        store_source(locked)
        counts = delivery.prepare_send(locked)
        Delivery.objects.filter(release=locked, state=State.PENDING, attempts=0).update(next_attempt_at=eta)
        # Counted before the commit: in-process (no workers) the rows are sent as it commits.
        due = ledger.count_due(release.pk) if eta is None else \
            Delivery.objects.filter(release=locked, state=State.PENDING).count()
        waiting = waiting_by_language(locked)
        _dispatch_on_commit(locked, eta)
        transaction.on_commit(lambda: settle(release.pk))
    release.refresh_from_db()
    return SendReport(counts["frozen"], due, waiting, eta)


def waiting_by_language(release: Release) -> dict[str, int]:
    from collections import Counter

    return dict(Counter(Delivery.objects.filter(release=release, state=State.WAITING)
                        .values_list("language", flat=True)))


def _dispatch_on_commit(release: Release, eta: datetime | None) -> None:
    from worker.tasks import dispatch_release

    release_id = release.pk
    if eta is not None and eta > timezone.now():
        transaction.on_commit(lambda: dispatch_release.apply_async(kwargs={"release_id": release_id}, eta=eta))
    else:
        transaction.on_commit(lambda: dispatch_release.delay(release_id=release_id))


def dispatch(release_id: int, enqueue) -> int:
    """What the dispatch task does: a scheduled release whose time has come is
    being sent; due rows of a sendable release go to send tasks."""
    Release.objects.filter(pk=release_id, status=RS.SCHEDULED, scheduled_for__lte=timezone.now()).update(
        status=RS.SENDING)
    if not ledger.release_sendable(release_id):
        return 0
    return delivery.dispatch(release_id, enqueue)


def pause(release: Release) -> None:
    """No new batch starts until `resume` (batches already running finish)."""
    if Release.objects.filter(pk=release.pk, status__in=[RS.SENDING, RS.SCHEDULED]).update(status=RS.PAUSED) == 0:
        raise ReleaseError(_("release %(id)s is not being sent") % {"id": release.pk})


def resume(release: Release) -> None:
    with transaction.atomic():
        release.refresh_from_db()
        if release.status != RS.PAUSED:
            raise ReleaseError(_("release %(id)s is not paused") % {"id": release.pk})
        due = release.scheduled_for and release.scheduled_for > timezone.now()
        release.status = RS.SCHEDULED if due else RS.SENDING
        release.save(update_fields=["status"])
        _dispatch_on_commit(release, release.scheduled_for if due else None)
        transaction.on_commit(lambda: settle(release.pk))


def cancel(release: Release) -> int:
    """Take back a scheduled (or paused) send: rows that never left are removed. Returns how many."""
    with transaction.atomic():
        release = Release.objects.select_for_update().get(pk=release.pk)
        if release.status not in (RS.SCHEDULED, RS.PAUSED):
            raise ReleaseError(_("only a scheduled or paused send can be cancelled"))
        removed = ledger.withdraw_unsent(release)
        release.status, release.scheduled_for = RS.CANCELLED, None
        release.save(update_fields=["status", "scheduled_for"])
    return removed


def retry_failed(release: Release) -> int:
    """Failed rows are tried again (bounced ones are not)."""
    with transaction.atomic():
        again = ledger.retry_failed(release)
        if again:
            Release.objects.filter(pk=release.pk, status__in=SENT_STATES).update(status=RS.SENDING)
            _dispatch_on_commit(release, None)
    return again


def settle(release_id: int) -> str:
    """A release being sent, once nothing is in flight: sent, sent_waiting or sent_with_failures."""
    with transaction.atomic():
        release = Release.objects.select_for_update().filter(pk=release_id).first()
        if release is None or release.status not in (RS.SENDING, *SENT_STATES):
            return release.status if release else ""
        rows = Delivery.objects.filter(release_id=release_id)
        if rows.filter(state__in=IN_FLIGHT).exists():
            outcome = RS.SENDING
        elif rows.filter(state=State.WAITING).exists():
            outcome = RS.SENT_WAITING
        elif rows.filter(state__in=FAILURES).exists():
            outcome = RS.SENT_WITH_FAILURES
        else:
            outcome = RS.SENT
        if outcome != release.status:
            Release.objects.filter(pk=release_id).update(status=outcome)
            if outcome in SENT_STATES:
                events.release_sent(release, outcome)
    return outcome


def sweep(enqueue_dispatch, enqueue_notice) -> dict[str, int]:
    """The periodic sweep (Celery beat): scheduled sends whose time has come,
    stalled sends (their broker or worker lost: rows taken back, dispatched
    again), and notices due for another try. Safe to run on every host at once:
    dispatching twice only makes surplus batch tasks that find nothing."""
    from b40news.delivery.models import Notice

    now = timezone.now()
    scheduled = list(Release.objects.filter(status=RS.SCHEDULED, scheduled_for__lte=now).values_list("pk", flat=True))
    stalled = [pk for pk in Release.objects.filter(status=RS.SENDING).values_list("pk", flat=True)
               if delivery.stalled(pk, now)]
    for release_id in stalled:
        ledger.recover_stale(release_id, settings.STALL_SECONDS)
    for release_id in scheduled + stalled:
        enqueue_dispatch(release_id)
    quiet = now - timedelta(seconds=settings.STALL_SECONDS)
    notices = list(Notice.objects.filter(state=Notice.State.PENDING).filter(
        Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True, created_at__lte=quiet)).values_list("pk", flat=True))
    for notice_id in notices:
        enqueue_notice(notice_id)
    return {"scheduled": len(scheduled), "stalled": len(stalled), "notices": len(notices)}
