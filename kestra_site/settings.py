"""Settings, read from the environment (see `.env.example` and the README)."""

import json
import os
from pathlib import Path

import dj_database_url
from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent
load_dotenv(BASE_DIR / ".env")


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
# A development key is generated per data directory when none is given, so a fresh
# checkout runs without configuration and no key is ever committed.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    _key_file = BASE_DIR / "data" / ".secret_key"
    _key_file.parent.mkdir(parents=True, exist_ok=True)
    if not _key_file.exists():
        import secrets

        _key_file.write_text(secrets.token_urlsafe(50))
    SECRET_KEY = _key_file.read_text().strip()

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "kestra_site",
    "flows",
    "executions",
    "workers",
    "scheduler",
    "indexer",
    "ui",
    "access",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "kestra_site.limits.BodySizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "kestra_site.urls"

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

WSGI_APPLICATION = "kestra_site.wsgi.application"
ASGI_APPLICATION = "kestra_site.asgi.application"

# Database: SQLite under ./data by default; PostgreSQL (psycopg 3) when DATABASE_URL says so.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'data' / 'kestra.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "600")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the webserver read while the executor writes; IMMEDIATE transactions take the
    # write lock up front, which stands in for the row locks SQLite does not have, and the
    # timeout rides out the wait.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;",
        }
    )
else:
    if os.environ.get("DATABASE_APPLICATION_NAME"):
        # Names the connections of a process in pg_stat_activity (tests, operations).
        DATABASES["default"].setdefault("OPTIONS", {})["application_name"] = os.environ[
            "DATABASE_APPLICATION_NAME"
        ]
    if int(os.environ.get("DATABASE_POOL", "0")) > 0:
        # A connection pool of at most DATABASE_POOL connections (psycopg_pool). The webserver
        # uses one (kestra_site/asgi.py): under ASGI each request runs in a thread of its own,
        # so persistent per-thread connections would pile up until PostgreSQL refuses clients.
        # Celery processes keep CONN_MAX_AGE instead (a pool there is closed after each task).
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": int(os.environ["DATABASE_POOL"]),
            "timeout": 30,
        }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
