"""Reviewing the glossary: propose, approve, reject, and the history of each entry.

The database holds every entry (approved, proposed, rejected) and the history
(:class:`GlossaryChange`), shared by every host. Every write is one transaction
holding the glossary's lock (:func:`~b40news.glossary.database.locked`): the
glossary is read, the new one computed as a value, checked, and the difference
saved with its history rows (see ``glossary/README.md``). No file is written.

* :func:`propose` adds a ``proposed`` entry, or a ``<id>~r<n>`` revision of an
  approved one (:func:`~b40news.glossary.merge.merge_proposals`), refused if
  it adds a lint problem (a wrong script, an empty target).
* :func:`approve` turns a proposal into an approved entry (a revision onto
  the entry it replaces), refused with the lint messages if the approved
  glossary would not be clean; when the approved version changes, every
  translation not yet rendered for sending that used an earlier version and
  whose output the change affects is marked ``stale`` (:func:`mark_stale`).
* :func:`reject` keeps the entry as ``rejected`` (so an import or the name
  detector does not bring it back) with the reviewer's comment.
* :func:`propose_detected_names` is called after translating a release.
* :func:`import_entries` brings TBX, CSV or YAML entries in as proposals;
  :func:`load_entries` loads YAML entries as they are (``glossary load-seed``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from django.contrib.auth import get_user_model
from django.db import DatabaseError
from django.utils import timezone

from b40news import languages
from b40news.glossary import database
from b40news.glossary.entries import Entry, Glossary, GlossaryError
from b40news.glossary.lint import Problem, lint
from b40news.glossary.matcher import Matcher
from b40news.glossary.merge import base_id, diff, free_id, merge_proposals, proposal_from_fields, rebase
from b40news.glossary.models import GlossaryChange
from b40news.glossary.schema import entry_to_dict

log = logging.getLogger(__name__)
Action, Source = GlossaryChange.Action, GlossaryChange.Source


class ReviewError(ValueError):
    """A review step that cannot be done; the message says why (lint messages included)."""


@dataclass(frozen=True)
class Proposal:
    entry: Entry  # the proposed entry as stored
    current: Entry | None  # the entry it would change, None for a new one
    diff: list[tuple[str, str, str]]  # (field or language, old, new)
    problems: list[Problem]  # why approving it now would be refused; empty: it can be approved
    changes: list[GlossaryChange] = field(default_factory=list)  # how it came in


@dataclass(frozen=True)
class StaleTranslation:
    translation_id: int
    release_id: int
    language: str
    release_title: str


@dataclass(frozen=True)
class Approval:
    entry: Entry
    version_before: str
    version_after: str
    stale: list[StaleTranslation]

    def retranslate_commands(self) -> list[str]:
        return retranslate_commands(self.stale)


def _author(author) -> tuple[object | None, str]:
    """``author`` is a user, a user name (linked when such a user exists), or None."""
    if author is None or author == "":
        return None, ""
    if isinstance(author, str):
        user = get_user_model().objects.filter(username=author).first()
        return user, author
    return author, author.get_username()


def payload(entry: Entry | None) -> dict | None:
    """The entry as JSON (the YAML mapping, the date as text)."""
    return None if entry is None else {**entry_to_dict(entry), **({"approved_at": entry.approved_at}
                                                                  if entry.approved_at else {})}


def _record(entry_id: str, action: str, source: str, *, entry: Entry | None, author=None, comment: str = "",
            previous: Entry | None = None, before: str = "", after: str = "", release_id: int | None = None,
            stale: Iterable[StaleTranslation] = ()) -> GlossaryChange:
    user, name = _author(author)
    return GlossaryChange.objects.create(
        entry_id=entry_id, base_id=base_id(entry_id), action=action, source=source,
        payload=payload(entry) or {}, previous=payload(previous), comment=comment.strip(),
        author=user, author_name=name, release_id=release_id,
        glossary_version_before=before, glossary_version_after=after or before,
        stale=[{"translation": s.translation_id, "release": s.release_id, "language": s.language}
               for s in stale],
    )


def problem_keys(glossary: Glossary) -> set[Problem]:
    return set(lint(glossary))


def new_problems(before: Glossary | set, after: Glossary, *, entry_ids: Iterable[str] = ()) -> list[Problem]:
    """Problems of ``after`` that ``before`` did not have, and any about ``entry_ids``.
    ``before`` may be given as the set of its problems' keys (:func:`problem_keys`)."""
    old = before if isinstance(before, set) else problem_keys(before)
    ids = set(entry_ids)
    return [p for p in lint(after) if p not in old or p.entry_id in ids]


