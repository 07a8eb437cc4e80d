"""DKIM-sign built messages: dkimpy's canonicalisation, OpenSSL's RSA.

dkimpy computes RSA signatures in pure Python (about 5.6 ms each, measured),
and every newsletter message needs its own signature because its body carries
the recipient's unsubscribe link. dkimpy has no hook for the RSA primitive, so
``_OpenSSLDKIM`` overrides the one method that calls it, ``gen_header``,
repeating its few lines of header assembly with dkimpy's own helpers and
putting ``cryptography``'s RSA (PKCS#1 v1.5 over the same SHA-256 digest) in
place of ``RSASSA_PKCS1_v1_5_sign``. PKCS#1 v1.5 is deterministic, so the
output is byte-identical to dkimpy's own; a test holds it to that and to
``dkim.verify``. Everything else — body and header canonicalisation, the
tag list, the h= selection, folding — stays dkimpy's.

Plain Python, no Django.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable

import dkim as dkimpy
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

CANONICALIZE = (b"relaxed", b"relaxed")
# Signed once: present in every message build_message makes.
SIGNED_HEADERS: tuple[str, ...] = (
    "from", "to", "subject", "date", "message-id", "mime-version", "content-type",
    "content-language", "list-id", "list-unsubscribe", "list-unsubscribe-post",
)
# Signed a second time ("oversigned"), so that a copy of the header added in
# transit breaks the signature (RFC 6376 §8.15; RFC 8058 §4 for List-Unsubscribe).
OVERSIGNED: tuple[str, ...] = (
    "from", "subject", "date", "message-id", "list-unsubscribe", "list-unsubscribe-post",
)


class DkimError(ValueError):
    """An unusable key or message."""


class DkimSigner:
    """Signs messages for one (selector, domain) with one RSA key.

    ``private_key_pem``: PKCS#1 or PKCS#8 PEM, unencrypted, RSA of at least
    1024 bits (2048 recommended). ``extra_headers`` adds header names to sign
    (for example ``Feedback-ID``). The key is parsed once; ``sign`` is
    thread-safe (no state is kept between calls).
    """

    def __init__(
        self,
        selector: str,
        domain: str,
        private_key_pem: bytes,
        *,
        extra_headers: Iterable[str] = (),
        fast: bool = True,
    ):
        try:
            key = serialization.load_pem_private_key(private_key_pem, password=None)
        except (ValueError, TypeError) as exc:
            raise DkimError(f"DKIM private key: {exc}") from exc
        if not isinstance(key, rsa.RSAPrivateKey):
            raise DkimError("DKIM private key must be RSA")
        if key.key_size < 1024:
            raise DkimError(f"DKIM key of {key.key_size} bits is too short")
        self.selector = selector.encode("ascii")
        self.domain = domain.encode("idna")
        self.key = key
        self.fast = fast
        # dkimpy parses the key itself on every sign(); give it the cheapest form.
        self._pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
        extra = tuple(name.lower() for name in extra_headers)
        self.include_headers = tuple(
            name.encode("ascii") for name in SIGNED_HEADERS + extra + OVERSIGNED
        )

    def signature(self, message: bytes) -> bytes:
        """The ``DKIM-Signature: ...\\r\\n`` header line(s) for ``message``."""
        cls = _OpenSSLDKIM if self.fast else dkimpy.DKIM
        signer = cls(message, signature_algorithm=b"rsa-sha256", linesep=b"\r\n")
        signer.openssl_key = self.key
        try:
            return signer.sign(
                self.selector, self.domain, self._pem,
                canonicalize=CANONICALIZE, include_headers=list(self.include_headers),
            )
        except dkimpy.DKIMException as exc:
            raise DkimError(f"DKIM signing failed: {exc}") from exc

    def sign(self, message: bytes) -> bytes:
        """``message`` with its DKIM-Signature prepended."""
        return self.signature(message) + message

    def dns_txt(self) -> str:
        """The TXT record to publish at ``<selector>._domainkey.<domain>``."""
        der = self.key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode("ascii")


class _OpenSSLDKIM(dkimpy.DKIM):
    """dkimpy's DKIM with the RSA step done by OpenSSL (see the module docstring)."""

    openssl_key: rsa.RSAPrivateKey

    def gen_header(self, fields, include_headers, canon_policy, header_name, pk, standardize=False):
        if standardize or self.signature_algorithm != b"rsa-sha256":
            return super().gen_header(
                fields, include_headers, canon_policy, header_name, pk, standardize
            )
        # As DomainSigner.gen_header in dkimpy 1.1.8, RSA primitive aside.
        header_value = b"; ".join(b"=".join(x) for x in fields)
        header_value = dkimpy.fold(header_value, namelen=len(header_name), linesep=b"\r\n")
        header_value = dkimpy.RE_BTAG.sub(b"\\1", header_value)
        header = (header_name, b" " + header_value)
        hasher = self.hasher()
        headers = canon_policy.canonicalize_headers(self.headers)
        self.signed_headers = dkimpy.hash_headers(
            hasher, canon_policy, headers, include_headers, header, dict(fields)
        )
        signature = self.openssl_key.sign(
            hasher.digest(), padding.PKCS1v15(), Prehashed(hashes.SHA256())
        )
        idx = [i for i, (tag, _) in enumerate(fields) if tag == b"b"][0]
        fields[idx] = (b"b", base64.b64encode(signature))
        header_value = b"; ".join(b"=".join(x) for x in fields) + self.linesep
        return dkimpy.fold(header_value, namelen=len(header_name), linesep=self.linesep)
