"""Reading a mailbox the way the ``bounces`` and ``unsubscribes`` commands do.

New messages of a Maildir or an IMAP folder are handed one by one to a
handler (``handle(raw, where=...)``), whose result goes into a tally, and
are marked read afterwards: a Maildir message moves from ``new/`` to
``cur/`` with the ``S`` flag, an IMAP message gets ``\\Seen``. A processor
stopped between the two leaves the message unread; the handlers make
processing it again change nothing more.
"""

from __future__ import annotations

import imaplib
import mailbox
import os
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

LOOPBACK = ("127.0.0.1", "::1", "localhost")


def add_source_arguments(parser, what: str) -> None:
    """``process --maildir PATH | --imap URL [--folder F]`` on a command's parser."""
    sub = parser.add_subparsers(dest="action", required=True)
    process = sub.add_parser("process", help=f"read new {what}")
    source = process.add_mutually_exclusive_group(required=True)
    source.add_argument("--maildir", help="a Maildir: messages in new/ are processed and moved to cur/")
    source.add_argument("--imap", metavar="URL", help="imaps://user:password@host[:port]/FOLDER")
    process.add_argument("--folder", help="the IMAP folder (default: the URL's path, else INBOX)")


def process_source(options: dict, handle: Callable, tally, what: str):
    """Run ``handle`` over the source the options name; CommandError for a source that cannot be read."""
    from django.core.management.base import CommandError

    try:
        if options["maildir"]:
            return process_maildir(options["maildir"], handle, tally)
        return process_imap(ImapSettings.from_url(options["imap"], options["folder"]), handle, tally)
    except mailbox.NoSuchMailboxError as exc:
        raise CommandError(f"no Maildir at {exc}") from None
    except (OSError, ValueError, imaplib.IMAP4.error) as exc:
        raise CommandError(f"cannot read the {what}: {exc}") from None


def is_imap(source: str) -> bool:
    return "://" in source


def check_source(source: str) -> None:
    """ValueError for a configured mailbox that cannot be right (a bad IMAP URL); empty is fine."""
    if source and is_imap(source):
        ImapSettings.from_url(source)
    elif source and not Path(source).is_absolute():
        raise ValueError(f"a Maildir must be given by its absolute path, not {source!r}")


def process(source: str, handle: Callable, tally):
    """A configured mailbox (``settings.BOUNCE_MAILBOX``…): an imap(s):// URL or a Maildir's path."""
    if is_imap(source):
        return process_imap(ImapSettings.from_url(source), handle, tally)
    return process_maildir(source, handle, tally)


def process_maildir(path: str | Path, handle: Callable, tally):
    """Every message in ``new/``: processed, then moved to ``cur/`` flagged seen (S)."""
    box = mailbox.Maildir(str(path), factory=None, create=False)
    root = Path(path)
    for name in sorted(entry.name for entry in os.scandir(root / "new") if not entry.name.startswith(".")):
        key, _, info = name.partition(box.colon)
        try:
            raw = box.get_bytes(key)
        except KeyError:  # taken by another processor meanwhile
            continue
        tally.add(handle(raw, where=f"maildir {key}"))
        flags = "".join(sorted(set(info.partition(",")[2]) | {"S"}))
        try:
            os.rename(root / "new" / name, root / "cur" / f"{key}{box.colon}2,{flags}")
        except FileNotFoundError:
            pass  # moved by another processor: processing twice changes nothing
    return tally


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    user: str
    password: str
    folder: str
    tls: bool  # imaps://: TLS from the start
    starttls: bool  # imap://…?starttls=1

    @classmethod
    def from_url(cls, url: str, folder: str | None = None) -> "ImapSettings":
        """``imaps://user:pass@host[:port]/Folder`` (or ``imap://…[?starttls=1]``)."""
        parts = urlsplit(url)
        if parts.scheme not in ("imap", "imaps") or not parts.hostname:
            raise ValueError(f"not an imap:// or imaps:// URL with a host: {parts.scheme}://{parts.hostname or ''}")
        if not parts.username:
            raise ValueError("the IMAP URL needs a user name: imaps://user:password@host/INBOX")
        tls = parts.scheme == "imaps"
        starttls = "starttls=1" in parts.query.split("&")
        if not (tls or starttls or parts.hostname in LOOPBACK):
            raise ValueError(
                f"imap://{parts.hostname} would send the password in the clear: use imaps:// or imap://…?starttls=1"
            )
        return cls(
            host=parts.hostname,
            port=parts.port or (993 if tls else 143),
            user=unquote(parts.username),
            password=unquote(parts.password or ""),
            folder=folder or unquote(parts.path.lstrip("/")) or "INBOX",
            tls=tls,
            starttls=starttls,
        )


def process_imap(imap: ImapSettings, handle: Callable, tally, timeout: float = 60):
    """Every unseen message of the folder: processed, then flagged \\Seen."""
    context = ssl.create_default_context()
    if imap.tls:
        client = imaplib.IMAP4_SSL(imap.host, imap.port, ssl_context=context, timeout=timeout)
    else:
        client = imaplib.IMAP4(imap.host, imap.port, timeout=timeout)
        if imap.starttls:
            client.starttls(ssl_context=context)
    try:
        client.login(imap.user, imap.password)
        folder = '"' + imap.folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
        status, data = client.select(folder)
        if status != "OK":
            raise imaplib.IMAP4.error(f"cannot open folder {imap.folder!r}: {data}")
        _status, data = client.uid("SEARCH", None, "UNSEEN")
        for uid in (data[0] or b"").split():
            _status, fetched = client.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((item[1] for item in fetched if isinstance(item, tuple)), None)
            if raw is None:  # expunged meanwhile
                continue
            tally.add(handle(raw, where=f"imap uid {uid.decode()}"))
            client.uid("STORE", uid, "+FLAGS.SILENT", "(\\Seen)")
        client.close()
    finally:
        try:
            client.logout()
        except (imaplib.IMAP4.error, OSError):
            pass  # the connection is gone already; the error that matters is raised
    return tally

