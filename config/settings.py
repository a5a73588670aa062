"""Settings for Stacks, read from the environment (see deploy/.env.example)."""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="") or (
    "insecure-development-key-only-used-when-debug-is-on" if DEBUG else ""
)
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

# The platform host is STACKS_BASE_DOMAIN; each library is served on <schema>.<base domain>.
STACKS_BASE_DOMAIN = env.str("STACKS_BASE_DOMAIN", default="localhost")
STACKS_PLATFORM_HOSTS = env.list("STACKS_PLATFORM_HOSTS", default=[STACKS_BASE_DOMAIN])

# How long each web process may answer from its own memory which library owns a host name:
# a changed domain or library (suspended, public catalog switched) reaches other processes
# within this many seconds. 0 asks the shared cache on every request.
STACKS_HOST_CACHE_SECONDS = env.float("STACKS_HOST_CACHE_SECONDS", default=5.0)

# Any host may reach the process; the tenant middleware answers 404 for hosts no library owns.
ALLOWED_HOSTS = ["*"]

SHARED_APPS = [
    "django_tenants",
    "tenants",
    "staff",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "axes",
    "corsheaders",
]

TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.admin",
    "staff",
    "axes",
    "catalog",
    "catalog.imports",
    "circulation",
]

INSTALLED_APPS = (
    list(SHARED_APPS)
    + [app for app in TENANT_APPS if app not in SHARED_APPS]
    + [
        "cataloguing",
        "api",
        "worker",
        "django.contrib.humanize",  # counts grouped as the reader's locale writes them
    ]
)

TENANT_MODEL = "tenants.Library"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_URLCONF = "config.urls_platform"
ROOT_URLCONF = "config.urls_library"
# New libraries are cloned from this schema, which `manage.py library_template_sync` keeps
# migrated; cloning is far faster than replaying every migration.
TENANT_BASE_SCHEMA = "library_template"
TENANT_CREATION_FAKES_MIGRATIONS = True
# At most one `SET search_path` per request (the middleware picks the library; django-tenants
# clears the flag on every schema change and on rollbacks), not one before every query; and
# none when the connection's session already has the library's path
# (tenants/postgresql_backend).
TENANT_LIMIT_SET_CALLS = True

