"""Test settings: the project's settings, read from a test environment.

Everything a test writes goes under one temporary data directory; argostranslate
is pointed there too before anything imports it. The suite runs tasks
in-process unless a test asks for real workers (the `celery_worker` fixture).
"""

import os
import tempfile

_data = tempfile.mkdtemp(prefix="b40news-tests-")
os.environ["B40NEWS_DATA_DIR"] = _data
os.environ["ARGOS_PACKAGES_DIR"] = os.path.join(_data, "argos-packages")
for _name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
    os.environ[_name] = os.path.join(_data, _name.lower())
os.environ["B40NEWS_TEST_REDIS_URL"] = os.environ.pop("REDIS_URL", "")
os.environ.pop("SMTP_URL", None)
os.environ["SECRET_KEY"] = "b40news-tests-not-secret"
os.environ["SITE_URL"] = "https://news.b40.test"  # https: RFC 8058 one-click needs it
# The glossary lives in the test database, seeded from the package's own seed files.
os.environ.pop("B40NEWS_GLOSSARY_DIR", None)

from b40news.settings import *  # noqa: E402,F401,F403
