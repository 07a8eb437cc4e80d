"""A tiny, deterministic argostranslate package for tests, built without any download.

``build_argos_package()`` writes a real ``.argosmodel`` archive (a zip with one top
folder holding ``metadata.json``, ``README.md``, ``sentencepiece.model`` and a
CTranslate2 model in ``model/``).  The model is a one-layer CTranslate2
``TransformerSpec`` whose weights are set by hand with numpy, so that it
translates *character by character*: every source character ``c`` becomes
``char_map.get(c, c)``.  With ``char_map=None`` it is a copy model; with
``BG_TO_LATIN`` it transliterates Bulgarian Cyrillic to Latin letters.  With
``piece_map=PLACEHOLDER_FAULTS`` it also gets placeholders wrong the way neural
models do, deterministically: ``⟦1⟧`` and ``⟦2⟧`` swapped, ``⟦3⟧`` dropped,
``⟦4⟧`` repeated (whole strings become single pieces, mapped like characters).

Building takes about 30 ms.  The installed package is about 3 MB (model.bin,
float32), the archive about 15 kB (most weights are zeros).  This module never
imports argostranslate, so importing it does not freeze argostranslate's settings.

How the network works (d_model = V + 2*B, V = vocabulary size, B = 10 bits)
--------------------------------------------------------------------------
* Dimensions ``[0, V)`` hold a one-hot token code, dimensions ``[V, V + 2B)`` a
  binary position code: for bit k of the position, the pair (+1, -1) if the bit is
  set, (-1, +1) otherwise.  The code is stored as the (learned-style) position
  encoding table of both encoder and decoder (``MAX_POSITIONS`` = 1024 rows).
  Every code has mean 0 and the same norm, so a layer norm of a position code is a
  fixed scaling, compensated in its gamma.
* Encoder: one-hot embeddings, no embedding scaling, self-attention and
  feed-forward weights all zero (the residuals pass the input through), no final
  norm: encoder output at source position j = onehot(src_j) + pos(j).
* ``add_source_eos`` is set in ``config.json``: CTranslate2 appends ``</s>`` to
  every source, so the source position n holds ``</s>``.
* Decoder: zero token embeddings (the previous output token is ignored), so the
  state at step t is pos(t).  Self-attention and feed-forward are zero.  Cross
  attention: query = 10 * pos(t), key = pos(j), queries_scale = 1, so the score
  is 10 * (2B - 4 * hamming(t, j)): step t attends to source position t with a
  margin of 40 nats.  Value = onehot(src_j); the output projection writes
  20 * onehot(target(src_j)) into the token dimensions, where target() applies
  ``char_map`` (special tokens map to themselves).  The vocabulary projection
  reads the token dimensions: the logit of the wanted token is 20, all others 0.
* So output step t is the mapped source token t, and step n (the source EOS) is
  ``</s>``.  All weight rows have a single non-zero value and all activations are
  exact small integers, so the model gives the same output with
  ``compute_type`` float32 (the saved type, "default") and int8_float32
  (argostranslate's "auto" on this CPU), with any beam size.  The single
  cross-attention head is also the alignment head, so ``replace_unknowns=True``
  (which argostranslate passes) copies characters that are not in the
  vocabulary through unchanged.

Tokenization: a character-level SentencePiece model trained in memory
(``normalization_rule_name="identity"``, ``remove_extra_whitespaces=False``,
default dummy prefix).  One character is one piece, a space is the piece "▁", and
runs of unknown characters become one ``<unk>`` piece.  The same model serves
source and target (``shared_vocabulary.json``).  The vocabulary covers
``BASE_CHARACTERS`` plus every key and value of ``char_map``.

Limits
------
* CTranslate2's default ``max_decoding_length`` is 256: an output is cut at 256
  pieces, i.e. a segment of more than 255 characters (the dummy-prefix "▁" is one
  piece) comes back truncated, without an error.  Pass a larger
  ``max_decoding_length`` (at most ``MAX_POSITIONS``) for longer segments.
* Positions are limited to ``MAX_POSITIONS`` (1024) per segment; the default
  ``max_input_length=1024`` keeps the source within it.  With
  ``max_input_length=0`` a source of 1024+ pieces raises "No position encodings
  are defined for positions >= 1024".
* A character outside the vocabulary comes back as " ⁇ " after SentencePiece
  decoding, unless ``replace_unknowns=True`` is passed to ``translate_batch``.
* argostranslate's own ``SentencePieceTokenizer.decode`` turns "_" into a space.

Using it in a test
------------------
::

    path = build_argos_package(tmp_path, from_code="bg", to_code="en",
                               char_map=BG_TO_LATIN)
    # after install_from_path(path): pkg = an argostranslate Package, or just unzip it
    translator = ctranslate2.Translator(str(pkg.package_path / "model"), device="cpu")
    sp = sentencepiece.SentencePieceProcessor(
        model_file=str(pkg.package_path / "sentencepiece.model"))
    pieces = [sp.encode(s, out_type=str) for s in segments]
    out = [sp.decode(r.hypotheses[0]) for r in translator.translate_batch(pieces)]

To install it with argostranslate, set ``ARGOS_PACKAGES_DIR``, ``XDG_DATA_HOME``,
``XDG_CONFIG_HOME`` and ``XDG_CACHE_HOME`` (and preferably ``ARGOS_DEVICE_TYPE``)
to temporary folders *before* the first ``import argostranslate`` in the process:
``argostranslate.settings`` reads them once at import time and creates the
folders.  Then ``argostranslate.package.install_from_path(path)``.  If
argostranslate may already have been imported in the process (by another test),
also point ``argostranslate.settings.package_data_dir`` and
``argostranslate.settings.package_dirs`` at the folder (monkeypatch): both are
read at call time by ``install_from_path`` and ``get_installed_packages``.
tests/support/test_argos_model.py shows both ways (fixture and subprocess).
"""

