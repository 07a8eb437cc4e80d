"""Text out of an uploaded .txt or .docx, for releases and human translations.

A .docx is a zip whose ``word/document.xml`` holds the paragraphs (``w:p``)
with their runs' text (``w:t``); tabs and line breaks inside a paragraph are
kept. Read with zipfile and ElementTree: no new dependency. The XML part is
size-checked before it is read and refused when it declares a DOCTYPE (Word
never writes one; entity tricks need one).
"""

from __future__ import annotations

import io
import zipfile
from xml.etree import ElementTree

from django.utils.translation import gettext as _

from b40news.releases.intake import ReleaseError

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MAX_XML_BYTES = 20_000_000
MAX_UPLOAD_BYTES = 20_000_000  # a .docx with pictures; its text must still fit MAX_RELEASE_BYTES


def docx_text(raw: bytes, *, name: str) -> str:
    """The paragraphs of a .docx, separated by blank lines; empty paragraphs dropped."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            info = archive.getinfo("word/document.xml")
            if info.file_size > MAX_XML_BYTES:
                raise ReleaseError(_("%(name)s is too large once unpacked") % {"name": name})
            xml = archive.read(info)
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError):
        raise ReleaseError(_("%(name)s is not a Word document (.docx)") % {"name": name}) from None
    if b"<!DOCTYPE" in xml:
        raise ReleaseError(_("%(name)s is not a Word document (.docx)") % {"name": name})
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError:
        raise ReleaseError(_("%(name)s is not a Word document (.docx)") % {"name": name}) from None
    paragraphs = []
    for paragraph in root.iter(f"{W}p"):
        parts = []
        for node in paragraph.iter():
            if node.tag == f"{W}t":
                parts.append(node.text or "")
            elif node.tag == f"{W}tab":
                parts.append("\t")
            elif node.tag in (f"{W}br", f"{W}cr"):
                parts.append("\n")
        text = "".join(parts).strip()
        if text:
            paragraphs.append(text)
    return "\n\n".join(paragraphs)


def uploaded_text(upload) -> tuple[bytes, str]:
    """(UTF-8 bytes, name) of an uploaded .txt or .docx; anything else is refused."""
    name = upload.name or "upload"
    if upload.size > MAX_UPLOAD_BYTES:
        raise ReleaseError(_("%(name)s is too large") % {"name": name})
    raw = upload.read()
    lowered = name.lower()
    if lowered.endswith(".docx"):
        return docx_text(raw, name=name).encode("utf-8"), name
    if lowered.endswith(".txt"):
        return raw, name
    raise ReleaseError(_("%(name)s: upload a .txt or a .docx file") % {"name": name})
