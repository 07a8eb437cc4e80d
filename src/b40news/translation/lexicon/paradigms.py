"""Word forms of the lexicon's lemmas, in the tags Apertium's Bulgarian and
Macedonian dictionaries (``apertium-mkd-bul``, ``apertium-mkd-eng``) use.

A lexicon row names a lemma, its class and, where the regular rule does not
give it, one extra form (a noun's plural, an adjective's feminine, a verb's
forms). :func:`forms` returns ``[(surface, tags), ...]``; the tags are
Apertium symbols without brackets. Plain Python.

Classes, per language:

* ``n-m``, ``n-f``, ``n-nt``: nouns; extra = the indefinite plural.
  Bulgarian masculine: кмет, кмета (count form and short definite), кметът,
  кметове, кметовете; a lemma in -й or -тел, and class ``n-ms`` (секретар),
  take -я/-ят (музея, музеят).
  Macedonian: градоначалник, градоначалникот, градоначалници, градоначалниците.
* ``adj``: extra = the feminine (демократична); the other forms follow the stem.
* ``adv``, ``pr`` (preposition), ``cnjcoo``, ``cnjsub``: one form.
* ``vblex-perf``, ``vblex-imperf``: extra = ``pres3sg|pres3pl|aor3sg|aor3pl|lp-m|lp-pl``
  (``-`` where a form is not listed).
"""

from __future__ import annotations

VERB_SLOTS = ("pres3sg", "pres3pl", "aor3sg", "aor3pl", "lp-m", "lp-pl")
CLASSES = ("n-m", "n-ms", "n-f", "n-nt", "adj", "adv", "vblex-perf", "vblex-imperf", "pr", "cnjcoo", "cnjsub")
Form = tuple[str, tuple[str, ...]]


class ParadigmError(ValueError):
    pass


def _soft_masculine(lemma: str) -> bool:
    return lemma.endswith(("й", "тел"))


def bulgarian(lemma: str, cls: str, extra: str = "") -> list[Form]:
    if cls in ("n-m", "n-ms"):
        soft = cls == "n-ms" or _soft_masculine(lemma)
        stem = lemma[:-1] if lemma.endswith("й") else lemma
        plural = extra or (stem + "и")
        short, full = (stem + "я", stem + "ят") if soft else (lemma + "а", lemma + "ът")
        return [
            (lemma, ("n", "m", "sg", "nom", "ind")),
            (short, ("n", "m", "ct", "nom", "ind")),
            (short, ("n", "m", "sg", "nom", "def", "obj")),
            (full, ("n", "m", "sg", "nom", "def", "subj")),
            (plural, ("n", "m", "pl", "nom", "ind")),
            (plural + "те", ("n", "m", "pl", "nom", "def")),
        ]
    if cls == "n-f":
        plural = extra or ((lemma[:-1] if lemma[-1] in "ая" else lemma) + "и")
        return _noun("f", lemma, lemma + "та", plural, plural + "те")
    if cls == "n-nt":
        if extra:
            plural = extra
        elif lemma.endswith("ие"):
            plural = lemma[:-1] + "я"
        else:
            plural = lemma[:-1] + "а"
        return _noun("nt", lemma, lemma + "то", plural, plural + "та")
    if cls == "adj":
        stem = extra[:-1] if extra else (lemma[:-1] if lemma.endswith("и") else lemma)
        return [
            (lemma, ("adj", "m", "sg", "nom", "ind")),
            (stem + "ия", ("adj", "m", "sg", "nom", "def", "obj")),
            (stem + "ият", ("adj", "m", "sg", "nom", "def", "subj")),
            (stem + "а", ("adj", "f", "sg", "nom", "ind")),
            (stem + "ата", ("adj", "f", "sg", "nom", "def")),
            (stem + "о", ("adj", "nt", "sg", "nom", "ind")),
            (stem + "ото", ("adj", "nt", "sg", "nom", "def")),
            (stem + "и", ("adj", "mfn", "pl", "nom", "ind")),
            (stem + "ите", ("adj", "mfn", "pl", "nom", "def")),
        ]
    if cls == "adv" or cls in CLOSED:
        return [(lemma, (cls,))]
    if cls.startswith("vblex-"):
        return _verb(lemma, cls, extra, lp_tail=("ind",))
    raise ParadigmError(f"unknown class {cls!r}; known: {', '.join(CLASSES)}")