def _refusal(what: str, problems: list[Problem]) -> ReviewError:
    lines = "\n".join(f"  {p.entry_id}: {p.code}: {p.message}" for p in problems)
    return ReviewError(f"{what}: the glossary would not be clean:\n{lines}")


def _changed(before: Glossary, after: Glossary) -> list[Entry]:
    old = {entry.id: entry for entry in before.entries}
    return [entry for entry in after.entries if old.get(entry.id) != entry]


def propose(fields: Mapping, *, author=None, source: str = Source.OFFICER, comment: str = "",
            fill_missing: bool = False, action: str = Action.PROPOSED) -> Entry:
    """Store a proposal; returns the proposed entry (its id is the proposal's id).

    ``fields``: ``id`` (to change an existing entry) or ``kind`` and ``bg`` (a
    new one), and any of ``variants``, ``targets`` ({language: text}),
    ``do_not_translate``, ``case_sensitive``, ``note``. ``fill_missing``
    spells the languages a new entry leaves out by transliteration.
    """
    with database.locked() as glossary:
        try:
            entry = proposal_from_fields(fields, glossary, fill_missing=fill_missing)
        except GlossaryError as error:
            raise ReviewError(str(error)) from None
        merged, report = merge_proposals(glossary, [entry])
        changed = _changed(glossary, merged)
        if not changed:
            raise ReviewError(f"nothing to propose: {report[-1]}")
        proposal = changed[0]
        problems = new_problems(glossary, merged)
        if problems:
            raise _refusal(f"cannot propose {proposal.id}", problems)
        _record(proposal.id, action, source, entry=proposal, author=author, comment=comment,
                previous=glossary.get(proposal.replaces) if proposal.replaces else None, before=glossary.version)
        database.save(glossary, merged)
    return proposal


def import_entries(entries: list[Entry], *, author=None, comment: str = "") -> list[str]:
    """Merge TBX/CSV/YAML entries as proposals (merge.py's rules), each recorded as imported."""
    with database.locked() as glossary:
        merged, report = merge_proposals(glossary, entries)
        for entry in _changed(glossary, merged):
            _record(entry.id, Action.IMPORTED, Source.IMPORT, entry=entry, author=author, comment=comment,
                    previous=merged.get(entry.replaces) if entry.replaces else None, before=glossary.version)
        database.save(glossary, merged)
    problems = new_problems(glossary, merged)
    return report + [f"lint: {p.entry_id}: {p.code}: {p.message}" for p in problems]


def load_entries(loaded: Glossary, *, replace_all: bool = False, author=None
                 ) -> tuple[list[str], list[StaleTranslation]]:
    """Load YAML entries as they are, status and approval kept (``glossary load-seed``).

    Adds the entries whose id the database does not hold (an upgrade brings a
    new seed's entries; reviewed ones stay), or with ``replace_all`` makes the
    stored glossary exactly ``loaded`` (an installation moving its glossary
    files in). Each added, changed or removed entry is recorded as ``loaded``;
    a changed approved version marks translations stale as an approval does.
    Refused, nothing changed, if the glossary would not be clean.
    """
    with database.locked() as glossary:
        after = loaded if replace_all else Glossary(
            glossary.entries + tuple(e for e in loaded.entries if e.id not in glossary))
        problems = new_problems(glossary, after)
        if problems:
            raise _refusal("cannot load the entries", problems)
        stale = mark_stale(glossary.approved(), after.approved())
        old, new = ({e.id: e for e in g.entries} for g in (glossary, after))
        report = []
        for entry_id in sorted(old.keys() | new.keys()):
            if old.get(entry_id) != new.get(entry_id):
                what = "added" if entry_id not in old else "updated" if entry_id in new else "removed"
                report.append(f"{what} {entry_id}")
                _record(entry_id, Action.LOADED, Source.ADMIN, entry=new.get(entry_id), author=author,
                        previous=old.get(entry_id), before=glossary.version, after=after.version, stale=stale)
        database.save(glossary, after)
    unchanged = sum(old.get(entry_id) == entry for entry_id, entry in new.items())
    report.append(f"{unchanged} unchanged; glossary version {glossary.version} → {after.version}")
    return report, stale


def _pending(glossary: Glossary, entry_id: str) -> Entry:
    if entry_id not in glossary:
        raise ReviewError(f"no glossary entry {entry_id!r}")
    entry = glossary.get(entry_id)
    if entry.status != "proposed":
        raise ReviewError(f"{entry_id} is {entry.status}, not a pending proposal")
    if entry.replaces and entry.replaces not in glossary:
        raise ReviewError(f"{entry_id} replaces {entry.replaces}, which is not in the glossary")
    return entry


