"""Small raw messages for transport tests (the real ones come from newsletter.message)."""

from __future__ import annotations


def make_message(n: int, to: str = "reader@example.org", *, body: str = "Hello.\n") -> bytes:
    """A minimal RFC 5322 message with Message-ID <n.test@b40.example>."""
    return (
        f"From: B40 News <news@b40.example>\r\n"
        f"To: {to}\r\n"
        f"Subject: Test {n}\r\n"
        f"Message-ID: <{n}.test@b40.example>\r\n"
        f"MIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n"
        f"Content-Transfer-Encoding: 8bit\r\n"
        f"\r\n"
        f"{body}"
    ).encode("utf-8")


def message_id(n: int) -> str:
    return f"<{n}.test@b40.example>"