def macedonian(lemma: str, cls: str, extra: str = "") -> list[Form]:
    if cls == "n-m":
        plural = extra or (lemma + "и")
        return _noun("m", lemma, lemma + "от", plural, plural + "те")
    if cls == "n-f":
        if lemma[-1] in "аеио":
            definite, plural = lemma + "та", extra or (lemma[:-1] + "и")
        else:  # вредност -> вредноста, љубов -> љубовта
            definite = lemma + ("а" if lemma.endswith("т") else "та")
            plural = extra or (lemma + "и")
        return _noun("f", lemma, definite, plural, plural + "те")
    if cls == "n-nt":
        plural = extra or (lemma[:-1] + "а")
        return _noun("nt", lemma, lemma + "то", plural, plural + "та")
    if cls == "adj":
        stem = extra[:-1] if extra else (lemma[:-1] if lemma.endswith("и") else lemma)
        return [
            (lemma, ("adj", "m", "sg", "nom", "ind")),
            (stem + "иот", ("adj", "m", "sg", "nom", "def")),
            (stem + "а", ("adj", "f", "sg", "nom", "ind")),
            (stem + "ата", ("adj", "f", "sg", "nom", "def")),
            (stem + "о", ("adj", "nt", "sg", "nom", "ind")),
            (stem + "ото", ("adj", "nt", "sg", "nom", "def")),
            (stem + "и", ("adj", "mfn", "pl", "nom", "ind")),
            (stem + "ите", ("adj", "mfn", "pl", "nom", "def")),
        ]
    if cls == "adv" or cls in CLOSED:
        return [(lemma, (cls,))]
    if cls.startswith("vblex-"):
        return _verb(lemma, cls, extra, lp_tail=())
    raise ParadigmError(f"unknown class {cls!r}; known: {', '.join(CLASSES)}")


def english(lemma: str, cls: str, extra: str = "") -> list[Form]:
    """Generator forms for English nouns, adjectives and adverbs (verbs: Apertium's own)."""
    if cls == "n":
        if extra:
            plural = extra
        elif lemma.endswith(("s", "x", "z", "ch", "sh")):
            plural = lemma + "es"
        elif lemma.endswith("y") and lemma[-2:-1] not in set("aeiou"):
            plural = lemma[:-1] + "ies"
        else:
            plural = lemma + "s"
        return [(lemma, ("n", "sg")), (plural, ("n", "pl"))]
    if cls in ("adj", "adv"):
        return [(lemma, (cls,))]
    if cls == "vblex":
        return []
    raise ParadigmError(f"unknown English class {cls!r}; known: n, adj, adv, vblex")


def _noun(gender: str, lemma: str, definite: str, plural: str, plural_def: str) -> list[Form]:
    return [
        (lemma, ("n", gender, "sg", "nom", "ind")),
        (definite, ("n", gender, "sg", "nom", "def")),
        (plural, ("n", gender, "pl", "nom", "ind")),
        (plural_def, ("n", gender, "pl", "nom", "def")),
    ]


def _verb(lemma: str, cls: str, extra: str, *, lp_tail: tuple[str, ...]) -> list[Form]:
    aspect = cls.split("-", 1)[1]
    slots = extra.split("|") if extra else []
    if len(slots) != len(VERB_SLOTS):
        raise ParadigmError(f"verb {lemma!r} needs its forms as {'|'.join(VERB_SLOTS)}")
    tails = {
        "pres3sg": ("pres", "p3", "sg"), "pres3pl": ("pres", "p3", "pl"),
        "aor3sg": ("aor", "p3", "sg"), "aor3pl": ("aor", "p3", "pl"),
        "lp-m": ("lp", "aor", "m", "sg", *lp_tail), "lp-pl": ("lp", "aor", "mfn", "pl", *lp_tail),
    }
    forms = []
    for slot, surface in zip(VERB_SLOTS, slots):
        if surface.strip() in ("", "-"):
            continue
        for valency in ("tv", "iv"):
            forms.append((surface.strip(), ("vblex", aspect, valency, *tails[slot])))
    return forms


CLOSED = ("pr", "cnjcoo", "cnjsub")