def approved_glossary(glossary: Glossary, entry_id: str, *, by: str = "", on: str = "", known: set | None = None
                      ) -> tuple[Glossary, Entry, Entry | None, list[Problem]]:
    """What approving ``entry_id`` would give: (glossary, approved entry, entry it
    replaces, the lint problems that would refuse it). ``known``: the problem
    keys of ``glossary`` when already computed."""
    proposal = _pending(glossary, entry_id)
    target = proposal.replaces or proposal.id
    previous = glossary.get(target) if proposal.replaces else None
    approved = replace(proposal, id=target, status="approved", replaces="",
                       approved_by=by or "reviewer", approved_at=on or timezone.localdate().isoformat())
    # Other open revisions of the entry keep their own changes, on top of the new approved entry.
    kept = [rebase(e, previous, approved) if previous and e.replaces == target and e.status == "proposed" else e
            for e in glossary.entries if e.id not in (proposal.id, target)]
    after = Glossary((*kept, approved))
    return after, approved, previous, new_problems(glossary if known is None else known, after, entry_ids=[target])


def approve(entry_id: str, *, admin=None, comment: str = "") -> Approval:
    """Approve a pending proposal; refused (nothing changed) if lint would complain."""
    _, name = _author(admin)
    with database.locked() as glossary:
        after, approved, previous, problems = approved_glossary(glossary, entry_id, by=name)
        if problems:
            raise _refusal(f"cannot approve {entry_id}", problems)
        stale = mark_stale(glossary.approved(), after.approved())
        _record(entry_id, Action.APPROVED, Source.ADMIN, entry=approved, author=admin, comment=comment,
                previous=previous, before=glossary.version, after=after.version, stale=stale)
        database.save(glossary, after)
    return Approval(approved, glossary.version, after.version, stale)


def reject(entry_id: str, *, admin=None, comment: str) -> Entry:
    """Keep a proposal as ``rejected``, with the reviewer's reason."""
    if not (comment or "").strip():
        raise ReviewError("a rejection needs a comment: say why, for whoever proposed it")
    with database.locked() as glossary:
        rejected = replace(_pending(glossary, entry_id), status="rejected")
        after = Glossary(tuple(rejected if e.id == entry_id else e for e in glossary.entries))
        _record(entry_id, Action.REJECTED, Source.ADMIN, entry=rejected, author=admin, comment=comment,
                previous=glossary.get(rejected.replaces) if rejected.replaces else None, before=glossary.version)
        database.save(glossary, after)
    return rejected


def history(entry_id: str):
    """Every recorded change of an entry and of its revisions, oldest first."""
    return GlossaryChange.objects.filter(base_id=base_id(entry_id)).select_related("author", "release")


def pending() -> list[Proposal]:
    """Proposals waiting for review, with their diff and what approving would hit."""
    glossary = database.read()
    proposals = [e for e in glossary.entries if e.status == "proposed"]
    rows: dict[str, list[GlossaryChange]] = {}
    for change in GlossaryChange.objects.filter(entry_id__in=[p.id for p in proposals]).exclude(
            action__in=[Action.APPROVED, Action.REJECTED]):
        rows.setdefault(change.entry_id, []).append(change)
    result, known = [], problem_keys(glossary)
    for entry in sorted(proposals, key=lambda e: e.id):
        current = glossary.get(entry.replaces) if entry.replaces in glossary else None
        try:
            problems = approved_glossary(glossary, entry.id, known=known)[3]
        except ReviewError as error:
            problems = [Problem(entry.id, "not-approvable", str(error))]
        result.append(Proposal(entry, current, diff(current, entry), problems, rows.get(entry.id, [])))
    return result


# --- translations made with an earlier glossary -------------------------------------------------

def _matches(glossary: Glossary, sources: tuple[str, ...]) -> list[list[tuple[int, int, str]]]:
    return [[(m.start, m.end, m.entry_id) for m in glossary.find(source)] for source in sources]


def _target(glossary: Glossary, entry_id: str, language: str) -> str | None:
    try:
        return glossary.get(entry_id).target(language)
    except KeyError:
        return None


