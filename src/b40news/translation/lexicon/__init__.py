"""The project's own domain lexicon over Apertium's bg→mk and mk→en pairs.

The sources are plain tables in ``data/`` (reviewable in a diff):

* ``bg-mk.tsv``: Bulgarian lemma, class, extra form; Macedonian lemma, class,
  extra form (:mod:`.paradigms` spells out the forms). Each row adds the
  Bulgarian forms to the analyser, the pair to the bilingual dictionary (in
  front of Apertium's own translations) and the Macedonian forms to the
  generator and to the mk→en analyser.
* ``mk-en.tsv``: Macedonian lemma, class, English lemma, English plural:
  preferred English senses (општина → municipality, not township) and
  English forms the generator lacks.
* ``bg.cg3``: Constraint Grammar rules run after Apertium's own (the short
  definite article is not a count form: "на музея" is "на музејот").
* ``edits.tsv``: pre- and post-editing rules (regular expressions) per
  Apertium mode, for what a dictionary cannot express.
* ``adapt-bg-mk.tsv``: endings of Bulgarian words no dictionary knows,
  rewritten the Macedonian way before letter-by-letter transliteration.

:func:`ensure` compiles them with Apertium's own tools (``lt-comp``,
``lt-append``, ``cg-comp``) into a data directory keyed by a checksum of the
sources and of the installed dictionaries: a directory with the merged
binaries and ``modes/`` that point at them, which the Apertium engine uses
in place of ``/usr/share/apertium``. Plain Python: no Django.
"""

from .build import DATA, LexiconError, adapt_unknown, apply_edits, checksum, ensure, load_rows

__all__ = ["DATA", "LexiconError", "adapt_unknown", "apply_edits", "checksum", "ensure", "load_rows"]
