"""Django settings: the one place that reads the environment (see README)."""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url

from b40news import environment as env

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent.parent

DATA_DIR = Path(env.get_str("B40NEWS_DATA_DIR", str(Path.cwd() / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    configured = env.get_str("SECRET_KEY")
    if configured:
        return configured
    # A machine-local key, made once and kept, so sessions survive restarts.
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
DEBUG = env.get_bool("B40NEWS_DEBUG", False)

SITE_URL = env.get_str("SITE_URL", "http://localhost:8000").rstrip("/")
_site_host = urlsplit(SITE_URL).hostname or "localhost"
ALLOWED_HOSTS = list(dict.fromkeys([_site_host, "localhost", "127.0.0.1", "testserver"]))
CSRF_TRUSTED_ORIGINS = [SITE_URL]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "b40news.network",
    "b40news.glossary",
    "b40news.releases",
    "b40news.translation",
    "b40news.delivery",
    "b40news.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "b40news.urls"
WSGI_APPLICATION = "b40news.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env.get_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'b40news.sqlite3'}"),
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, workers) share one file: wait for the lock,
    # and take it at the start of a write transaction, never mid-way.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A test database in a file, not in memory, so that real workers share it.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("bg", "Български")]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True
LOCALE_PATHS = [PACKAGE_DIR / "locale"]

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"

# --- Celery over Redis; without REDIS_URL the same tasks run in-process. ---
REDIS_URL = env.get_str("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL

# --- Mail ---
SMTP_URL = env.get_str("SMTP_URL", "smtp://localhost:1025")
FROM_EMAIL = env.get_str("B40NEWS_FROM_EMAIL", "newsletter@b40.example.org")
BOUNCE_ADDRESS = env.get_str("B40NEWS_BOUNCE_ADDRESS", "bounces@b40.example.org")
UNSUBSCRIBE_MAILTO = env.get_str("B40NEWS_UNSUBSCRIBE_MAILTO", "unsubscribe@b40.example.org")
DKIM_PRIVATE_KEY_FILE = env.get_str("DKIM_PRIVATE_KEY_FILE")
DKIM_SELECTOR = env.get_str("DKIM_SELECTOR", "b40news")
DKIM_DOMAIN = env.get_str("DKIM_DOMAIN")
SEND_BATCH_SIZE = env.get_int("B40NEWS_SEND_BATCH_SIZE", 200)
SMTP_RATE_LIMIT = env.get_str("B40NEWS_SMTP_RATE_LIMIT")  # e.g. "50/s,100000/d"

# --- Translation ---
ARGOS_PACKAGES_DIR = Path(env.get_str("ARGOS_PACKAGES_DIR", str(DATA_DIR / "argos-packages")))
ARGOS_DEVICE = env.get_str("B40NEWS_ARGOS_DEVICE", "cpu")
ARGOS_COMPUTE_TYPE = env.get_str("B40NEWS_ARGOS_COMPUTE_TYPE", "int8")
ARGOS_BEAM_SIZE = env.get_int("B40NEWS_ARGOS_BEAM_SIZE", 2)
ARGOS_THREADS = env.get_int("B40NEWS_ARGOS_THREADS", 0)
APERTIUM_BIN = env.get_str("B40NEWS_APERTIUM_BIN", "apertium")
FLAGGED_SHARE_LIMIT = env.get_float("B40NEWS_FLAGGED_SHARE_LIMIT", 0.5)
GLOSSARY_DIR = Path(env.get_str("B40NEWS_GLOSSARY_DIR", str(PROJECT_DIR / "glossary")))
EMAIL_TEMPLATES_DIR = Path(env.get_str("B40NEWS_TEMPLATES_DIR", str(PROJECT_DIR / "templates")))
MAX_RELEASE_BYTES = env.get_int("B40NEWS_MAX_RELEASE_BYTES", 1_000_000)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.get_str("B40NEWS_LOG_LEVEL", "WARNING")},
}
# A send task whose worker died is handed to another worker after this long.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.get_int("B40NEWS_VISIBILITY_TIMEOUT", 3600),
    # Installations (or test runs) sharing one Redis keep their queues apart.
    "global_keyprefix": env.get_str("B40NEWS_REDIS_PREFIX", "b40news:"),
}