from __future__ import annotations

import io
import json
import os
import random
import string
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import sentencepiece as spm
from ctranslate2.specs import attention_spec, transformer_spec

__all__ = [
    "BASE_CHARACTERS",
    "BG_TO_LATIN",
    "PLACEHOLDER_FAULTS",
    "LANGUAGE_NAMES",
    "MAX_DECODING_LENGTH",
    "MAX_POSITIONS",
    "build_argos_package",
]

# --------------------------------------------------------------------------- maps

_BG_LOWER_TO_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "ž",
    "з": "z", "и": "i", "й": "j", "к": "k", "л": "l", "м": "m", "н": "n",
    "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f",
    "х": "h", "ц": "c", "ч": "č", "ш": "š", "щ": "ŝ", "ъ": "ǎ", "ь": "ĭ",
    "ю": "û", "я": "â", "ѝ": "ì", "ѐ": "è",
}  # fmt: skip

#: One-to-one Bulgarian Cyrillic -> Latin map (ISO 9 style, one Latin letter per
#: Cyrillic letter, upper and lower case): ж ž, ц c, ч č, ш š, щ ŝ, ъ ǎ, ь ĭ,
#: ю û, я â, й j, ѝ ì, ѐ è.  "Кметът" -> "Kmetǎt".
BG_TO_LATIN: dict[str, str] = {
    **_BG_LOWER_TO_LATIN,
    **{c.upper(): t.upper() for c, t in _BG_LOWER_TO_LATIN.items()},
}
assert all(len(k) == 1 and len(v) == 1 for k, v in BG_TO_LATIN.items())
assert len(set(BG_TO_LATIN.values())) == len(BG_TO_LATIN)  # one-to-one

_BG_LOWER = "абвгдежзийклмнопрстуфхцчшщъьюя" + "ѝѐ"
_CYRILLIC_EXTRA = "ѓќѕјљњџћђ" + "ёыэ"  # Macedonian / Serbian, Russian
_TYPOGRAPHY = "–—„“”‘’«»…№€§°•·×\u00a0⟦⟧"
_LATIN_EXTRA = "čćđšžşğıöüçëăâîșțèéàìòùŝǎĭû"

#: Characters always in the vocabulary (char_map keys and values are added).
BASE_CHARACTERS: str = "".join(
    dict.fromkeys(
        _BG_LOWER
        + _BG_LOWER.upper()
        + _CYRILLIC_EXTRA
        + _CYRILLIC_EXTRA.upper()
        + string.ascii_letters
        + string.digits
        + string.punctuation
        + " "
        + _TYPOGRAPHY
        + _LATIN_EXTRA
        + "".join(c.upper() for c in _LATIN_EXTRA if len(c.upper()) == 1)
    )
)

#: A ``piece_map`` for a model that mishandles placeholders as neural models do:
#: ``⟦1⟧`` and ``⟦2⟧`` come back as each other (swapped), ``⟦3⟧`` is dropped (a
#: space stands in its place) and ``⟦4⟧`` comes back twice (``⟦4⟧ ⟦4⟧``).  Every
#: other placeholder, and every other character, is copied or char-mapped.
PLACEHOLDER_FAULTS: dict[str, str] = {"⟦1⟧": "⟦2⟧", "⟦2⟧": "⟦1⟧", "⟦3⟧": " ", "⟦4⟧": "⟦4⟧ ⟦4⟧"}

