"""DKIM micro-benchmark: milliseconds to sign one newsletter message, three ways, in one run.

    .venv/bin/python -m bench.dkim [--messages 300] [--languages bg,en]

- ``dkimpy``: ``dkim.sign`` as it comes (pure-Python canonicalisation and RSA);
- ``old``: the signer b40news had before (dkimpy's parsing and canonicalisation,
  OpenSSL's RSA through ``cryptography``), kept here as the reference;
- ``new``: ``b40news.newsletter.dkim.DkimSigner`` (C-speed canonicalisation,
  OpenSSL's RSA), and the same with an Ed25519 signature beside the RSA one;
- ``RSA alone``: one RSA-2048 PKCS#1 v1.5 signature of a digest, the floor.

The messages are real ones: the seed release (transliterated for Latin-script
languages, as bench/send.py does; their parts go quoted-printable, Cyrillic
ones base64) rendered (Jinja2 → MJML), personalised and built by
``build_message``, a different recipient each time. Every signed
message of the run is checked once with ``dkim.verify``. Prints the mean and
the best of the timed calls (``--messages`` each), CPU time of this process.
"""

from __future__ import annotations

import argparse
import base64
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "src"), str(REPO)]

import dkim as dkimpy  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed  # noqa: E402

from b40news.newsletter.dkim import DkimSigner  # noqa: E402
from b40news.newsletter.message import build_message, make_message_id  # noqa: E402
from b40news.newsletter.render import CityBrand, Newsletter, Renderer, personalise  # noqa: E402
from b40news.text.scripts import transliterate  # noqa: E402

SEED = REPO.parent / "shared" / "seed" / "release-stara-zagora-b40-summit.bg.txt"
DOMAIN = "b40.example.org"


class OldSigner:
    """b40news's signer before this change: dkimpy's DKIM with the RSA step done by OpenSSL."""

    def __init__(self, selector: str, domain: str, pem: bytes, include_headers: tuple[str, ...]):
        self.key = serialization.load_pem_private_key(pem, password=None)
        self.selector, self.domain = selector.encode(), domain.encode()
        self.pem = self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                          serialization.NoEncryption())
        self.include_headers = [name.encode() for name in include_headers]

    def sign(self, message: bytes) -> bytes:
        signer = _OpenSSLDKIM(message, signature_algorithm=b"rsa-sha256", linesep=b"\r\n")
        signer.openssl_key = self.key
        return signer.sign(self.selector, self.domain, self.pem, canonicalize=(b"relaxed", b"relaxed"),
                           include_headers=self.include_headers) + message


class _OpenSSLDKIM(dkimpy.DKIM):
    def gen_header(self, fields, include_headers, canon_policy, header_name, pk, standardize=False):
        # As DomainSigner.gen_header in dkimpy 1.1.8, RSA primitive aside.
        header_value = b"; ".join(b"=".join(x) for x in fields)
        header_value = dkimpy.fold(header_value, namelen=len(header_name), linesep=b"\r\n")
        header_value = dkimpy.RE_BTAG.sub(b"\\1", header_value)
        header = (header_name, b" " + header_value)
        hasher = self.hasher()
        headers = canon_policy.canonicalize_headers(self.headers)
        self.signed_headers = dkimpy.hash_headers(hasher, canon_policy, headers, include_headers, header,
                                                  dict(fields))
        signature = self.openssl_key.sign(hasher.digest(), padding.PKCS1v15(), Prehashed(hashes.SHA256()))
        idx = [i for i, (tag, _) in enumerate(fields) if tag == b"b"][0]
        fields[idx] = (b"b", base64.b64encode(signature))
        header_value = b"; ".join(b"=".join(x) for x in fields) + self.linesep
        return dkimpy.fold(header_value, namelen=len(header_name), linesep=self.linesep)


