# One image for every b40news process; compose.yaml picks the command.
# Validated statically by tests/ops/test_layout.py (no Docker daemon where it was built).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    B40NEWS_DATA_DIR=/var/lib/b40news \
    B40NEWS_BIND=0.0.0.0:8000

# Apertium and its Macedonian pairs: the rule-based engine of the translate worker.
RUN apt-get update \
    && apt-get install -y --no-install-recommends apertium apertium-mkd-bul apertium-mkd-eng \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --system --user-group --home-dir /var/lib/b40news --create-home b40news

WORKDIR /app
# The CPU build of torch first, as scripts/bootstrap does: argostranslate's
# dependencies would otherwise pull a CUDA build.
RUN pip install "torch==2.13.0"
COPY pyproject.toml README.md /tmp/b40news/
COPY src /tmp/b40news/src
COPY worker /tmp/b40news/worker
# A regular install, not an editable one: the email templates, the seed glossary
# and the message catalogues are package data, nothing is read from the source.
RUN pip install /tmp/b40news && rm -rf /tmp/b40news

USER b40news
VOLUME ["/var/lib/b40news"]
EXPOSE 8000
CMD ["b40news", "serve"]
