"""URLs and e-mail addresses in a release's text become links, safely.

Escape first, then link: the text is cut where ``text.protect.link_spans``
finds a link (the same spans translation keeps byte for byte: ``https://…``,
``www.…``, bare domains such as ``stz.bg``, e-mail addresses, trailing
sentence punctuation left out), every piece is HTML-escaped, and an ``<a>``
is built only from escaped pieces. Nothing of the text reaches the HTML
unescaped, so a release can neither inject markup nor break an attribute,
and inside MJML an ``<mj-text>`` holds nothing but text, ``<a>`` and ``<br>``.

Only ``http``, ``https`` and ``mailto`` links are made (``www.`` and bare
domains get ``https://``): the patterns cannot match ``javascript:``.

Plain Python (markupsafe), shared by the e-mail renderer and the archive pages.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from b40news.text.protect import link_spans

_LINK = Markup('<a href="{href}"{style}>{shown}</a>')


def href_for(shown: str, kind: str) -> str:
    if kind == "email":
        return f"mailto:{shown}"
    if shown.lower().startswith(("http://", "https://")):
        return shown
    return f"https://{shown}"


def linkify(text: str, *, style: str = "") -> Markup:
    """``text`` as HTML: links as ``<a>`` (``style``: an inline style, for e-mail), line breaks as ``<br>``."""
    style_attr = Markup(' style="{}"').format(style) if style else Markup("")
    lines = []
    for line in str(text).splitlines() or [""]:
        pieces: list[Markup] = []
        position = 0
        for start, end, kind in sorted(link_spans(line)):
            shown = line[start:end]
            pieces.append(escape(line[position:start]))
            pieces.append(_LINK.format(href=href_for(shown, kind), style=style_attr, shown=shown))
            position = end
        pieces.append(escape(line[position:]))
        lines.append(Markup("").join(pieces))
    return Markup("<br>\n").join(lines)