LANGUAGE_NAMES: dict[str, str] = {
    "bg": "Bulgarian", "bs": "Bosnian", "cnr": "Montenegrin", "de": "German",
    "el": "Greek", "en": "English", "fr": "French", "hr": "Croatian",
    "mk": "Macedonian", "ro": "Romanian", "sl": "Slovenian", "sq": "Albanian",
    "sr": "Serbian", "tr": "Turkish",
}  # fmt: skip

# ------------------------------------------------------------------ model shape

_POSITION_BITS = 10
#: Rows of the position table: positions 0..1023 per segment (source and output).
MAX_POSITIONS = 1 << _POSITION_BITS
#: CTranslate2's default ``max_decoding_length``: outputs are cut at 256 pieces.
MAX_DECODING_LENGTH = 256
_QUERY_GAIN = 10.0  # attention score margin per differing position bit: 4 * 10
_LOGIT_GAIN = 20.0  # logit of the wanted token; every other logit is 0
_FFN_DIM = 1
_SPACE_PIECE = "▁"
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def build_argos_package(
    dest_dir: Path,
    *,
    from_code: str,
    to_code: str,
    char_map: Mapping[str, str] | None = None,
    piece_map: Mapping[str, str] | None = None,
    name: str | None = None,
    package_version: str = "1.0",
) -> Path:
    """Write `<dest_dir>/translate-<from>_<to>-<version>.argosmodel` and return its path.

    The model translates character by character: each source character c becomes
    char_map.get(c, c) (char_map=None: a copy model).  char_map keys and values are
    single printable characters other than a space (ValueError otherwise); they
    are added to the vocabulary, so any target character works.

    ``piece_map`` maps whole strings (e.g. a placeholder ``"⟦3⟧"``) to strings: each
    key of more than one character becomes one SentencePiece piece (a
    user-defined symbol), and so does each value (a space in a value is "▁";
    the value ``" "`` is the space piece itself), so the model writes the value
    where the source has the key: ``PLACEHOLDER_FAULTS`` drops, repeats and
    swaps placeholders.  Keys have no whitespace; values are not empty.

    ``name`` is the archive's top folder, i.e. the directory the package is
    installed under in ARGOS_PACKAGES_DIR (default
    ``translate-<from>_<to>-<version with "." -> "_">``); give two packages of the
    same pair different names to install both (the archive file name does not
    depend on ``name``: build them into different dest_dirs or install each before
    building the next).  from_name/to_name come from ``LANGUAGE_NAMES``.  The same
    arguments always give a byte-identical archive.  Writes nothing else.
    """
    mapping = _checked_char_map(char_map)
    pieces = _checked_piece_map(piece_map)
    symbols = list(dict.fromkeys(p for pair in pieces.items() for p in pair if len(p) > 1))
    if not from_code or not to_code:
        raise ValueError("from_code and to_code must be non-empty")
    top = name or f"translate-{from_code}_{to_code}-{package_version.replace('.', '_')}"
    if "/" in top or "\\" in top or top in (".", ".."):
        raise ValueError(f"invalid package name {top!r}")

    every = "".join(mapping) + "".join(mapping.values()) + "".join(symbols).replace(_SPACE_PIECE, "")
    characters = "".join(dict.fromkeys(BASE_CHARACTERS + every))
    sp_model = _train_sentencepiece(characters, symbols)
    sp = spm.SentencePieceProcessor(model_proto=sp_model)
    vocabulary = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    spec = _build_spec(vocabulary, _target_ids(vocabulary, {**mapping, **pieces}, sp))

    files: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="argos-model-") as tmp:
        spec.save(tmp)
        for path in sorted(Path(tmp).iterdir()):
            files[f"{top}/model/{path.name}"] = path.read_bytes()
    files[f"{top}/sentencepiece.model"] = sp_model
    metadata = {
        "package_version": package_version,
        "argos_version": "1.0",
        "from_code": from_code,
        "from_name": LANGUAGE_NAMES.get(from_code, from_code),
        "to_code": to_code,
        "to_name": LANGUAGE_NAMES.get(to_code, to_code),
        "type": "translate",
        "links": [],
    }
    files[f"{top}/metadata.json"] = (json.dumps(metadata, ensure_ascii=False, indent=2) + "\n").encode()
    kind = "copy" if not mapping else f"character map of {len(mapping)} entries"
    files[f"{top}/README.md"] = (
        f"# Synthetic test model {from_code} -> {to_code}\n\n"
        f"Hand-set one-layer CTranslate2 Transformer ({kind}), built by "
        "tests/support/argos_model.py. Translates character by character; not a real "
        "translation model.\n"
    ).encode()

    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / f"translate-{from_code}_{to_code}-{package_version}.argosmodel"
    partial = target.with_name(target.name + ".partial")
    partial.write_bytes(_zip_bytes(top, files))
    os.replace(partial, target)
    return target