MIDDLEWARE = [
    "config.middleware.ProbeMiddleware",
    "config.middleware.RejectNulMiddleware",
    "config.middleware.ApiBodyLimitMiddleware",
    "tenants.middleware.LibraryMiddleware",
    "config.middleware.ReadersNoteMiddleware",
    # After the library is known: whether an origin may read is the library's setting.
    "api.cors.OriginCorsMiddleware",
    "api.http.ApiConditionalGetMiddleware",
    "api.throttling.RateLimitHeadersMiddleware",
    "api.idempotency.IdempotencyKeyMiddleware",
    "tenants.uploads.UploadLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "tenants.middleware.CustomDomainHstsMiddleware",
    "config.middleware.SettingsCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tenants.middleware.LibraryLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tenants.website_throttle.WebsiteThrottleMiddleware",
    "config.middleware.WebsiteMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

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
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "tenants.locale.language_switch",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {"default": env.db_url("DATABASE_URL", default="postgres://127.0.0.1:5432/stacks")}
# django-tenants' backend; its health check polls the socket before paying for a `SELECT 1`.
DATABASES["default"]["ENGINE"] = "tenants.postgresql_backend"
# Bounded connection age: a long-lived worker visiting many schemas would otherwise grow
# PostgreSQL's per-connection catalog caches without limit.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
# No Redis call (cache or broker) waits forever on a server that went away without closing its
# connections (a stopped container, an unreachable host): it fails after this many seconds.
REDIS_SOCKET_TIMEOUT = env.int("REDIS_SOCKET_TIMEOUT", default=5)  # 0: no limit

CACHES = {
    "default": {
        "BACKEND": "common.cache.ReusedClientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="stacks"),
        # Every key carries the schema of the library it was written for.
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        "TIMEOUT": 300,
        # With Redis away, requests go on without the cache (common/cache.py) after this long.
        "OPTIONS": {
            "socket_timeout": REDIS_SOCKET_TIMEOUT or None,
            "socket_connect_timeout": REDIS_SOCKET_TIMEOUT or None,
        },
    }
}

# The website's page cache (catalog/website.py) never goes to the broker's Redis, which runs
# with noeviction: a Redis of its own that evicts (STACKS_PAGE_CACHE_URL, compose's `cache`),
# or else each process's memory, STACKS_PAGE_CACHE_ENTRIES pages at most.
STACKS_PAGE_CACHE_URL = env.str("STACKS_PAGE_CACHE_URL", default="")
_TENANT_KEYS = {
    "KEY_PREFIX": CACHES["default"]["KEY_PREFIX"],
    "KEY_FUNCTION": "django_tenants.cache.make_key",
    "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    "TIMEOUT": 300,
}
CACHES["pages"] = (
    {"BACKEND": "common.cache.ReusedClientRedisCache", "LOCATION": STACKS_PAGE_CACHE_URL}
    if STACKS_PAGE_CACHE_URL
    else {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "stacks-pages",
        "OPTIONS": {"MAX_ENTRIES": env.int("STACKS_PAGE_CACHE_ENTRIES", default=500)},
    }
) | _TENANT_KEYS
# Anonymous requests to a library's website (not the API, which has its own throttles) per
# client address and library, per minute.
STACKS_WEBSITE_RATE_PER_ADDRESS = env.int("STACKS_WEBSITE_RATE_PER_ADDRESS", default=300)

AUTH_USER_MODEL = "staff.User"
# django-axes refuses sign-ins after too many failures (tenants/signin.py); it must come first.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/staff/login/"
LOGIN_REDIRECT_URL = "/staff/"
SESSION_COOKIE_AGE = 60 * 60 * 12

# The languages Stacks ships (locale/<code>/LC_MESSAGES/django.po), each named in itself for
# the language switch. A library picks its readers' default among them (Library.language).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français"), ("de", "Deutsch"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "stacks_language"
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
# Files served at the site's root on every host: the icon browsers ask every page for.
WHITENOISE_ROOT = BASE_DIR / "config" / "root"
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {
        "BACKEND": env.str(
            "STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"
        ),
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Stacks <noreply@stacks.example>")

# Celery: Redis is the broker; job state lives in PostgreSQL, so no result backend is needed.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_DEFAULT_QUEUE", default="celery")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
if REDIS_SOCKET_TIMEOUT:
    CELERY_BROKER_TRANSPORT_OPTIONS.update(
        socket_timeout=REDIS_SOCKET_TIMEOUT, socket_connect_timeout=REDIS_SOCKET_TIMEOUT
    )
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Tries a lost job queue again every 2 s at most, and wakes the imports watch when it is back.
CELERY_WORKER_CONSUMER = "worker.consumer:Consumer"

# CORS (api/cors.py): no origin is allowed by these settings; each library lists its own, and
# only for reads. Browsers may send If-None-Match and read the headers integrators rely on.
CORS_URLS_REGEX = r"^(?!)"  # never by address alone: the library's list decides
CORS_ALLOWED_ORIGINS: list[str] = []
CORS_ALLOW_METHODS = ("GET", "HEAD", "OPTIONS")
CORS_ALLOW_HEADERS = ("accept", "authorization", "if-none-match", "x-request-id")
CORS_EXPOSE_HEADERS = ("ETag", "Link", "Retry-After", "RateLimit-Limit", "RateLimit-Remaining",
                       "RateLimit-Reset", "X-Request-Id")  # fmt: skip
CORS_PREFLIGHT_MAX_AGE = 3600

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "api.schema.CatalogAutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiKeyAuthentication",
        "api.authentication.StaffTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
        "api.authentication.UnknownSchemeAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.CatalogAccess"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.StableCursorPagination",
    "PAGE_SIZE": 50,
    # Per caller and per address (api/throttling.py), both checked in one Redis round trip.
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.CallerAndAddressThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "caller": env.str("API_RATE_PER_CALLER", default="6000/min"),
        "address": env.str("API_RATE_PER_ADDRESS", default="12000/min"),
    },
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "api.renderers.ProblemAwareNegotiation",
    "DEFAULT_PARSER_CLASSES": ["api.parsers.BoundedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "api.renderers.OrjsonRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Stacks library API",
    "DESCRIPTION": "One library's catalog: records, items, imports, exports and changes.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.document_finish",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # django-axes announces its configuration at every start; lockouts are warnings.
        "axes": {"level": "WARNING"},
    },
}