def mark_stale(old: Glossary, new: Glossary) -> list[StaleTranslation]:
    """Mark ``stale`` every translation whose output ``new`` changes (both: approved glossaries).

    Taken: status translated or approved, made with another version than
    ``new``, in a language no message of the release has gone out in yet (a
    sent language keeps what its readers got). The change goes through
    `releases.workflow.mark_stale`: renditions dropped, unsent rows waiting. Affected: the
    glossary finds other terms in the release (an entry added, removed or
    with new Bulgarian forms), or an entry it finds has another target in the
    translation's language.
    """
    from b40news.delivery.models import Delivery
    from b40news.releases import workflow
    from b40news.releases.models import Translation
    from b40news.text.segment import segment

    if old.version == new.version:
        return []
    candidates = list(Translation.objects
                  .filter(status__in=[Translation.Status.TRANSLATED, Translation.Status.APPROVED])
                  .exclude(language__code=languages.SOURCE)
                  .exclude(glossary_version=new.version).select_related("release", "language"))
    gone_out = set(Delivery.objects.filter(release__in={t.release_id for t in candidates})
                   .exclude(state__in=[Delivery.State.WAITING, Delivery.State.PENDING])
                   .values_list("release_id", "language"))
    found: dict[int, tuple] = {}
    stale = []
    for translation in candidates:
        release, code = translation.release, translation.language.code
        if (release.pk, code) in gone_out:
            continue
        if release.pk not in found:
            sources = (release.title, *segment(release.body).segments)
            found[release.pk] = (_matches(old, sources), _matches(new, sources))
        before, after = found[release.pk]
        ids = {entry_id for segment_matches in before for _, _, entry_id in segment_matches}
        if before != after or any(_target(old, i, code) != _target(new, i, code) for i in ids):
            stale.append(StaleTranslation(translation.pk, release.pk, code, release.title))
    workflow.mark_stale(s.translation_id for s in stale)
    return stale


def retranslate_commands(stale: Iterable[StaleTranslation]) -> list[str]:
    by_release: dict[int, list[str]] = {}
    for item in stale:
        by_release.setdefault(item.release_id, []).append(item.language)
    return [f"b40news translate-release {release} --to {','.join(codes)} --force"
            for release, codes in sorted(by_release.items())]


# --- names found by the detector -----------------------------------------------------------------

def _name_of(candidate) -> str | None:
    if isinstance(candidate, str):
        text = candidate
    elif getattr(candidate, "kind", "name") != "name":  # a protected span of another kind
        return None
    else:
        text = getattr(candidate, "name", None) or getattr(candidate, "source", "")
    return " ".join(text.split()) or None


def _unknown(names: list[str], glossary: Glossary) -> list[str]:
    known = Matcher(glossary.entries)
    bgs = {entry.bg.casefold() for entry in glossary.entries}
    return [name for name in names if not known.fullmatch(name) and name.casefold() not in bgs]


def propose_detected_names(candidates: Iterable, *, source: str = Source.NAME_DETECTOR,
                           release_id: int | None = None) -> list[Entry]:
    """Store each name the glossary does not know yet (any status, by its
    Bulgarian form) as a proposed person entry, transliterated into every
    language. ``candidates``: :class:`~b40news.glossary.names.NameCandidate`,
    protected spans (only ``kind == "name"`` ones are taken) or plain names.
    Never raises for a glossary problem: translation must go on; it is logged.
    """
    from b40news.glossary.names import NameCandidate
    from b40news.text.scripts import transliterate

    names = list(dict.fromkeys(name for name in map(_name_of, candidates) if name))
    try:
        # Most releases name no one new: then no write and no lock.
        if not names or not _unknown(names, database.read()):
            return []
        with database.locked() as stored:
            glossary, added = stored, []
            for name in _unknown(names, stored):
                if added and not _unknown([name], glossary):  # a name just added, in another form
                    continue
                targets = {code: transliterate(name, code) for code in languages.TARGETS}
                entry = NameCandidate(0, len(name), name, targets).to_entry()
                where = f"release {release_id}" if release_id else "a release"
                entry = replace(entry, id=free_id(glossary, entry.id),
                                note=entry.note.replace("a release", where, 1))
                after = Glossary(glossary.entries + (entry,))
                problems = new_problems(glossary, after)
                if problems:
                    log.warning("detected name %s not proposed: %s", name, problems[0].message)
                    continue
                glossary = after
                added.append(entry)
                _record(entry.id, Action.DETECTED, source, entry=entry, release_id=release_id,
                        before=glossary.version)
            if added:
                database.save(stored, glossary)
            return added
    except (ReviewError, GlossaryError, DatabaseError) as error:
        log.warning("detected names not proposed: %s", error)
        return []