# ------------------------------------------------------------------ internals


def _checked_char_map(char_map: Mapping[str, str] | None) -> dict[str, str]:
    mapping = dict(char_map or {})
    for key, value in mapping.items():
        if not (isinstance(key, str) and isinstance(value, str) and len(key) == 1 and len(value) == 1):
            raise ValueError(f"char_map must map one character to one character: {key!r} -> {value!r}")
        for char in (key, value):
            # A space is the piece "▁", which also serves as SentencePiece's dummy
            # prefix: mapping it would put the mapped character before every output.
            if char in (" ", _SPACE_PIECE) or not (char.isprintable() or char == "\u00a0"):
                raise ValueError(f"char_map entry with a space or control character: {key!r} -> {value!r}")
    return mapping


def _checked_piece_map(piece_map: Mapping[str, str] | None) -> dict[str, str]:
    """Keys and values as pieces: a space is "▁"."""
    pieces = {}
    for key, value in dict(piece_map or {}).items():
        if not (isinstance(key, str) and isinstance(value, str) and key and value):
            raise ValueError(f"piece_map maps non-empty strings: {key!r} -> {value!r}")
        if any(char.isspace() or char == _SPACE_PIECE for char in key):
            raise ValueError(f"piece_map key with a space: {key!r}")
        pieces[key] = value.replace(" ", _SPACE_PIECE)
    return pieces


def _training_lines(characters: str) -> list[str]:
    """A few hundred deterministic lines covering every character several times."""
    rng = random.Random(20240401)
    pool = list(characters)
    lines = [
        "Кметът на Стара Загора ⟦3⟧ участва в срещата в Загреб на 12.05.2021 г.",
        "„Община Бургас“ (проект № 7/2024): 125 000 лв. – 40% от бюджета; вижте ⟦12⟧!",
        characters,
    ]
    for i in range(300):
        chunk = rng.sample(pool, k=min(40, len(pool)))
        lines.append("".join(chunk[:20]) + " " + "".join(chunk[20:]) + f" ⟦{i}⟧")
    return lines


def _train_sentencepiece(characters: str, symbols: list[str] | None = None) -> bytes:
    model = io.BytesIO()
    extra = {"user_defined_symbols": symbols} if symbols else {}
    spm.SentencePieceTrainer.train(
        **extra,
        sentence_iterator=iter(_training_lines(characters)),
        model_writer=model,
        model_type="char",
        vocab_size=len(set(characters)) + 3 + len(symbols or ()),  # + <unk> <s> </s>; " " is "▁"
        hard_vocab_limit=False,
        character_coverage=1.0,
        normalization_rule_name="identity",
        remove_extra_whitespaces=False,
        num_threads=1,
        minloglevel=2,
    )
    data = model.getvalue()
    sp = spm.SentencePieceProcessor(model_proto=data)
    missing = [c for c in characters if sp.piece_to_id(_SPACE_PIECE if c == " " else c) == sp.unk_id()]
    if missing:
        raise RuntimeError(f"SentencePiece vocabulary lacks {missing!r}")
    return data


def _target_ids(vocabulary: list[str], mapping: dict[str, str], sp: spm.SentencePieceProcessor) -> np.ndarray:
    """For each piece id, the id of the piece it is translated to."""
    index = {piece: i for i, piece in enumerate(vocabulary)}
    targets = np.arange(len(vocabulary), dtype=np.int64)  # specials and "▁" map to themselves
    for i, piece in enumerate(vocabulary):
        if piece in mapping and i not in (sp.unk_id(), sp.bos_id(), sp.eos_id()):
            targets[i] = index[mapping[piece]]
    return targets


