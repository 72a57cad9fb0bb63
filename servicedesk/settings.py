"""Settings: everything comes from environment variables, with safe defaults for the embedded mode.

Embedded default: SQLite (WAL) under SERVICEDESK_DATA_DIR (./var). Production: DATABASE_URL names a
PostgreSQL database, SERVICEDESK_SECRET_KEY and SERVICEDESK_ALLOWED_HOSTS are set, DEBUG is off.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from servicedesk.ops.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("SERVICEDESK_DATA_DIR", "var")).resolve()


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("SERVICEDESK_DEBUG", False)
SECRET_KEY = os.environ.get("SERVICEDESK_SECRET_KEY", "")
if not SECRET_KEY:
    # The embedded mode keeps a generated key in its data folder so sessions survive restarts.
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        from django.core.management.utils import get_random_secret_key

        key_file.write_text(get_random_secret_key())
        key_file.chmod(0o600)
    SECRET_KEY = key_file.read_text().strip()

ALLOWED_HOSTS = env_list("SERVICEDESK_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("SERVICEDESK_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "axes",
    "servicedesk.core",
    "servicedesk.accounts",
    "servicedesk.tickets",
    "servicedesk.search",
    "servicedesk.sla",
    "servicedesk.routing",
    "servicedesk.intake",
    "servicedesk.notify",
    "servicedesk.knowledge",
    "servicedesk.announcements",
    "servicedesk.telephony",
    "servicedesk.console",
    "servicedesk.portal",
    "servicedesk.webhooks",
    "servicedesk.monitoring",
    "servicedesk.major",
    "servicedesk.reports",
    "servicedesk.reportmail",
    "servicedesk.approvals",
    "servicedesk.cmdb",
    "servicedesk.problems",
    "servicedesk.changes",
    "servicedesk.surveys",
    "servicedesk.directory",
    "servicedesk.mfa",
    "servicedesk.people",
    "servicedesk.sso",
    "servicedesk.ops",
]

MIDDLEWARE = [
    # First: the request id for every later log line, the latency of the whole chain, and the health probes
    # answered before host validation, the SSL redirect, sessions and the locale.
    "servicedesk.ops.middleware.OpsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "servicedesk.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "servicedesk.core.middleware.ApiJsonErrorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "servicedesk.mfa.middleware.SecondFactorMiddleware",
    "servicedesk.core.middleware.UserPreferencesMiddleware",
    "servicedesk.core.middleware.RefuseUnstorableTextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: it turns a sign-in refused by the lockout into the sign-in page with its message (429).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "servicedesk.urls"
WSGI_APPLICATION = "servicedesk.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
# The lockout backend first: a locked user name or address is refused before any password is verified.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "servicedesk.accounts.identity.DeskBackend",
]
CSRF_FAILURE_VIEW = "servicedesk.core.views.csrf_failure"
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "servicedesk.core.context.branding",
                "servicedesk.announcements.banner.context",
            ],
        },
    },
    # Jinja2 for the screens rendered most often (a queue page's rows, the ticket page's content):
    # several times faster than Django's engine there. Templates in each app's `jinja2/` folder;
    # see servicedesk/core/jinja.py.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "NAME": "jinja2",
        "APP_DIRS": True,
        "OPTIONS": {"environment": "servicedesk.core.jinja.environment",
                    "context_processors": ["servicedesk.core.jinja.csrf_once",
                                           "servicedesk.core.jinja.translations"]},
    },
]


def sqlite_synchronous() -> str:
    value = os.environ.get("SERVICEDESK_SQLITE_SYNCHRONOUS", "NORMAL").strip().upper()
    if value not in {"NORMAL", "FULL", "EXTRA"}:
        raise ImproperlyConfigured("SERVICEDESK_SQLITE_SYNCHRONOUS is NORMAL, FULL or EXTRA.")
    return value


def database_settings() -> dict:
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        config = dj_database_url.parse(url, conn_max_age=600, conn_health_checks=True)
        if config["ENGINE"] == "django.db.backends.postgresql" and env_bool("SERVICEDESK_PG_PREPARED", True):
            # Parameters bound by the server, and a statement run twice on a connection prepared: the
            # server stops planning the same hot statements again (mail ingestion: 6.6 → 4.2 ms of server
            # CPU per message). Off (0) behind a pooler in transaction mode that cannot keep them.
            config.setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=2)
        return config
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "servicedesk.sqlite3",
        "CONN_MAX_AGE": 600,
        "OPTIONS": {
            # IMMEDIATE takes the write lock when a transaction starts, so two writers queue
            # (busy timeout) instead of failing half-way with "database is locked".
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            # synchronous: NORMAL keeps every commit through a crash of the process (a stored message
            # included), FULL also through a power loss, at one fsync per commit. Pages are read through
            # a memory map: a writer refills its cache cheaply after another process wrote.
            "init_command": f"PRAGMA journal_mode=WAL; PRAGMA synchronous={sqlite_synchronous()}; "
                            "PRAGMA foreign_keys=ON; PRAGMA mmap_size=268435456;",
        },
        "TEST": {"NAME": DATA_DIR / "test.sqlite3"} if env_bool("SERVICEDESK_TEST_ON_DISK", False) else {},
    }


DATABASES = {"default": database_settings()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if env_bool("SERVICEDESK_FAST_HASHER", False):
    # Only the test suite sets this: hashing cost is irrelevant there.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = Path(os.environ.get("SERVICEDESK_MEDIA_ROOT", DATA_DIR / "media"))
# A download is sent by the desk after its permission check: streamed through, or (with object storage and
# SERVICEDESK_DOWNLOAD_REDIRECT) a redirect to a signed URL of the object valid for this many seconds.
SERVICEDESK_DOWNLOAD_REDIRECT = env_bool("SERVICEDESK_DOWNLOAD_REDIRECT", False)
SERVICEDESK_DOWNLOAD_URL_SECONDS = int(os.environ.get("SERVICEDESK_DOWNLOAD_URL_SECONDS", 60))


def file_storage_settings(environ=os.environ) -> dict:
    """Where attachments, article files and raw mail are kept: MEDIA_ROOT, or an S3-compatible bucket
    when SERVICEDESK_S3_BUCKET names one (docs/storage.md). The bucket stays private: every object URL
    the desk makes is signed and expires."""
    bucket = environ.get("SERVICEDESK_S3_BUCKET", "")
    if not bucket:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": bucket,
        "endpoint_url": environ.get("SERVICEDESK_S3_ENDPOINT_URL") or None,
        "region_name": environ.get("SERVICEDESK_S3_REGION") or None,
        "access_key": environ.get("SERVICEDESK_S3_ACCESS_KEY") or None,
        "secret_key": environ.get("SERVICEDESK_S3_SECRET_KEY") or None,
        "addressing_style": environ.get("SERVICEDESK_S3_ADDRESSING_STYLE") or None,  # "path" for most non-AWS
        "location": environ.get("SERVICEDESK_S3_PREFIX", "").strip("/"),
        "signature_version": "s3v4",
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": SERVICEDESK_DOWNLOAD_URL_SECONDS,
        # Two files of one name in one folder must both be kept, as on the filesystem.
        "file_overwrite": False,
    }}


STORAGES = {
    "default": file_storage_settings(),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# The desk's own limits.
SERVICEDESK_ATTACHMENT_MAX_BYTES = int(os.environ.get("SERVICEDESK_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024))
# How many files a ticket and one message (a reply, a new request, an email) may carry.
SERVICEDESK_ATTACHMENTS_PER_TICKET = int(os.environ.get("SERVICEDESK_ATTACHMENTS_PER_TICKET", 100))
SERVICEDESK_ATTACHMENTS_PER_MESSAGE = int(os.environ.get("SERVICEDESK_ATTACHMENTS_PER_MESSAGE", 20))
# The longest ticket description and comment (reply, internal note), in characters.
SERVICEDESK_DESCRIPTION_MAX_CHARS = int(os.environ.get("SERVICEDESK_DESCRIPTION_MAX_CHARS", 100_000))
SERVICEDESK_COMMENT_MAX_CHARS = int(os.environ.get("SERVICEDESK_COMMENT_MAX_CHARS", 50_000))
SERVICEDESK_REOPEN_WINDOW_DAYS = int(os.environ.get("SERVICEDESK_REOPEN_WINDOW_DAYS", 14))
# Branding: the desk's name, logo and colours.
SERVICEDESK_NAME = os.environ.get("SERVICEDESK_NAME", "")
# The account the desk's own changes are recorded under (accounts.identity); it cannot sign in.
SERVICEDESK_SYSTEM_USERNAME = os.environ.get("SERVICEDESK_SYSTEM_USERNAME", "system")
SERVICEDESK_LOGO_URL = os.environ.get("SERVICEDESK_LOGO_URL", "")
SERVICEDESK_PRIMARY_COLOUR = os.environ.get("SERVICEDESK_PRIMARY_COLOUR", "#1f5fae")
SERVICEDESK_ACCENT_COLOUR = os.environ.get("SERVICEDESK_ACCENT_COLOUR", "#e8f0fb")
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Files over SERVICEDESK_ATTACHMENT_MAX_BYTES are refused while they stream in, not stored first.
FILE_UPLOAD_HANDLERS = ["servicedesk.core.uploads.LimitedUploadHandler"]
# Django's cookie-then-session messages, only the latest few not shown yet (core/messages.py).
MESSAGE_STORAGE = "servicedesk.core.messages.RecentMessages"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SERVICEDESK_SECURE_COOKIES", not DEBUG and bool(os.environ.get("DATABASE_URL")))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("SERVICEDESK_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = int(os.environ.get("SERVICEDESK_HSTS_SECONDS", 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SERVICEDESK_HSTS_INCLUDE_SUBDOMAINS", SECURE_HSTS_SECONDS > 0)
SECURE_HSTS_PRELOAD = env_bool("SERVICEDESK_HSTS_PRELOAD", SECURE_HSTS_SECONDS > 0)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# SERVICEDESK_LOG_FORMAT=json: one JSON object a line, with the request id (X-Request-ID) or the Celery task id.
SERVICEDESK_LOG_FORMAT = os.environ.get("SERVICEDESK_LOG_FORMAT", "text").strip().lower()
LOGGING = logging_config(SERVICEDESK_LOG_FORMAT, os.environ.get("SERVICEDESK_LOG_LEVEL", "WARNING"))
# In JSON, Celery workers keep the desk's log handler (and its format) instead of installing their own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = SERVICEDESK_LOG_FORMAT != "json"

# Inbound mail: loop protection and limits.
SERVICEDESK_MAIL_RATE_LIMIT = int(os.environ.get("SERVICEDESK_MAIL_RATE_LIMIT", 20))
SERVICEDESK_MAIL_RATE_WINDOW_MINUTES = int(os.environ.get("SERVICEDESK_MAIL_RATE_WINDOW_MINUTES", 10))
SERVICEDESK_MAIL_MAX_ATTEMPTS = int(os.environ.get("SERVICEDESK_MAIL_MAX_ATTEMPTS", 5))
SERVICEDESK_MAIL_MAX_ATTACHMENTS = int(os.environ.get("SERVICEDESK_MAIL_MAX_ATTACHMENTS",
                                                     SERVICEDESK_ATTACHMENTS_PER_MESSAGE))

# Background work (Celery). With no broker, tasks run in-process as they are sent (embedded mode)
# and `servicedesk serve` runs the periodic schedule; with one, workers and `celery beat` do.
CELERY_BROKER_URL = os.environ.get("SERVICEDESK_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-task leaves the task to be redelivered
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
# The periodic schedule, in seconds; one table for `celery beat` and the embedded scheduler.
SERVICEDESK_PERIODIC_TASKS = {
    "sla-evaluate": {"task": "servicedesk.sla.tasks.evaluate", "every": 60},
    "mail-fetch": {"task": "servicedesk.intake.tasks.fetch_mail", "every": 60},
    "mail-sweep": {"task": "servicedesk.intake.tasks.sweep_received", "every": 300},
    "follow-up-digest": {"task": "servicedesk.sla.tasks.follow_up_digest", "every": 3600},
    "sla-catch-up": {"task": "servicedesk.sla.tasks.catch_up", "every": 10},
}
# Without a broker, clocks are recomputed by the catch-up above; 1 recomputes in the changing request.
SERVICEDESK_SLA_INLINE = env_bool("SERVICEDESK_SLA_INLINE", False)
CELERY_BEAT_SCHEDULE = {
    name: {"task": entry["task"], "schedule": float(entry["every"])}
    for name, entry in SERVICEDESK_PERIODIC_TASKS.items()
}

# Outbound mail (notifications). With SERVICEDESK_SMTP_HOST set, mail goes to that SMTP server; without
# it (the embedded default) each message is written as a file under DATA_DIR/mail-outbox/, so a desk
# run on one machine sends nothing out and its notifications can still be read.
if os.environ.get("SERVICEDESK_SMTP_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = DATA_DIR / "mail-outbox"
EMAIL_HOST = os.environ.get("SERVICEDESK_SMTP_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("SERVICEDESK_SMTP_PORT", 25))
EMAIL_HOST_USER = os.environ.get("SERVICEDESK_SMTP_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("SERVICEDESK_SMTP_PASSWORD", "")
EMAIL_USE_TLS = env_bool("SERVICEDESK_SMTP_STARTTLS", False)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = os.environ.get("SERVICEDESK_FROM_EMAIL", "servicedesk@localhost")
# An SMTP server that takes OAuth 2.0 only (Microsoft 365, Google): the address of the desk's mailbox whose
# OAuth token signs in (XOAUTH2), renewed by the desk; with SERVICEDESK_SMTP_HOST and _STARTTLS as usual.
SERVICEDESK_SMTP_OAUTH_MAILBOX = os.environ.get("SERVICEDESK_SMTP_OAUTH_MAILBOX", "").strip().lower()
if SERVICEDESK_SMTP_OAUTH_MAILBOX and os.environ.get("SERVICEDESK_SMTP_HOST"):
    EMAIL_BACKEND = "servicedesk.notify.xoauth2.EmailBackend"
# Password reset by mail: requests per address and per client address within the window; links
# work for PASSWORD_RESET_TIMEOUT seconds.
SERVICEDESK_PASSWORD_RESET_PER_ADDRESS = int(os.environ.get("SERVICEDESK_PASSWORD_RESET_PER_ADDRESS", 3))
SERVICEDESK_PASSWORD_RESET_PER_CLIENT = int(os.environ.get("SERVICEDESK_PASSWORD_RESET_PER_CLIENT", 10))
SERVICEDESK_PASSWORD_RESET_WINDOW_MINUTES = int(os.environ.get("SERVICEDESK_PASSWORD_RESET_WINDOW_MINUTES", 15))
PASSWORD_RESET_TIMEOUT = int(os.environ.get("SERVICEDESK_PASSWORD_RESET_HOURS", 24)) * 3600

# The address links in notifications point at (confirm / reopen links). Unset, `servicedesk serve` uses
# the address it serves (its --bind) for its web workers and periodic tasks; other processes (Celery
# workers, commands) fall back to the embedded default below.
SERVICEDESK_BASE_URL = os.environ.get("SERVICEDESK_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# Cache: per process by default (embedded); a shared Redis cache in production when set.
SERVICEDESK_CACHE_URL = os.environ.get("SERVICEDESK_CACHE_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": SERVICEDESK_CACHE_URL}
    if SERVICEDESK_CACHE_URL else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
# With a shared cache, sessions are read from it (written through to the database): one query less
# on every page. A per-process cache cannot hold them: a sign-out in one process would not reach
# the others.
if SERVICEDESK_CACHE_URL:
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:  # Django's database sessions, the row read by a statement built once (core.sessions)
    SESSION_ENGINE = "servicedesk.core.sessions"

# --- Notifications (servicedesk.notify) ------------------------------------------------------------
SERVICEDESK_NOTIFY_ENABLED = env_bool("SERVICEDESK_NOTIFY_ENABLED", True)
# Message-IDs the desk generates end in @<this domain>; default: the domain of DEFAULT_FROM_EMAIL.
SERVICEDESK_NOTIFY_MESSAGE_ID_DOMAIN = os.environ.get(
    "SERVICEDESK_NOTIFY_MESSAGE_ID_DOMAIN", DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ") or "localhost"
)
# The committed response time told in the acknowledgement when no SLA policy matches the ticket:
# minutes per priority (1 critical … 5 planning), in business time of the default calendar if any.
SERVICEDESK_NOTIFY_DEFAULT_RESPONSE_MINUTES = {1: 60, 2: 240, 3: 480, 4: 960, 5: 2400}
# Status changes customers are told of (staff are told of every change they did not make).
SERVICEDESK_NOTIFY_CUSTOMER_STATUSES = env_list("SERVICEDESK_NOTIFY_CUSTOMER_STATUSES",
                                                "in_progress,pending,resolved,closed")
# Sending: attempts before a notification is given up (kept as failed, listed in the admin), and the
# minutes after which one left "sending" by a stopped worker is sent again (same Message-ID).
SERVICEDESK_NOTIFY_MAX_ATTEMPTS = int(os.environ.get("SERVICEDESK_NOTIFY_MAX_ATTEMPTS", 8))
SERVICEDESK_NOTIFY_SENDING_TIMEOUT_MINUTES = int(os.environ.get("SERVICEDESK_NOTIFY_SENDING_TIMEOUT_MINUTES", 15))
# Sending what is due again after a failure, and what a stopped worker left (periodic, seconds).
SERVICEDESK_PERIODIC_TASKS["notify-send-due"] = {"task": "servicedesk.notify.tasks.send_due", "every": 15}
CELERY_BEAT_SCHEDULE["notify-send-due"] = {"task": "servicedesk.notify.tasks.send_due", "schedule": 15.0}
# Chat robots (notify.chat): seconds a webhook may take to answer, and whether a robot's address may be plain
# http to this machine (the tests' stand-in platforms; never needed in production, where every platform is https).
SERVICEDESK_CHAT_TIMEOUT_SECONDS = int(os.environ.get("SERVICEDESK_CHAT_TIMEOUT_SECONDS", 10))
SERVICEDESK_CHAT_LOOPBACK_HTTP = env_bool("SERVICEDESK_CHAT_LOOPBACK_HTTP", False)
# --- end of notifications --------------------------------------------------------------------------

# --- Sign-in lockout and rate limits (servicedesk.accounts.signin, servicedesk.core.ratelimit) -----
# Behind a reverse proxy every request comes from the proxy's address: name the header the proxy sets
# (X-Forwarded-For or X-Real-IP) and it is read, and only then; with X-Forwarded-For the address the
# SERVICEDESK_PROXY_COUNT-th proxy from the right saw (default 1, the proxy in front of the desk).
SERVICEDESK_CLIENT_IP_HEADER = os.environ.get("SERVICEDESK_CLIENT_IP_HEADER", "").strip()
SERVICEDESK_PROXY_COUNT = int(os.environ.get("SERVICEDESK_PROXY_COUNT", 1))
# django-axes on /login/ and /admin/login/: failures per user name (from any address) and per address
# (for any user names; higher, since an office behind one address shares it) within the lockout time.
SERVICEDESK_LOGIN_FAILURE_LIMIT = int(os.environ.get("SERVICEDESK_LOGIN_FAILURE_LIMIT", 5))
SERVICEDESK_LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("SERVICEDESK_LOGIN_ADDRESS_FAILURE_LIMIT", 20))
# Minutes a lock lasts after the last counted failure; 0: until an administrator unlocks it.
SERVICEDESK_LOCKOUT_MINUTES = int(os.environ.get("SERVICEDESK_LOCKOUT_MINUTES", 15))
AXES_ENABLED = True
AXES_HANDLER = "servicedesk.accounts.signin.LockoutHandler"
AXES_FAILURE_LIMIT = SERVICEDESK_LOGIN_FAILURE_LIMIT
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_COOLOFF_TIME = (
    datetime.timedelta(minutes=SERVICEDESK_LOCKOUT_MINUTES) if SERVICEDESK_LOCKOUT_MINUTES > 0 else None
)
AXES_RESET_ON_SUCCESS = True
# A refused attempt during a lock does not extend it: the user knows when to try again.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "servicedesk.core.ratelimit.client_address"
AXES_LOCKOUT_CALLABLE = "servicedesk.accounts.signin.lockout_response"
# Failures are kept (AccessFailureLog, up to 1000 per user name) after a lock ends or is lifted;
# successful sign-ins are not recorded by axes.
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_DISABLE_ACCESS_LOG = True
# Axes' log lines (a warning per failure) name the user name and address, as ours do for a lock.
AXES_SENSITIVE_PARAMETERS = []
# Rate-limit counters (servicedesk.core.ratelimit), shared by every process of the desk: the Redis cache
# when configured, else files in the data folder (the embedded desk's gunicorn workers share them).
CACHES["ratelimit"] = (
    {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": SERVICEDESK_CACHE_URL,
     "KEY_PREFIX": "ratelimit"}
    if SERVICEDESK_CACHE_URL else
    {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": DATA_DIR / "ratelimit",
     "OPTIONS": {"MAX_ENTRIES": 20000}}
)
# Failed bearer-token authentications per client address in any minute; past it, 429 until under it again.
SERVICEDESK_API_TOKEN_FAILURES_PER_MINUTE = int(os.environ.get("SERVICEDESK_API_TOKEN_FAILURES_PER_MINUTE", 20))
# Requests one user sends through the portal, per minute and per hour.
SERVICEDESK_PORTAL_SUBMITS_PER_MINUTE = int(os.environ.get("SERVICEDESK_PORTAL_SUBMITS_PER_MINUTE", 5))
SERVICEDESK_PORTAL_SUBMITS_PER_HOUR = int(os.environ.get("SERVICEDESK_PORTAL_SUBMITS_PER_HOUR", 30))
# Written at most this often per token, so the API's hot path does not write on every request.
SERVICEDESK_TOKEN_LAST_USED_SECONDS = 60

# The knowledge upkeep list names an article readers find unhelpful: under this share of "helpful"
# answers, once it has at least this many answers.
SERVICEDESK_KB_POOR_RATIO = float(os.environ.get("SERVICEDESK_KB_POOR_RATIO", 0.5))
SERVICEDESK_KB_POOR_MIN_VOTES = int(os.environ.get("SERVICEDESK_KB_POOR_MIN_VOTES", 5))
# --- Self-service (servicedesk.knowledge.ranking, the portal's help centre) -------------------------
# Deflections counted every 5 minutes; the FAQ's popularity recomputed hourly.
SERVICEDESK_PERIODIC_TASKS["knowledge-deflections"] = {"task": "servicedesk.knowledge.tasks.count_deflections",
                                                        "every": 300}
CELERY_BEAT_SCHEDULE["knowledge-deflections"] = {"task": "servicedesk.knowledge.tasks.count_deflections",
                                                 "schedule": 300.0}
SERVICEDESK_PERIODIC_TASKS["knowledge-popularity"] = {"task": "servicedesk.knowledge.tasks.refresh_popularity",
                                                       "every": 3600}
CELERY_BEAT_SCHEDULE["knowledge-popularity"] = {"task": "servicedesk.knowledge.tasks.refresh_popularity",
                                                "schedule": 3600.0}
# Anonymous readers' votes ("Was this helpful?") per address and minute.
SERVICEDESK_HELP_VOTES_PER_MINUTE = int(os.environ.get("SERVICEDESK_HELP_VOTES_PER_MINUTE", 10))
# --- end of self-service ---------------------------------------------------------------------------
# --- Outgoing webhooks (servicedesk.webhooks, docs/webhooks.md) ------------------------------------
# Seconds a receiver has to answer; attempts per delivery (network errors, 5xx, 408, 429); minutes after
# which a delivery left "sending" by a stopped worker is sent again; deliveries failed for good in a row
# after which a webhook is deactivated (0: never).
SERVICEDESK_WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("SERVICEDESK_WEBHOOK_TIMEOUT_SECONDS", 10))
SERVICEDESK_WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("SERVICEDESK_WEBHOOK_MAX_ATTEMPTS", 8))
SERVICEDESK_WEBHOOK_SENDING_TIMEOUT_MINUTES = int(os.environ.get("SERVICEDESK_WEBHOOK_SENDING_TIMEOUT_MINUTES", 15))
SERVICEDESK_WEBHOOK_DISABLE_AFTER = int(os.environ.get("SERVICEDESK_WEBHOOK_DISABLE_AFTER", 20))
SERVICEDESK_PERIODIC_TASKS["webhooks-send-due"] = {"task": "servicedesk.webhooks.tasks.send_due", "every": 10}
CELERY_BEAT_SCHEDULE["webhooks-send-due"] = {"task": "servicedesk.webhooks.tasks.send_due", "schedule": 10.0}
# --- end of outgoing webhooks ----------------------------------------------------------------------
# --- Telephony (servicedesk.telephony, docs/telephony.md) ----------------------------------------------
# The CTI webhook's shared secrets, comma-separated: "secret" for one CTI, or "name=secret" per source (a PBX
# per site); a source may be named twice while its secret is rotated. Empty: the webhook refuses every event.
SERVICEDESK_CTI_SECRETS = env_list("SERVICEDESK_CTI_SECRETS", "")
# How long after an agent answers the call still pops on their console (until they log it).
SERVICEDESK_SCREEN_POP_MINUTES = int(os.environ.get("SERVICEDESK_SCREEN_POP_MINUTES", 30))
# --- end of telephony ---------------------------------------------------------------------------------
# --- Major incidents (servicedesk.major) -------------------------------------------------------------
# Pages not acknowledged within their contact's time escalate to the next contacts (periodic, seconds).
SERVICEDESK_PERIODIC_TASKS["major-escalate"] = {"task": "servicedesk.major.tasks.escalate", "every": 60}
CELERY_BEAT_SCHEDULE["major-escalate"] = {"task": "servicedesk.major.tasks.escalate", "schedule": 60.0}
# --- end of major incidents --------------------------------------------------------------------------
# --- Report subscriptions (servicedesk.reportmail) -------------------------------------------------
# Plans each period's report mail once its period has ended in the subscriber's zone, then sends what is due
# (again after a failure, with backoff). Attempts per mail, and minutes after which a mail left "sending" by a
# stopped worker is sent again.
SERVICEDESK_PERIODIC_TASKS["report-mail"] = {"task": "servicedesk.reportmail.tasks.send_due", "every": 60}
CELERY_BEAT_SCHEDULE["report-mail"] = {"task": "servicedesk.reportmail.tasks.send_due", "schedule": 60.0}
SERVICEDESK_REPORT_MAIL_MAX_ATTEMPTS = int(os.environ.get("SERVICEDESK_REPORT_MAIL_MAX_ATTEMPTS", 8))
SERVICEDESK_REPORT_MAIL_SENDING_TIMEOUT_MINUTES = int(os.environ.get("SERVICEDESK_REPORT_MAIL_SENDING_TIMEOUT_MINUTES",
                                                                     15))
# --- end of report subscriptions -------------------------------------------------------------------

# Approvals (servicedesk.approvals): reminders before a step's deadline, to the approvers who have not decided.
SERVICEDESK_PERIODIC_TASKS["approval-reminders"] = {"task": "servicedesk.approvals.tasks.remind", "every": 300}
CELERY_BEAT_SCHEDULE["approval-reminders"] = {"task": "servicedesk.approvals.tasks.remind", "schedule": 300.0}
# --- Problems (servicedesk.problems) -------------------------------------------------------------------
# The trend view proposes a problem when this many incidents without one fall on one configuration item or
# category within this many days (the screen may ask for another window or threshold).
SERVICEDESK_PROBLEM_TREND_DAYS = int(os.environ.get("SERVICEDESK_PROBLEM_TREND_DAYS", 7))
SERVICEDESK_PROBLEM_TREND_THRESHOLD = int(os.environ.get("SERVICEDESK_PROBLEM_TREND_THRESHOLD", 5))
# --- end of problems -----------------------------------------------------------------------------------
# --- Satisfaction surveys (servicedesk.surveys) --------------------------------------------------------
# A rating at or under this is low: the ticket's owner and its group's lead are told. The resolution mail's
# rating links work this many days. Resolved tickets nobody confirmed close after this many working days of
# the desk's calendar (0: never), checked every 15 minutes.
SERVICEDESK_SURVEY_LOW_RATING = int(os.environ.get("SERVICEDESK_SURVEY_LOW_RATING", 2))
SERVICEDESK_SURVEY_LINK_DAYS = int(os.environ.get("SERVICEDESK_SURVEY_LINK_DAYS", 30))
SERVICEDESK_AUTO_CLOSE_WORKING_DAYS = int(os.environ.get("SERVICEDESK_AUTO_CLOSE_WORKING_DAYS", 5))
SERVICEDESK_PERIODIC_TASKS["surveys-close-unconfirmed"] = {"task": "servicedesk.surveys.tasks.close_unconfirmed",
                                                           "every": 900}
CELERY_BEAT_SCHEDULE["surveys-close-unconfirmed"] = {"task": "servicedesk.surveys.tasks.close_unconfirmed",
                                                     "schedule": 900.0}
# --- end of satisfaction surveys ---------------------------------------------------------------------
# --- Directory (servicedesk.directory: LDAP / Active Directory) -----------------------------------------
# Off while SERVICEDESK_LDAP_URI is unset. Sign-in with the directory's password after the desk's own accounts;
# people synced on a schedule (docs/identity.md).
SERVICEDESK_LDAP_URI = os.environ.get("SERVICEDESK_LDAP_URI", "").strip()
SERVICEDESK_LDAP_BIND_DN = os.environ.get("SERVICEDESK_LDAP_BIND_DN", "")
SERVICEDESK_LDAP_BIND_PASSWORD = os.environ.get("SERVICEDESK_LDAP_BIND_PASSWORD", "")
SERVICEDESK_LDAP_START_TLS = env_bool("SERVICEDESK_LDAP_START_TLS", False)
SERVICEDESK_LDAP_CA_FILE = os.environ.get("SERVICEDESK_LDAP_CA_FILE", "")
SERVICEDESK_LDAP_TIMEOUT_SECONDS = float(os.environ.get("SERVICEDESK_LDAP_TIMEOUT_SECONDS", 5))
SERVICEDESK_LDAP_USER_BASE = os.environ.get("SERVICEDESK_LDAP_USER_BASE", "")
SERVICEDESK_LDAP_USER_FILTER = os.environ.get("SERVICEDESK_LDAP_USER_FILTER", "(objectClass=person)")
SERVICEDESK_LDAP_USERNAME_ATTRIBUTE = os.environ.get("SERVICEDESK_LDAP_USERNAME_ATTRIBUTE", "uid")
SERVICEDESK_LDAP_GROUP_BASE = os.environ.get("SERVICEDESK_LDAP_GROUP_BASE", "")
SERVICEDESK_LDAP_GROUP_FILTER = os.environ.get(
    "SERVICEDESK_LDAP_GROUP_FILTER", "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=group))")
SERVICEDESK_LDAP_ATTRIBUTES = os.environ.get("SERVICEDESK_LDAP_ATTRIBUTES", "")
SERVICEDESK_LDAP_ROLE_GROUPS = os.environ.get("SERVICEDESK_LDAP_ROLE_GROUPS", "")
SERVICEDESK_LDAP_RESOLVER_GROUPS = os.environ.get("SERVICEDESK_LDAP_RESOLVER_GROUPS", "")
SERVICEDESK_LDAP_PAGE_SIZE = int(os.environ.get("SERVICEDESK_LDAP_PAGE_SIZE", 500))
SERVICEDESK_LDAP_SYNC_MINUTES = int(os.environ.get("SERVICEDESK_LDAP_SYNC_MINUTES", 60))
if SERVICEDESK_LDAP_URI:
    AUTHENTICATION_BACKENDS.append("servicedesk.directory.backend.DirectoryBackend")
    SERVICEDESK_PERIODIC_TASKS["directory-sync"] = {"task": "servicedesk.directory.tasks.sync",
                                                    "every": SERVICEDESK_LDAP_SYNC_MINUTES * 60}
    CELERY_BEAT_SCHEDULE["directory-sync"] = {"task": "servicedesk.directory.tasks.sync",
                                              "schedule": SERVICEDESK_LDAP_SYNC_MINUTES * 60.0}
# --- end of directory -----------------------------------------------------------------------------------

# Single sign-on (servicedesk.sso): the WeCom, DingTalk and Feishu hosts, replaced when set (a proxy, the tests).
SERVICEDESK_WECOM_URL = os.environ.get("SERVICEDESK_WECOM_URL", "")
SERVICEDESK_DINGTALK_URL = os.environ.get("SERVICEDESK_DINGTALK_URL", "")
SERVICEDESK_FEISHU_URL = os.environ.get("SERVICEDESK_FEISHU_URL", "")
# --- Operations (servicedesk.ops, docs/deploy.md): health probes, metrics, logs --------------------
# /readyz fails when the scheduler (`servicedesk scheduler`, or `servicedesk serve`'s embedded one) has not
# gone round its table for this many seconds; 0 leaves the scheduler out of the check.
SERVICEDESK_READY_SCHEDULER_SECONDS = int(os.environ.get("SERVICEDESK_READY_SCHEDULER_SECONDS", 180))
# Seconds /readyz waits for the broker before that check counts as failed.
SERVICEDESK_READY_TIMEOUT_SECONDS = float(os.environ.get("SERVICEDESK_READY_TIMEOUT_SECONDS", 2))
# Celery beat records its last run (servicedesk.ops.beat) as the embedded scheduler does.
CELERY_BEAT_SCHEDULER = "servicedesk.ops.beat.DeskScheduler"
CELERY_TASK_DEFAULT_QUEUE = "celery"
# The bearer token Prometheus sends for /metrics; unset, /metrics is a 404.
SERVICEDESK_METRICS_TOKEN = os.environ.get("SERVICEDESK_METRICS_TOKEN", "").strip()
# --- end of operations ---------------------------------------------------------------------------
# --- Two-factor and passkeys (servicedesk.mfa) ---------------------------------------------------------
# Roles that must have a second factor (comma list of customer, agent, lead, manager, admin; empty: optional for
# everyone). Sessions signed in through an identity provider (OIDC, SAML, WeCom, DingTalk, Feishu) count as
# verified while SERVICEDESK_MFA_TRUST_SSO is on. Wrong codes per person within 5 minutes before a wait. The
# passkeys' relying party id (a domain; empty: the host the request came to).
SERVICEDESK_MFA_REQUIRED_ROLES = env_list("SERVICEDESK_MFA_REQUIRED_ROLES", "")
SERVICEDESK_MFA_TRUST_SSO = env_bool("SERVICEDESK_MFA_TRUST_SSO", True)
SERVICEDESK_MFA_FAILURE_LIMIT = int(os.environ.get("SERVICEDESK_MFA_FAILURE_LIMIT", 5))
SERVICEDESK_WEBAUTHN_RP_ID = os.environ.get("SERVICEDESK_WEBAUTHN_RP_ID", "")
# --- end of two-factor and passkeys --------------------------------------------------------------------