# Catalog API: Swagger UI's assets come from the drf-spectacular-sidecar package, so the docs
# work without reaching a CDN; request and response schemas are split (inputs differ).
INSTALLED_APPS += ["drf_spectacular_sidecar"]
SPECTACULAR_SETTINGS |= {
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ItemStatusEnum": "catalog.models.Item.Status",
        "CreditRoleEnum": "catalog.models.RecordContributor.Role",
        "IdentifierKindEnum": "catalog.models.Identifier.Kind",
        "StaffRoleEnum": "staff.models.Role",
        "ImportFormatEnum": "catalog.imports.models.Format",
        "ImportJobStatusEnum": "catalog.imports.models.ImportJob.Status",
        "ExportFormatEnum": "catalog.imports.models.ExportJob.ExportFormat",
        "ExportSeparatorEnum": "catalog.imports.models.ExportJob.Separator",
        "HoldStatusEnum": "circulation.models.Hold.Status",
        "PatronImportStatusEnum": "circulation.models.PatronImport.Status",
        "PatronImportRowActionEnum": "circulation.models.PatronImportRow.Action",
    },
}

# --- Production: HTTPS, proxies, structured logs, bounded workers (deploy/README.md) -------
# Everything here comes from the environment with safe defaults: HTTPS-only unless DEBUG is on.
STACKS_HTTPS = env.bool("STACKS_HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = STACKS_HTTPS
SESSION_COOKIE_SECURE = STACKS_HTTPS
CSRF_COOKIE_SECURE = STACKS_HTTPS
# Libraries live on subdomains of the base domain, so HSTS covers them too; preload is a promise
# for the whole base domain, made only when asked for. Libraries' own domains get max-age alone
# (tenants.middleware.CustomDomainHstsMiddleware).
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000) if STACKS_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = STACKS_HTTPS
SECURE_HSTS_PRELOAD = STACKS_HTTPS and env.bool("SECURE_HSTS_PRELOAD", default=False)
# `check --deploy` asks for preload (security.W021); leaving it off is this setting's choice.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# Only behind a proxy that terminates TLS and overwrites X-Forwarded-Proto; a client could
# otherwise claim HTTPS for itself.
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Origins (with scheme, wildcards allowed: https://*.stacks.example) whose forms may post here
# when they are not the request's own host.
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Content-Security-Policy on every response (django-csp): scripts only from files this site
# serves, never inline; inline styles stay allowed (the catalog's and Swagger UI's pages use them).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        # WebAssembly compiles (the camera's barcode reader), no JavaScript eval.
        "script-src": [SELF, "'wasm-unsafe-eval'"],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# Each request carries an id (X-Request-ID in and out) that every log line of it repeats.
MIDDLEWARE.insert(
    MIDDLEWARE.index("config.middleware.ProbeMiddleware") + 1,
    "config.request_id.RequestIdMiddleware",
)
LOG_FORMAT = env.str("LOG_FORMAT", default="plain" if DEBUG else "json")
if LOG_FORMAT not in ("json", "plain"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"LOG_FORMAT must be json or plain, not {LOG_FORMAT!r}.")
LOGGING["filters"] = {"request_id": {"()": "config.request_id.RequestIdFilter"}}
LOGGING["formatters"]["json"] = {  # type: ignore[index]
    "()": "pythonjsonlogger.json.JsonFormatter",
    "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s",
    "rename_fields": {"levelname": "level", "name": "logger"},
    "timestamp": "time",
}
LOGGING["handlers"]["console"].update(formatter=LOG_FORMAT, filters=["request_id"])  # type: ignore[index]

# A worker process visiting many schemas keeps per-connection catalog caches in PostgreSQL
# and Python-side caches of its own: recycle it after a number of tasks (connections are
# already closed past DATABASE_CONN_MAX_AGE between tasks).
CELERY_WORKER_MAX_TASKS_PER_CHILD = env.int("CELERY_WORKER_MAX_TASKS_PER_CHILD", default=500)
# Worker processes per container; unset means one per CPU.
CELERY_WORKER_CONCURRENCY = env.int("CELERY_WORKER_CONCURRENCY", default=None)
# Imports and exports go to their own queue when one is named, so a large file never delays
# short tasks (worker/imports.py: worker.import_job_run, worker.imports_resume,
# worker.export_job_run).
CELERY_IMPORTS_QUEUE = env.str("CELERY_IMPORTS_QUEUE", default="")
if CELERY_IMPORTS_QUEUE:
    CELERY_TASK_ROUTES = {
        "worker.import*": {"queue": CELERY_IMPORTS_QUEUE},
        "worker.export*": {"queue": CELERY_IMPORTS_QUEUE},
    }
# Processes of `migrate_schemas --tenant --executor=multiprocessing` during upgrades.
TENANT_MULTIPROCESSING_MAX_PROCESSES = env.int("MIGRATION_PROCESSES", default=2)
# A worker told to stop exits this many seconds later if the broker no longer answers, rather
# than wait on it (config/worker_stop.py; 0 turns this off). Imported by workers only.
STACKS_WORKER_STOP_SECONDS = env.float("STACKS_WORKER_STOP_SECONDS", default=10.0)
CELERY_IMPORTS = ["config.worker_stop", "config.worker_priority"]
# A worker's niceness (0-19), and its local database sessions' (config/worker_priority.py): the
# imports worker runs niced, so a large import gives the processor way to the web's requests.
STACKS_WORKER_NICE = env.int("STACKS_WORKER_NICE", default=0)
# How long the container entrypoint waits for PostgreSQL and the broker before giving up.
STACKS_WAIT_SECONDS = env.int("STACKS_WAIT_SECONDS", default=60)
# What record pages say about each copy beyond its status (catalog.website.copy_notes).
STACKS_COPY_NOTES = ["circulation.selectors.copies_public_notes"]
# Periodic tasks: beat sends each into every active library (worker/beat.py).
CELERY_BEAT_SCHEDULER = "worker.beat:LibraryScheduler"
CELERY_BEAT_SCHEDULE = {
    "circulation-daily": {
        "task": "worker.circulation_daily",
        "schedule": env.float("STACKS_CIRCULATION_EVERY_SECONDS", default=3600.0),
    },
}
# --- end of production block ---------------------------------------------------------------
# Onboarding: links in emails are <scheme>://<library host><STACKS_SITE_PORT>/... (as is the
# address create_library prints); HTTPS whenever the site insists on it.
STACKS_SITE_SCHEME = env.str("STACKS_SITE_SCHEME", default="https" if STACKS_HTTPS else "http")
STACKS_SITE_PORT = env.str("STACKS_SITE_PORT", default="")
# Sign-up: the admin confirms the email address within this many hours before anything is built;
# at most this many sign-ups on the whole platform in any hour (0: no limit).
STACKS_SIGNUP_CONFIRM_HOURS = env.int("STACKS_SIGNUP_CONFIRM_HOURS", default=24)
STACKS_SIGNUPS_PER_HOUR = env.int("STACKS_SIGNUPS_PER_HOUR", default=100)
# Where deleted libraries' export bundles are kept (Django storage path prefix).
STACKS_BUNDLE_PREFIX = env.str("STACKS_BUNDLE_PREFIX", default="bundles")
# Template clones kept ready so that a new library is a rename, not a clone (0 turns it off).
STACKS_SPARE_SCHEMAS = env.int("STACKS_SPARE_SCHEMAS", default=2)
# The database is a Citus coordinator: every library schema becomes a distributed schema
# (tenants/citus.py; deploy/README.md, "Past one database server").
STACKS_CITUS = env.bool("STACKS_CITUS", default=False)

# Record covers (catalog/images.py): the largest picture a librarian may upload, and how long
# scan-to-add waits for a source's cover (cataloguing/sources.py).
STACKS_COVER_MAX_BYTES = env.int("STACKS_COVER_MAX_BYTES", default=10 * 1024 * 1024)
STACKS_COVER_FETCH_SECONDS = env.float("STACKS_COVER_FETCH_SECONDS", default=5.0)

# Catalog imports and exports (catalog/imports/).
STACKS_IMPORT_MAX_UPLOAD_BYTES = env.int("STACKS_IMPORT_MAX_UPLOAD_BYTES", default=1024**3)
# Uploads past 2.5 MB are spooled to temporary files (Django's default handlers) in this folder,
# the system's temporary one unless set; the image sets a volume's, as /tmp is memory in compose.
FILE_UPLOAD_TEMP_DIR = env.str("FILE_UPLOAD_TEMP_DIR", default="") or None
# Records per chunk transaction: fewer, larger chunks cost fewer round trips; 2,500 keeps a
# worker near 150 MB (the chunk, two read ahead, and their COPY buffers).
STACKS_IMPORT_CHUNK_SIZE = env.int("STACKS_IMPORT_CHUNK_SIZE", default=2500)
STACKS_IMPORT_LEASE_SECONDS = env.int("STACKS_IMPORT_LEASE_SECONDS", default=60)
# While a worker works an import's turn, a thread of its process stamps the lease's heartbeat
# this often; a holder missing three stamps in a row is gone, and its import is taken over
# without waiting for the rest of the lease. A slow chunk does not hold the stamp up.
STACKS_IMPORT_HEARTBEAT_SECONDS = env.float("STACKS_IMPORT_HEARTBEAT_SECONDS", default=2.0)
# After this long, a job's task gives the worker back when other tasks wait in its queue,
# queueing its next slice behind them, so one library's huge file does not starve another's
# small one.
STACKS_IMPORT_SLICE_SECONDS = env.float("STACKS_IMPORT_SLICE_SECONDS", default=5.0)
# While the web serves other libraries (common/readers.py), an import pauses after each chunk this
# many times as long as the chunk took: it runs at 1/(1 + this) of its speed while people
# read, and at full speed while nobody else does. 0: imports never pause.
STACKS_IMPORT_GIVE_WAY = env.float("STACKS_IMPORT_GIVE_WAY", default=4.0)
# A word in this many records or more is a search term: its matches are kept in rank order
# (catalog.models.SearchTermRank), chosen again after each large import: ranking that many
# matches one by one costs a search more than reading kept ranks, whose cost does not grow.
STACKS_SEARCH_TERM_RECORDS = env.int("STACKS_SEARCH_TERM_RECORDS", default=5000)
# At most this many terms (the commonest): every record written pays a row for each term it
# has. Enough for every word of a catalog of a million records in the threshold's records or
# more, so that no search ranks more than about that many matches one by one.
STACKS_SEARCH_TERMS_MAX = env.int("STACKS_SEARCH_TERMS_MAX", default=300)
# A search's count and facets are exact up to this many matches; above it they are counted
# over this many and scaled to the planner's estimate, and the website says "about". The
# website's relevance pages rank this many of the newest matches (all of a rarer search's).
# The API orders a search of search terms together whose matches their counts put above it by
# the rarest term's kept rank (catalog.search.sql.words_walked).
STACKS_SEARCH_EXACT_UP_TO = env.int("STACKS_SEARCH_EXACT_UP_TO", default=5000)

# Sign-in throttling (django-axes, tenants/signin.py): after STACKS_SIGNIN_FAILURE_LIMIT failed
# sign-ins for one account or from one address within the cool-off, every sign-in path (staff
# page, API token, platform login, admin) answers 429 with Retry-After until the cool-off has
# passed since the last failure. Attempts are kept in the schema of the host signed in to.
MIDDLEWARE.append("axes.middleware.AxesMiddleware")
AXES_FAILURE_LIMIT = env.int("STACKS_SIGNIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("STACKS_SIGNIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True
AXES_USERNAME_CALLABLE = "tenants.signin.signin_username"
AXES_CLIENT_IP_CALLABLE = "tenants.signin.signin_address"
AXES_LOCKOUT_CALLABLE = "tenants.signin.signin_locked_out_response"
# Custom domains are proven by a TXT record (tenants/dns.py), looked up at these resolvers
# (`address` or `address:port`, comma-separated; the system's resolvers when empty).
STACKS_DNS_RESOLVERS = env.list("STACKS_DNS_RESOLVERS", default=[])
STACKS_DNS_TIMEOUT_SECONDS = env.float("STACKS_DNS_TIMEOUT_SECONDS", default=5.0)
# Staff API tokens (POST /api/v1/auth/token/) expire this many hours after they are issued.
STACKS_STAFF_TOKEN_HOURS = env.int("STACKS_STAFF_TOKEN_HOURS", default=12)
# Scan-to-add (cataloguing/): the outside sources an ISBN is looked up in after the library's
# catalog and the shared pool, each with its own timeout in seconds. A JSON list of
# {"name", "kind": "sru" | "openlibrary", "url", "timeout"}; SRU takes "index" too
# (the CQL index for ISBNs, bath.isbn by default), and any source a "label": what the staff
# pages call it (its name otherwise).
STACKS_LOOKUP_SOURCES = env.json(
    "STACKS_LOOKUP_SOURCES",
    default=[{"name": "openlibrary", "label": "Open Library", "kind": "openlibrary",
              "url": "https://openlibrary.org", "timeout": 3}],
)  # fmt: skip

# The shared pool's worker cycle (tenants.pool): kept beside any other periodic task.
STACKS_POOL_SYNC_SECONDS = env.float("STACKS_POOL_SYNC_SECONDS", default=20.0)
CELERY_BEAT_SCHEDULE = globals().get("CELERY_BEAT_SCHEDULE", {})
CELERY_BEAT_SCHEDULE["pool-sync"] = {
    "task": "worker.pool_sync_all",
    "schedule": STACKS_POOL_SYNC_SECONDS,
    "tenant_schemas": ["public"],  # once for the platform, not once per library
}
