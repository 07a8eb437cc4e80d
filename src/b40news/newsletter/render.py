"""Render a newsletter once per (release, language, city): Jinja2 -> MJML -> HTML.

The output still holds one literal marker per per-recipient value (``SLOTS``),
e.g. ``%%B40:unsubscribe_url%%``: markers are plain ASCII that neither Jinja2's
autoescape, MJML nor HTML escaping touch, so ``personalise`` fills them in with
``str.replace`` for each recipient — MJML never runs per recipient.

URLs and e-mail addresses in the release's paragraphs become links in the
HTML part (``linkify``: escaped first, then linked); the text part keeps
them as they are.

Rendering reports problems instead of raising (as Keila's renderer does): a
broken template, an MJML error, an over-long HTML part, a missing unsubscribe
link all land in ``Rendered.errors`` for the review page to show. Only a
broken call (a wrong type) raises.

Plain Python, no Django.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape
from mjml import mjml2html

from b40news import languages
from b40news.newsletter.linkify import linkify
from b40news.newsletter.message import BREAK_OR_NUL, Shared
from b40news.newsletter.strings import StringsError, load_strings

SLOTS: tuple[str, ...] = ("unsubscribe_url", "preferences_url", "recipient_email", "fallback_notice")
# Slots a recipient may leave empty, and their value then: the line that tells a
# subscriber this newsletter is not (yet) in their language (`composer.fallback_notice`).
OPTIONAL_SLOTS: dict[str, str] = {"fallback_notice": ""}
CONFIRM_SLOTS: tuple[str, ...] = ("confirm_url", "recipient_email")
SLOT_PREFIX = "%%B40:"
MAX_HTML_BYTES = 100_000  # Gmail clips messages whose HTML passes ~102 KB
PREHEADER_CHARS = 140
PAGE_BG = "#f2f2f2"
DEFAULT_BRAND = "#1f4e99"
DARK_TEXT = "#1f1f1f"


def slot_marker(name: str) -> str:
    return f"{SLOT_PREFIX}{name}%%"


@dataclass(frozen=True)
class CityBrand:
    slug: str
    name: str  # as the subscriber's language writes it
    colour: str  # "#rrggbb" or "#rgb"
    logo_url: str  # the city's own logo (https in production); "" for none


@dataclass(frozen=True)
class Newsletter:
    language: str
    city: CityBrand
    list_name: str
    title: str
    paragraphs: tuple[str, ...]
    original_url: str  # the Bulgarian original
    archive_url: str  # this language's web version
    machine_translated: bool
    preheader: str = ""  # empty: the start of the first paragraph
    issued_by: str = ""  # "Stara Zagora via Sofia · B40": a release of another city than the list's


@dataclass(frozen=True)
class Rendered:
    language: str
    subject: str
    html: str  # with slot markers
    text: str  # with slot markers
    errors: tuple[str, ...]
    slots: tuple[str, ...] = field(default=SLOTS)  # the markers personalise() fills

    @property
    def ok(self) -> bool:
        return not self.errors


def personalise(rendered: Rendered, values: Mapping[str, str]) -> tuple[str, str]:
    """(html, text) for one recipient: each slot marker replaced by its value.

    Values are HTML-escaped for the HTML part (safe inside attributes and text)
    and inserted raw into the text part. Every slot of ``rendered.slots`` needs
    a value (``OPTIONAL_SLOTS`` have a default); ``*_url`` values may not be javascript:, data: or vbscript: URLs
    (anything else is fine, "#" for a preview too); no value may hold CR, LF
    or NUL. Raises ``ValueError`` otherwise.
    """
    return _fill(rendered.html, rendered.text, rendered.slots, values)


def personaliser(rendered: Rendered, shared: Mapping[str, str]) -> Callable[[Mapping[str, str]], tuple[Shared, Shared]]:
    """`personalise` in two steps, for the many recipients of one rendition: the
    ``shared`` values (the same for all of them) now, the others per recipient.
    The function returned takes those others and gives (html, text), each a
    `message.Shared`: the text up to the first per-recipient slot (the same
    string object every time, so that ``build_message`` encodes it once) and
    the rest, filled in. Same checks and errors as `personalise`."""
    own = tuple(name for name in rendered.slots if name not in shared)
    html, text = _fill(rendered.html, rendered.text, tuple(name for name in rendered.slots if name in shared),
                       shared)

    def first_slot(content: str) -> int:
        return min((i for i in (content.find(slot_marker(name)) for name in own) if i >= 0), default=len(content))

    h, t = first_slot(html), first_slot(text)
    html_start, html_rest, text_start, text_rest = html[:h], html[h:], text[:t], text[t:]

    def fill(values: Mapping[str, str]) -> tuple[Shared, Shared]:
        html, text = _fill(html_rest, text_rest, own, values)
        return Shared(html_start, html), Shared(text_start, text)

    return fill


def _fill(html: str, text: str, slots: tuple[str, ...], values: Mapping[str, str]) -> tuple[str, str]:
    values = {**{name: OPTIONAL_SLOTS[name] for name in slots if name in OPTIONAL_SLOTS}, **values}
    missing = [name for name in slots if name not in values]
    if missing:
        raise ValueError(f"no value for slot(s): {', '.join(missing)}")
    for name in slots:
        value = values[name]
        if BREAK_OR_NUL.search(value):
            raise ValueError(f"slot {name}: line break or NUL in value")
        if name.endswith("_url") and _SCRIPT_SCHEME.match(value):
            raise ValueError(f"slot {name}: a script URL: {value!r}")
        marker = slot_marker(name)
        html = html.replace(marker, html_lib.escape(value, quote=True))
        text = text.replace(marker, value)
    return html, text


class Renderer:
    """Templates and strings under ``templates_dir`` (``email/``, ``locale/``)."""

    def __init__(self, templates_dir: Path):
        self.templates_dir = Path(templates_dir)
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(self.templates_dir)),
            autoescape=jinja2.select_autoescape(
                enabled_extensions=("mjml.j2", "html"),
                disabled_extensions=("txt.j2",),
                default=True,
            ),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters["nl2br"] = _nl2br
        self.env.filters["linkify"] = _linkify

    def render(self, newsletter: Newsletter) -> Rendered:
        errors: list[str] = []
        subject = _one_line(newsletter.title)
        if not subject:
            errors.append("the title is empty")
        if not any(p.strip() for p in newsletter.paragraphs):
            errors.append("the newsletter has no text")
        for name in ("original_url", "archive_url"):
            if not _is_web_url(getattr(newsletter, name)):
                errors.append(f"{name} is not an http(s) URL: {getattr(newsletter, name)!r}")
        title = _defuse(newsletter.title, "title", errors)
        paragraphs = tuple(
            _defuse(p, "text", errors) for p in newsletter.paragraphs if p.strip()
        )
        preheader = _one_line(newsletter.preheader) or _teaser(paragraphs)
        notice_key = None
        if _language(newsletter.language) and not _is_source(newsletter.language):
            notice_key = "machine_translated" if newsletter.machine_translated else "human_translated"
        context = {
            "title": title,
            "paragraphs": paragraphs,
            "preheader": _defuse(preheader, "preheader", errors),
            "original_url": newsletter.original_url,
            "archive_url": newsletter.archive_url,
            "list_name": _defuse(newsletter.list_name, "list name", errors),
            "issued_by": _defuse(newsletter.issued_by, "issuing city", errors),
        }
        return self.render_mail(
            "newsletter", newsletter.language, newsletter.city, subject, SLOTS,
            context, notice_key, errors,
        )

    def render_confirmation(self, language: str, list_name: str, city: CityBrand) -> Rendered:
        """The double opt-in mail; its slots are ``CONFIRM_SLOTS`` (confirm_url, recipient_email)."""
        errors: list[str] = []
        context = {"list_name": _defuse(list_name, "list name", errors)}
        return self.render_mail(
            "confirm", language, city, None, CONFIRM_SLOTS, context, None, errors
        )

    # -- the shared pipeline ------------------------------------------------

    def render_mail(
        self,
        kind: str,
        language: str,
        city: CityBrand,
        subject: str | None,
        slots: tuple[str, ...],
        context: dict[str, Any],
        notice_key: str | None,
        errors: list[str],
        *,
        prefix: str | None = None,
    ) -> Rendered:
        """Any mail: ``email/{kind}.txt.j2`` and ``.mjml.j2`` with the language's
        strings. ``prefix`` names the strings of its subject (unless given),
        heading and preheader (``confirm_subject`` …; default: ``kind``)."""
        lang = _language(language)
        if lang is None:
            errors.append(f"unknown language {language!r}")
            return Rendered(language, subject or "", "", "", tuple(errors), slots)
        try:
            strings = load_strings(self.templates_dir, lang.code)
        except StringsError as exc:
            errors.append(f"strings: {exc}")
            return Rendered(lang.code, subject or "", "", "", tuple(errors), slots)
        brand = _colour(city.colour, errors)
        if city.logo_url and not _is_web_url(city.logo_url):  # https in production; http on a dev server
            errors.append(f"logo_url is not an http(s) URL: {city.logo_url!r}")
        markers = {name: slot_marker(name) for name in slots}
        fields = {
            "list": context["list_name"],
            "city": _defuse(city.name, "city name", errors),
            "email": markers.get("recipient_email", ""),
            "language": lang.native,  # `fallback_notice`: the composer fills in the language shown
        }
        t = {key: _format(key, value, fields, errors) for key, value in strings.items()}
        prefix = prefix or kind
        if subject is None:
            subject = _one_line(t.get(f"{prefix}_subject", ""))
        context.setdefault("title", t.get(f"{prefix}_heading", ""))
        context.setdefault("preheader", t.get(f"{prefix}_preheader", ""))
        context.update(
            lang=lang.code,
            dir=lang.direction,
            start="right" if lang.direction == "rtl" else "left",
            end="left" if lang.direction == "rtl" else "right",
            city=city,
            brand=brand,
            on_brand=_text_on(brand),
            page_bg=PAGE_BG,
            t=t,
            notice=t.get(notice_key, "") if notice_key else "",
            slots=markers,
        )
        text = self._template(f"email/{kind}.txt.j2", context, errors)
        mjml_source = self._template(f"email/{kind}.mjml.j2", context, errors)
        html = ""
        if mjml_source:
            try:
                html = mjml2html(mjml_source, fonts={}, disable_comments=True)
            except ValueError as exc:
                errors.append(f"mjml: {exc}")
        if html:
            errors.extend(_check_html(html, city.logo_url))
        for part, body in (("html", html), ("text", text)):
            if body:
                errors.extend(
                    f"{part} part lacks the {name} slot"
                    for name in slots if slot_marker(name) not in body
                )
        return Rendered(lang.code, subject, html, text, tuple(errors), slots)

    def _template(self, name: str, context: Mapping[str, Any], errors: list[str]) -> str:
        try:
            return self.env.get_template(name).render(context)
        except jinja2.TemplateError as exc:
            where = f" line {exc.lineno}" if getattr(exc, "lineno", None) else ""
            errors.append(f"template {name}{where}: {exc}")
            return ""


# -- helpers ------------------------------------------------------------------

_HEX = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
_SRC = re.compile(r"""\ssrc\s*=\s*["']([^"']*)["']""", re.IGNORECASE)
_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_SCRIPT_SCHEME = re.compile(r"\s*(?:javascript|data|vbscript):", re.IGNORECASE)


def _language(code: str) -> languages.Language | None:
    try:
        return languages.get(code)
    except languages.UnknownLanguage:
        return None


def _is_source(code: str) -> bool:
    return languages.get(code).code == languages.SOURCE


def _is_web_url(url: str) -> bool:
    return isinstance(url, str) and url.lower().startswith(("https://", "http://")) and not any(
        c in url for c in " \r\n\t\0<>\"'"
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _teaser(paragraphs: tuple[str, ...]) -> str:
    first = _one_line(paragraphs[0]) if paragraphs else ""
    if len(first) <= PREHEADER_CHARS:
        return first
    return first[:PREHEADER_CHARS].rsplit(" ", 1)[0] + "…"


def _defuse(text: str, what: str, errors: list[str]) -> str:
    """Content must not forge a slot marker: report it and break the marker."""
    if SLOT_PREFIX in text:
        errors.append(f"the {what} contains the reserved sequence {SLOT_PREFIX!r}")
        return text.replace(SLOT_PREFIX, "%% B40:")
    return text


class _Fields(dict):
    def __missing__(self, key: str) -> str:
        raise KeyError(key)


def _format(key: str, value: str, fields: Mapping[str, str], errors: list[str]) -> str:
    try:
        return value.format_map(_Fields(fields))
    except (KeyError, ValueError, IndexError, AttributeError) as exc:
        errors.append(f"string {key!r}: bad placeholder {exc}")
        return value


def _nl2br(value: str) -> Markup:
    return Markup("<br>\n").join(escape(line) for line in str(value).splitlines())


LINK_STYLE = "color:#1f4e99;word-break:break-word;"  # as the other links; long URLs wrap on phones


def _linkify(value: str) -> Markup:
    """A paragraph of the release: escaped, URLs and e-mail addresses as links, line breaks kept."""
    return linkify(value, style=LINK_STYLE)


def _colour(value: str, errors: list[str]) -> str:
    if not isinstance(value, str) or not _HEX.fullmatch(value):
        errors.append(f"city colour is not #rgb or #rrggbb: {value!r}")
        return DEFAULT_BRAND
    value = value.lower()
    if len(value) == 4:
        value = "#" + "".join(c * 2 for c in value[1:])
    return value


def _luminance(colour: str) -> float:
    def channel(hex2: str) -> float:
        c = int(hex2, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours (1 to 21)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _text_on(background: str) -> str:
    """White or near-black, whichever reads better on ``background``."""
    return "#ffffff" if contrast("#ffffff", background) >= contrast(DARK_TEXT, background) else DARK_TEXT


def _check_html(html: str, logo_url: str) -> list[str]:
    errors = []
    size = len(html.encode("utf-8"))
    if size > MAX_HTML_BYTES:
        errors.append(f"html is {size} bytes, over {MAX_HTML_BYTES} (Gmail clips it)")
    if any(" alt=" not in tag for tag in _IMG.findall(html)):
        errors.append("an <img> has no alt text")
    logo = html_lib.escape(logo_url, quote=True)
    foreign = sorted({src for src in _SRC.findall(html) if src not in (logo_url, logo)})
    if foreign:
        errors.append(f"remote resources other than the logo: {', '.join(foreign)}")
    if "<link" in html.lower() or "@import" in html:
        errors.append("the html loads a stylesheet or font")
    return errors