def _position_table(offset: int, d_model: int) -> np.ndarray:
    table = np.zeros((MAX_POSITIONS, d_model), dtype=np.float32)
    positions = np.arange(MAX_POSITIONS)
    for bit in range(_POSITION_BITS):
        sign = np.where((positions >> bit) & 1, 1.0, -1.0).astype(np.float32)
        table[:, offset + 2 * bit] = sign
        table[:, offset + 2 * bit + 1] = -sign
    return table


def _zero_attention(spec: attention_spec.MultiHeadAttentionSpec, d_model: int) -> None:
    spec.layer_norm.gamma = np.ones(d_model, dtype=np.float32)
    spec.layer_norm.beta = np.zeros(d_model, dtype=np.float32)
    spec.linear[0].weight = np.zeros((3, d_model), dtype=np.float32)  # fused QKV, head_dim 1
    spec.linear[1].weight = np.zeros((d_model, 1), dtype=np.float32)


def _zero_ffn(spec: transformer_spec.FeedForwardSpec, d_model: int) -> None:
    spec.layer_norm.gamma = np.ones(d_model, dtype=np.float32)
    spec.layer_norm.beta = np.zeros(d_model, dtype=np.float32)
    spec.linear_0.weight = np.zeros((_FFN_DIM, d_model), dtype=np.float32)
    spec.linear_1.weight = np.zeros((d_model, _FFN_DIM), dtype=np.float32)


def _build_spec(vocabulary: list[str], targets: np.ndarray) -> transformer_spec.TransformerSpec:
    v = len(vocabulary)
    p = 2 * _POSITION_BITS
    d = v + p
    token = np.arange(v)
    pos = np.arange(v, d)

    spec = transformer_spec.TransformerSpec.from_config(
        (1, 1), num_heads=1, pre_norm=True, no_final_norm=True
    )
    spec.config.add_source_eos = True
    encoder, decoder = spec.encoder, spec.decoder
    enc_layer, dec_layer = encoder.layer[0], decoder.layer[0]
    # Zero self-attention with a 1-dim head keeps the (useless) weights tiny.
    enc_layer.self_attention = attention_spec.MultiHeadAttentionSpec(self_attention=True, head_dim=1)
    dec_layer.self_attention = attention_spec.MultiHeadAttentionSpec(self_attention=True, head_dim=1)

    one_hot = np.zeros((v, d), dtype=np.float32)
    one_hot[token, token] = 1.0

    encoder.embeddings[0].weight = one_hot
    encoder.scale_embeddings = False
    encoder.position_encodings.encodings = _position_table(v, d)
    _zero_attention(enc_layer.self_attention, d)
    _zero_ffn(enc_layer.ffn, d)

    decoder.embeddings.weight = np.zeros((v, d), dtype=np.float32)
    decoder.scale_embeddings = False
    decoder.position_encodings.encodings = _position_table(v, d)
    _zero_attention(dec_layer.self_attention, d)
    _zero_ffn(dec_layer.ffn, d)

    cross = dec_layer.attention
    # The decoder state is a bare position code: mean 0, variance p / d.  With this
    # gamma the pre-norm layer norm returns it unchanged (epsilon 1e-5 with beta).
    cross.layer_norm.gamma = np.full(d, np.sqrt(p / d + 1e-5), dtype=np.float32)
    cross.layer_norm.beta = np.zeros(d, dtype=np.float32)
    query = np.zeros((d, d), dtype=np.float32)
    query[pos, pos] = _QUERY_GAIN
    key_value = np.zeros((2 * d, d), dtype=np.float32)
    key_value[pos, pos] = 1.0  # keys: the source position code
    key_value[d + token, token] = 1.0  # values: the source token one-hot
    out = np.zeros((d, d), dtype=np.float32)
    out[targets, token] = _LOGIT_GAIN  # source token -> mapped target token
    cross.linear[0].weight = query
    cross.linear[1].weight = key_value
    cross.linear[2].weight = out
    cross.queries_scale = np.float32(1.0)

    decoder.projection.weight = one_hot.copy()

    spec.register_source_vocabulary(vocabulary)
    spec.register_target_vocabulary(vocabulary)
    spec.validate()
    spec.optimize()  # aliases identical weights (zeros, one-hots, position tables); no quantization
    return spec


def _zip_bytes(top: str, files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        directories = sorted({f"{top}/"} | {name.rsplit("/", 1)[0] + "/" for name in files})
        for directory in directories:
            info = zipfile.ZipInfo(directory, date_time=_ZIP_DATE)
            info.external_attr = (0o40755 << 16) | 0x10
            archive.writestr(info, b"")
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name], compresslevel=6)
    return buffer.getvalue()
