"""Static files: hashed and compressed names once collected, plain names before."""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's manifest storage (``b40news serve`` runs collectstatic first).

    Before any collectstatic (the development server, the tests) there is no
    manifest: pages then link the plain names instead of failing to render.
    """

    def stored_name(self, name: str) -> str:
        if not self.hashed_files:
            return name
        return super().stored_name(name)
