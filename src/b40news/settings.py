"""Django settings: the one place that reads the environment (see README)."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.conf.locale import LANG_INFO

from b40news import environment as env
from b40news import languages as network_languages
from b40news.translation.argos_index import PUBLIC_INDEX_URL

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent.parent

# What a running installation writes (the SQLite file, the demo's output,
# models) lives here, never in the source checkout.
_XDG_DATA = env.get_str("XDG_DATA_HOME", str(Path.home() / ".local" / "share"))
DATA_DIR = Path(env.get_str("B40NEWS_DATA_DIR", str(Path(_XDG_DATA) / "b40news"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key(*, required: str = "") -> tuple[str, bool]:
    """(the key, whether it was set explicitly). ``required``: why it must be (then refuse)."""
    configured = env.get_str("SECRET_KEY")
    if configured:
        return configured, True
    if required:
        raise env.ConfigurationError(
            f"SECRET_KEY is not set. {required}, so this installation may run on several hosts, and a key "
            "made per data directory would make links signed on one host fail on another. Set SECRET_KEY "
            "(or SECRET_KEY_FILE) to the same long random value on every host, e.g. the output of "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'."
        )
    # A machine-local key, made once and kept, so sessions survive restarts.
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip(), False


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
    "django.contrib.humanize",  # "in 2 hours" beside the office's times
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
    "b40news.web.locale.NetworkLocaleMiddleware",  # Accept-Language read as the public pages read it
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "b40news.web.office.zones.OfficeTimeZoneMiddleware",  # a signed-in user's own time zone
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
                "django.template.context_processors.tz",  # TIME_ZONE: the user's own (office.zones)
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env.get_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'b40news.sqlite3'}"),
        # A connection lives a minute, in web requests and in Celery tasks alike
        # (worker/__init__.py), and is checked before it is used again.
        conn_max_age=60,
        conn_health_checks=True,
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
elif DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    # A host lost inside a transaction must not keep its locks (a release row's
    # lock stops every other host's send): the server ends such a session after
    # this many seconds idle in a transaction, or with data unacknowledged
    # (tests/integration/test_hosts.py found it; README "Scaling"). 0: off.
    _lost = env.get_int("B40NEWS_PG_LOST_SESSION_SECONDS", 60)
    # When a commit returns (README "Measured here", the send targets): "on"
    # (the default) waits for the WAL on disk, so a PostgreSQL or machine crash
    # loses no ledger change; "off" returns before, as SQLite's WAL with
    # synchronous=NORMAL does: a worker crash still loses nothing, a database
    # server crash may lose the last fraction of a second of outcomes (those
    # rows are sent again: a few duplicates after a server crash).
    _sync = env.get_str("B40NEWS_PG_SYNCHRONOUS_COMMIT", "on")
    if _sync not in ("on", "off", "local", "remote_write", "remote_apply"):
        raise env.ConfigurationError(f"B40NEWS_PG_SYNCHRONOUS_COMMIT={_sync!r}: use on, off, local, remote_write "
                                   "or remote_apply")
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = " ".join(filter(None, [
        _options.get("options", ""),
        f"-c synchronous_commit={_sync}" if _sync != "on" else "",
        f"-c idle_in_transaction_session_timeout={_lost * 1000} -c tcp_user_timeout={_lost * 1000}"
        if _lost else "",
        "-c tcp_keepalives_idle=30 -c tcp_keepalives_interval=10 -c tcp_keepalives_count=3" if _lost else "",
    ]))
    if not _options["options"]:
        del _options["options"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# --- Security: officers' sessions, cookies, headers (README: "Running it for real") ---
# HTTPS is assumed when SITE_URL is https on a real domain name; localhost and the
# special-use names of RFC 2606/6761 (.test, .example, .invalid, .localhost) never
# carry a public certificate, so there the site is served as it is reached.
_SPECIAL_USE = (".test", ".example", ".invalid", ".localhost")
_https_site = SITE_URL.startswith("https://") and not (
    _site_host in ("localhost", "127.0.0.1", "::1") or _site_host.endswith(_SPECIAL_USE)
)
HTTPS_ONLY = env.get_bool("B40NEWS_HTTPS", _https_site and not DEBUG)
SECURE_SSL_REDIRECT = HTTPS_ONLY
SESSION_COOKIE_SECURE = HTTPS_ONLY
CSRF_COOKIE_SECURE = HTTPS_ONLY
SECURE_HSTS_SECONDS = env.get_int("B40NEWS_HSTS_SECONDS", 31_536_000) if HTTPS_ONLY else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.get_bool("B40NEWS_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env.get_bool("B40NEWS_HSTS_PRELOAD", True)
# Behind a proxy that ends TLS: the header it sets, e.g. B40NEWS_PROXY_SSL_HEADER=X-Forwarded-Proto
# (without it, HTTPS requests look like plain HTTP and SECURE_SSL_REDIRECT would loop).
_proxy_header = env.get_str("B40NEWS_PROXY_SSL_HEADER")
if _proxy_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.get_int("B40NEWS_SESSION_SECONDS", 12 * 3600)  # one working day
CSRF_COOKIE_HTTPONLY = True  # forms carry the token; no script needs the cookie
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "b40news.web.public.errors.csrf_failure"  # branded, in the visitor's language
LOGIN_URL = "office:login"
LOGIN_REDIRECT_URL = "office:dashboard"
LOGOUT_REDIRECT_URL = "office:login"

LANGUAGE_CODE = "en"
# The office, the public pages and the e-mails speak every language of the network
# (Django's codes: languages.Language.django). Django does not know Montenegrin:
# it is described here so that LocaleMiddleware, set_language and get_language_info take it.
LANG_INFO.setdefault("cnr", {"bidi": False, "code": "cnr", "name": "Montenegrin", "name_local": "crnogorski"})
LANGUAGES = [(lang.django, lang.native) for lang in network_languages.LANGUAGES.values()]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True
FORMAT_MODULE_PATH = ["b40news.web.formats"]  # unambiguous date formats (web/formats/__init__.py)
# Our catalogues; then Django's own messages in the languages Django has none for (Montenegrin).
LOCALE_PATHS = [PACKAGE_DIR / "locale", PACKAGE_DIR / "locale_builtin"]

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
# The mailboxes Celery beat polls (a Maildir's path or an imaps:// URL; empty: not polled),
# as `bounces process` and `unsubscribes process` read them, every MAILBOX_POLL_SECONDS.
BOUNCE_MAILBOX = env.get_str("B40NEWS_BOUNCE_MAILBOX")
UNSUBSCRIBE_MAILBOX = env.get_str("B40NEWS_UNSUBSCRIBE_MAILBOX")
MAILBOX_POLL_SECONDS = env.get_int("B40NEWS_MAILBOX_POLL_SECONDS", 300)


def _check_mailbox(name: str, source: str) -> None:
    from b40news.delivery.mailboxes import check_source

    try:
        check_source(source)
    except ValueError as exc:
        raise env.ConfigurationError(f"{name}: {exc}") from None


_check_mailbox("B40NEWS_BOUNCE_MAILBOX", BOUNCE_MAILBOX)
_check_mailbox("B40NEWS_UNSUBSCRIBE_MAILBOX", UNSUBSCRIBE_MAILBOX)
DKIM_PRIVATE_KEY_FILE = env.get_str("DKIM_PRIVATE_KEY_FILE")
DKIM_SELECTOR = env.get_str("DKIM_SELECTOR", "b40news")
DKIM_DOMAIN = env.get_str("DKIM_DOMAIN")
# Optional second signature (RFC 8463), beside the RSA one, under its own selector.
DKIM_ED25519_PRIVATE_KEY_FILE = env.get_str("DKIM_ED25519_PRIVATE_KEY_FILE")
DKIM_ED25519_SELECTOR = env.get_str("DKIM_ED25519_SELECTOR", "b40news-ed25519")
SEND_BATCH_SIZE = env.get_int("B40NEWS_SEND_BATCH_SIZE", 200)
# Processes of a Celery worker started without --concurrency (the send worker): a
# send process waits for the database's commit and the relay's reply for part of
# every message, so three per core keep the cores busy (README, "Measured here").
# At most 12: each process holds a database connection (PostgreSQL allows 100).
WORKER_CONCURRENCY = env.get_int("B40NEWS_WORKER_CONCURRENCY", min(3 * len(os.sched_getaffinity(0)), 12))
# A send with rows to go and no row claimed or sent for this long is stalled
# (its broker or worker was lost); the periodic sweep takes its rows back and
# dispatches them again. Longer than a rate-limit wait and an SMTP timeout.
STALL_SECONDS = env.get_int("B40NEWS_STALL_SECONDS", 300)
SWEEP_SECONDS = env.get_int("B40NEWS_SWEEP_SECONDS", 60)
SMTP_RATE_LIMIT = env.get_str("B40NEWS_SMTP_RATE_LIMIT")  # e.g. "50/s,100000/d"

# --- Translation ---
ARGOS_PACKAGES_DIR = Path(env.get_str("ARGOS_PACKAGES_DIR", str(DATA_DIR / "argos-packages")))
ARGOS_DEVICE = env.get_str("B40NEWS_ARGOS_DEVICE", "cpu")
ARGOS_COMPUTE_TYPE = env.get_str("B40NEWS_ARGOS_COMPUTE_TYPE", "int8")
ARGOS_BEAM_SIZE = env.get_int("B40NEWS_ARGOS_BEAM_SIZE", 2)
ARGOS_THREADS = env.get_int("B40NEWS_ARGOS_THREADS", 0)
# Where `b40news models download` reads the package index (a mirror's index.json, or its folder URL).
ARGOS_INDEX_URL = env.get_str("B40NEWS_ARGOS_INDEX_URL", PUBLIC_INDEX_URL)
APERTIUM_BIN = env.get_str("B40NEWS_APERTIUM_BIN", "apertium")
# The project's domain lexicon (translation/lexicon/) compiled over Apertium's data at first use; off: Apertium alone.
APERTIUM_LEXICON_DIR = (DATA_DIR / "apertium-lexicon") if env.get_bool("B40NEWS_APERTIUM_LEXICON", True) else None
FLAGGED_SHARE_LIMIT = env.get_float("B40NEWS_FLAGGED_SHARE_LIMIT", 0.5)
FUZZY_THRESHOLD = env.get_float("B40NEWS_FUZZY_THRESHOLD", 75.0)  # memory matches from this score (0-100)
# The seed glossary only (YAML, loaded into an empty database); the glossary itself is in the database.
GLOSSARY_DIR = Path(env.get_str("B40NEWS_GLOSSARY_DIR", str(PACKAGE_DIR / "glossary" / "seed")))
# The e-mail templates and their per-language strings, shipped in the package.
EMAIL_TEMPLATES_DIR = Path(env.get_str("B40NEWS_TEMPLATES_DIR", str(PACKAGE_DIR / "email_templates")))
MAX_RELEASE_BYTES = env.get_int("B40NEWS_MAX_RELEASE_BYTES", 1_000_000)

# --- Subscribers we can be trusted with (issue 14): the client's address behind proxies,
# login lockout (django-axes), the public form's limits, link lifetimes, CSP on every page ---
# How many proxies in front of the site append to X-Forwarded-For (0: clients connect directly).
TRUSTED_PROXIES = env.get_int("B40NEWS_TRUSTED_PROXIES", 0)
INSTALLED_APPS += ["axes"]
MIDDLEWARE += ["b40news.web.csp.ContentSecurityPolicyMiddleware", "axes.middleware.AxesMiddleware"]
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]  # the pair: never everyone from one address
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "b40news.web.client.client_ip"
AXES_USERNAME_CALLABLE = "b40news.web.office.auth.lockout_username"
AXES_LOCKOUT_CALLABLE = "b40news.web.office.auth.locked_out"
# The public sign-up form: requests per client address, confirmation mails per target address.
SUBSCRIBE_RATE_PER_CLIENT = env.get_str("B40NEWS_SUBSCRIBE_RATE_PER_CLIENT", "5/m,30/h,100/d")
SUBSCRIBE_RATE_PER_ADDRESS = env.get_str("B40NEWS_SUBSCRIBE_RATE_PER_ADDRESS", "1/d")
UNCONFIRMED_MAX_AGE = timedelta(days=env.get_int("B40NEWS_UNCONFIRMED_DAYS", 7))
PREFERENCES_LINK_MAX_AGE = timedelta(days=env.get_int("B40NEWS_PREFERENCES_LINK_DAYS", 365))
# --- Bounces, complaints and personal data (issue 14, the rest): delivery/scoring.py, delivery/bounces.py,
# network/privacy.py. A bounce score per address: a 5.1.x adds the whole hard threshold (suppressed at
# once), another permanent failure adds 1, a soft one (4.x.x, 5.2.2) counts once a day and every
# BOUNCE_SOFT_THRESHOLD of them add 1; 5.7.x adds nothing (a deliverability problem, reported).
BOUNCE_HARD_THRESHOLD = env.get_float("B40NEWS_BOUNCE_HARD_THRESHOLD", 3.0)
BOUNCE_SOFT_THRESHOLD = env.get_float("B40NEWS_BOUNCE_SOFT_THRESHOLD", 5.0)
BOUNCE_DECAY_DAYS = env.get_int("B40NEWS_BOUNCE_DECAY_DAYS", 60)  # a score no bounce added to this long is forgotten
# From/Sender addresses or domains of the relay's feedback loop: complaints from anyone else are only logged.
FEEDBACK_LOOPS = env.get_list("B40NEWS_FEEDBACK_LOOPS")
# Ledger rows (deliveries, notices) older than this lose their address; mail reports go (0: keep them).
DELIVERY_RETENTION_DAYS = env.get_int("B40NEWS_DELIVERY_RETENTION_DAYS", 730)

# --- Review: reviewers and translators per language (releases/reviewers.py) ---
# A release's deadline for its reviewers when the officer sets none (0: no deadline).
REVIEW_DEADLINE_HOURS = env.get_int("B40NEWS_REVIEW_DEADLINE_HOURS", 24)
if REVIEW_DEADLINE_HOURS < 0:
    raise env.ConfigurationError("B40NEWS_REVIEW_DEADLINE_HOURS must be 0 (none) or more hours")
# How often Celery beat looks for passed deadlines and applies their planned fallbacks.
DEADLINE_SECONDS = env.get_int("B40NEWS_DEADLINE_SECONDS", 60)
if DEADLINE_SECONDS < 1:
    raise env.ConfigurationError("B40NEWS_DEADLINE_SECONDS must be 1 or more seconds")

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
    # Look for a dead worker's tasks every 10 s, not every 100 s.
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
}

# --- Deployment: serving, secret key, health, metrics, logs (README: "Operations") ---
# A key made per data directory is only right for one host. With a broker or a
# database server the installation may span hosts: then, with debug off, refuse
# to start without an explicit SECRET_KEY (`check --deploy` reports it otherwise).
_shared = [why for why, present in [
    ("REDIS_URL is set", bool(REDIS_URL)),
    ("DATABASE_URL names a database server", DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3"),
] if present]
SECRET_KEY, SECRET_KEY_EXPLICIT = _secret_key(required=" and ".join(_shared) if _shared and not DEBUG else "")
INSTALLED_APPS += ["b40news.ops"]
# Static files: collected into the data directory (`b40news serve` runs collectstatic),
# served by WhiteNoise with hashed, compressed names.
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
                  "whitenoise.middleware.WhiteNoiseMiddleware")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "b40news.ops.static.StaticStorage"},
}
STATIC_ROOT.mkdir(exist_ok=True)
WEB_BIND = env.get_str("B40NEWS_BIND", "127.0.0.1:8000")
WEB_WORKERS = env.get_int("B40NEWS_WEB_WORKERS", 2)
WEB_TIMEOUT = env.get_int("B40NEWS_WEB_TIMEOUT", 60)
# Probes and scrapes come over plain HTTP from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
HEALTH_TIMEOUT = env.get_float("B40NEWS_HEALTH_TIMEOUT", 3.0)
METRICS_TOKEN = env.get_str("B40NEWS_METRICS_TOKEN")  # unset: /metrics is open
# prometheus-client's multiprocess mode (gunicorn workers, Celery workers on this
# host share one folder); the library reads this variable when it is imported.
METRICS_DIR = Path(env.get_str("PROMETHEUS_MULTIPROC_DIR", str(DATA_DIR / "metrics")))
METRICS_DIR.mkdir(parents=True, exist_ok=True)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(METRICS_DIR)
LOG_FORMAT = env.get_str("B40NEWS_LOG_FORMAT", "text")
if LOG_FORMAT not in ("text", "json"):
    raise env.ConfigurationError(f"B40NEWS_LOG_FORMAT must be text or json, not {LOG_FORMAT!r}")
LOGGING["formatters"] = {"json": {"()": "b40news.ops.logs.JsonFormatter"}}
if LOG_FORMAT == "json":
    LOGGING["handlers"]["console"]["formatter"] = "json"
    CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # Celery keeps the handler above instead of its own
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")

# --- HTTP API and webhooks (README: "HTTP API") ---
INSTALLED_APPS += ["ninja", "b40news.api", "b40news.webhooks"]  # ninja: the docs page's static files
# Web sites whose pages may call every city's sign-up endpoint (each city may add its own in the admin).
API_CORS_ORIGINS = env.get_list("B40NEWS_API_CORS_ORIGINS")
WEBHOOK_TIMEOUT = env.get_float("B40NEWS_WEBHOOK_TIMEOUT", 10.0)
# Allow plain http:// and private or loopback addresses as webhook targets (tests, receivers on this host).
WEBHOOK_ALLOW_LOCAL = env.get_bool("B40NEWS_WEBHOOK_ALLOW_LOCAL", False)