def messages(count: int, language: str) -> list[bytes]:
    paragraphs = tuple(transliterate(p.strip(), language)
                       for p in SEED.read_text(encoding="utf-8").split("\n\n") if p.strip())
    rendered = Renderer(REPO / "src" / "b40news" / "email_templates").render(Newsletter(
        language=language, city=CityBrand("stara-zagora", "Стара Загора", "#0a7d3b", ""),
        list_name="B40 · Стара Загора", title=paragraphs[0], paragraphs=paragraphs[1:],
        original_url="https://b40.example.org/r/1/bg/", archive_url=f"https://b40.example.org/r/1/{language}/",
        machine_translated=language != "bg"))
    assert rendered.ok, rendered.errors
    built = []
    for n in range(count):
        html, text = personalise(rendered, {"unsubscribe_url": f"https://b40.example.org/u/{n:08d}x",
                                            "preferences_url": f"https://b40.example.org/p/{n:08d}x",
                                            "recipient_email": f"reader{n}@example.org"})
        raw, _ = build_message(
            subject=rendered.subject, html=html, text=text, language=language, from_addr=f"news@{DOMAIN}",
            from_name="Стара Загора · B40", to_addr=f"reader{n}@example.org",
            message_id=make_message_id(f"1:{n}", DOMAIN), list_id=f"B40 <stara-zagora.{DOMAIN}>",
            unsubscribe_https=f"https://b40.example.org/u/{n:08d}x", unsubscribe_mailto=f"unsubscribe@{DOMAIN}",
            date=datetime(2026, 3, 2, 7, 30, tzinfo=timezone.utc), bounce_address=f"bounces@{DOMAIN}",
            verp_token=str(n))
        built.append(raw)
    return built


def timed(sign, batch: list[bytes]) -> tuple[float, float, list[bytes]]:
    """(mean ms, best ms, signed messages), in process CPU time."""
    out, best = [], float("inf")
    start = time.process_time()
    for raw in batch:
        t = time.process_time()
        out.append(sign(raw))
        best = min(best, time.process_time() - t)
    return (time.process_time() - start) / len(batch) * 1000, best * 1000, out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--languages", default="bg,en", help="comma-separated, e.g. bg,en,el")
    args = parser.parse_args(argv)

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    ed_pem = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    new = DkimSigner("b40", DOMAIN, pem)
    dual = DkimSigner("b40", DOMAIN, pem, ed25519_selector="b40ed", ed25519_pem=ed_pem)
    old = OldSigner("b40", DOMAIN, pem, new.include_headers)
    records = {f"{name}.".encode(): value.encode() for name, value in dual.dns_records().items()}

    def dnsfunc(name, timeout=5):
        return records.get(name)

    digest = b"\x01" * 32
    ways = [
        ("dkimpy 1.1.8 (pure Python, RSA too)", lambda raw: dkimpy.sign(
            raw, b"b40", DOMAIN.encode(), pem, canonicalize=(b"relaxed", b"relaxed"),
            include_headers=old.include_headers, linesep=b"\r\n") + raw),
        ("old b40news (dkimpy + OpenSSL RSA)", old.sign),
        ("new b40news (RSA)", new.sign),
        ("new b40news (RSA + Ed25519)", dual.sign),
        ("RSA-2048 signature alone (floor)", lambda raw: key.sign(digest, padding.PKCS1v15(),
                                                                  Prehashed(hashes.SHA256()))),
    ]
    print(f"{time.strftime('%Y-%m-%d %H:%M')}, load average {os.getloadavg()[0]:.1f}, "
          f"{args.messages} messages a signer (dkimpy: a fifth of them), CPU time of this process")
    for language in args.languages.split(","):
        batch = messages(args.messages, language)
        size = sum(map(len, batch)) / len(batch)
        print(f"\n{language}: {size / 1024:.1f} KiB a message")
        print(f"  {'signer':38} {'mean ms':>8} {'best ms':>8} {'vs new':>7}")
        results = {}
        for name, sign in ways:
            mean, best, out = timed(sign, batch if not name.startswith("dkimpy") else batch[: max(20, len(batch) // 5)])
            results[name] = (mean, best)
            if not name.startswith("RSA"):
                assert dkimpy.verify(out[0], dnsfunc=dnsfunc), f"{name}: dkimpy does not verify"
        new_mean = results["new b40news (RSA)"][0]
        for name, (mean, best) in results.items():
            print(f"  {name:38} {mean:8.3f} {best:8.3f} {mean / new_mean:6.1f}x")
        floor = results["RSA-2048 signature alone (floor)"][0]
        print(f"  beyond the RSA step: new {new_mean - floor:.3f} ms, "
              f"old {results['old b40news (dkimpy + OpenSSL RSA)'][0] - floor:.3f} ms, "
              f"dkimpy {results['dkimpy 1.1.8 (pure Python, RSA too)'][0] - floor:.3f} ms")

if __name__ == "__main__":
    main()