KESTRA_STORAGE_ROOT = os.environ.get("KESTRA_STORAGE_ROOT", str(BASE_DIR / "data" / "storage"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Internal storage (kestra:/// URIs). Any django-storages backend works here (S3 ...).
    # KESTRA_STORAGE_OPTIONS (JSON) are the backend's OPTIONS, e.g. for django-storages' S3:
    # {"bucket_name": "kestra", "endpoint_url": "https://s3.example.com", "region_name": ...}
    "kestra": {
        "BACKEND": os.environ.get(
            "KESTRA_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"
        ),
        "OPTIONS": json.loads(os.environ["KESTRA_STORAGE_OPTIONS"])
        if os.environ.get("KESTRA_STORAGE_OPTIONS")
        else {"location": KESTRA_STORAGE_ROOT}
        if "KESTRA_STORAGE_BACKEND" not in os.environ
        else {},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
LOGIN_URL = "/ui/login/"
# Every password check goes through the login lockout (kestra_site/throttle.py).
AUTHENTICATION_BACKENDS = ["kestra_site.throttle.ThrottledModelBackend"]
# The lockout counts failures in the cache: per process by default; give several webserver
# processes one shared cache with KESTRA_CACHE_URL=redis://host:6379/4.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if not os.environ.get("KESTRA_CACHE_URL")
    else {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["KESTRA_CACHE_URL"],
    }
}
LOGIN_REDIRECT_URL = "/ui/"
LOGOUT_REDIRECT_URL = "/ui/login/"

# Request bodies: flows are capped at 1 MiB by the parser; leave headroom for multi-document bodies.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("KESTRA_MAX_BODY_BYTES", str(10 * 1024 * 1024)))
# File uploads (multipart: namespace files, execution FILE inputs); kestra_site/limits.py.
KESTRA_MAX_UPLOAD_BYTES = int(os.environ.get("KESTRA_MAX_UPLOAD_BYTES", str(1024 * 1024 * 1024)))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "kestra_site.auth.CachedBasicAuthentication",
        "rest_framework.authentication.SessionAuthentication",
        "kestra_site.auth.BearerTokenAuthentication",
    ],
    # Signed in, and allowed on the namespace a request acts on (access/drf.py).
    "DEFAULT_PERMISSION_CLASSES": ["access.drf.NamespacePermission"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "kestra_site.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "kestra_site.parsers.YamlTextParser",
        "kestra_site.parsers.YamlParser",
        "kestra_site.parsers.TextYamlParser",
        "kestra_site.parsers.PlainTextParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Kestra-compatible orchestrator API",
    "DESCRIPTION": "Flows, executions and more, on Kestra's paths (tenant `main`).",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# Celery: at-least-once delivery; the database is the source of truth.
# Without CELERY_BROKER_URL, an embedded broker: kombu's filesystem transport under ./data,
# so the local mode needs no service. Production names Redis (or RabbitMQ).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://localhost/")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = Path(os.environ.get("KESTRA_BROKER_DIR", BASE_DIR / "data" / "broker"))
    for _sub in ("queue", "control", "processed"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        "polling_interval": float(os.environ.get("KESTRA_BROKER_POLL_SECONDS", "0.02")),
    }
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"executions.*": {"queue": "executor"}, "indexer.*": {"queue": "indexer"}}
CELERY_BEAT_SCHEDULE = {}  # periodic tasks live in the database (django-celery-beat)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")

# The indexer (see indexer/): which backend answers search and statistics; with
# `elasticsearch`, changes go through an outbox to ELASTICSEARCH_URL.
INDEXER = {
    "BACKEND": os.environ.get(
        "KESTRA_SEARCH_BACKEND", "elasticsearch" if ELASTICSEARCH_URL else "database"
    ),
    "URL": ELASTICSEARCH_URL,
    "PREFIX": os.environ.get("KESTRA_INDEX_PREFIX", "kestra_"),
    "LOG_RETENTION_DAYS": int(os.environ.get("KESTRA_LOG_RETENTION_DAYS", "30")),
    "BATCH_SIZE": int(os.environ.get("KESTRA_INDEXER_BATCH_SIZE", "500")),
    "TIMEOUT_SECONDS": float(os.environ.get("KESTRA_INDEXER_TIMEOUT_SECONDS", "10")),
}

# Everything product-specific lives in one namespaced dict (as DRF's settings do).
KESTRA = {
    "TENANT": "main",
    # Worker groups a flow may name in `workerGroup.key` (Kestra EE declares them too).
    "WORKER_GROUPS": env_list("KESTRA_WORKER_GROUPS", "default"),
    "DEFAULT_WORKER_GROUP": "default",
    # Default worker group per namespace (longest prefix wins), JSON: {"company.gpu": "gpu"}.
    "NAMESPACE_WORKER_GROUPS": json.loads(os.environ.get("KESTRA_NAMESPACE_WORKER_GROUPS", "{}")),
    # On SIGTERM a worker lets running tasks finish this long, then stops and reports them.
    "WORKER_SHUTDOWN_GRACE_SECONDS": float(
        os.environ.get("KESTRA_WORKER_SHUTDOWN_GRACE_SECONDS", "30")
    ),
    # `envs.<name>` in expressions: environment variables with this prefix (Kestra's default).
    "ENV_VARS_PREFIX": os.environ.get("KESTRA_ENV_VARS_PREFIX", "ENV_"),
    # `globals.<name>` in expressions, as a JSON object.
    "GLOBALS": json.loads(os.environ.get("KESTRA_GLOBALS", "{}")),
    "ENCRYPTION_SECRET_KEY": os.environ.get("KESTRA_ENCRYPTION_SECRET_KEY", ""),
    # The executor's sweeper re-sends what is overdue at this period (seconds).
    "SWEEP_SECONDS": float(os.environ.get("KESTRA_SWEEP_SECONDS", "5")),
    # Workers heartbeat at this period; a worker silent for HEARTBEAT_TIMEOUT is lost and the
    # attempts it held are resubmitted (seconds).
    "HEARTBEAT_SECONDS": float(os.environ.get("KESTRA_HEARTBEAT_SECONDS", "2")),
    "HEARTBEAT_TIMEOUT_SECONDS": float(os.environ.get("KESTRA_HEARTBEAT_TIMEOUT_SECONDS", "10")),
    # How long `wait=true` on execution creation waits at most (seconds).
    "WAIT_TIMEOUT_SECONDS": float(os.environ.get("KESTRA_WAIT_TIMEOUT_SECONDS", "300")),
    # Login lockout: this many failed sign-ins of a username from one address within the window
    # lock that pair out for LOCKOUT seconds (0 failures: off).
    "LOGIN_MAX_FAILURES": int(os.environ.get("KESTRA_LOGIN_MAX_FAILURES", "5")),
    "LOGIN_FAILURE_WINDOW_SECONDS": float(os.environ.get("KESTRA_LOGIN_WINDOW_SECONDS", "300")),
    "LOGIN_LOCKOUT_SECONDS": float(os.environ.get("KESTRA_LOGIN_LOCKOUT_SECONDS", "300")),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
