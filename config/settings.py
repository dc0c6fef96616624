"""Vigie Fibre settings.

Everything that differs between machines comes from the environment (see ../shared/CONVENTIONS.md):
DATABASE_URL, REDIS_URL, SECRET_KEY, PORT/BIND (scripts/run.sh), WEBHOOK_ALLOWED_HOSTS, DEBUG.
With DATABASE_URL / REDIS_URL unset, the embedded services under var/ are used (config/embedded.py).
"""
import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from . import embedded

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = embedded.VAR_DIR


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY") or embedded.secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_gis",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "leaflet",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # Vigie Fibre, one app per domain
    "accounts",
    "core",
    "organisations",
    "network",
    "resilience",
    "incidents",
    "complex_connections",
    "restoration",
    "webhooks",
    "reporting",
    "power",
    "frontend",
    "demo",  # demo data loader (load_demo); on top of every domain app
]

MIDDLEWARE = [
    "core.middleware.RequestIdMiddleware",
    "core.middleware.ApiUtcMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.MfaRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "resilience.middleware.ServiceGraphRequestMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Data stores -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or embedded.embedded_database_url()
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
DATABASES["default"]["ENGINE"] = "django.contrib.gis.db.backends.postgis"
# Fail fast when the database is down, so /healthz answers 503 instead of hanging.
DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL") or embedded.embedded_redis_url()

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "vigie",
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
}

# --- Celery (worker + beat) --------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TASK_ACKS_LATE = True  # a task is only removed from Redis once done: a killed worker loses nothing
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "core.tasks.heartbeat", "schedule": 60.0},
}
# Seconds without trying Redis after it failed to take a task (core/enqueue.py; the sweepers catch up).
ENQUEUE_BROKER_BACKOFF = float(os.environ.get("ENQUEUE_BROKER_BACKOFF", "10"))
# Seconds a committed piece of work (alert exposure, import) is left to its after-commit task before
# a sweeper re-enqueues it.
ENQUEUE_SWEEP_GRACE = float(os.environ.get("ENQUEUE_SWEEP_GRACE", "60"))
# Seconds /healthz waits for a worker to answer a ping.
HEALTH_CELERY_TIMEOUT = float(os.environ.get("HEALTH_CELERY_TIMEOUT", "1.5"))

# --- Auth --------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "accounts.backends.LockoutBackend",  # django-axes: refuses a locked account, even with the right password
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# --- i18n: French first, English available --------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"  # the UI; the API writes UTC with offset
USE_I18N = True
USE_TZ = True

# --- Static files (WhiteNoise, served by gunicorn itself) ----------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

# --- REST API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "organisations.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.Pagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # per token (core/api/throttling.py): API_THROTTLE_RATE, e.g. "600/min"; "" or "off" disables it
    "DEFAULT_THROTTLE_CLASSES": ["core.api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": os.environ.get("API_THROTTLE_RATE", "1200/min")},
}
if os.environ.get("API_THROTTLE_RATE", "x").strip().lower() in ("", "off", "0"):
    REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = []
SPECTACULAR_SETTINGS = {
    "TITLE": "Vigie Fibre API",
    "DESCRIPTION": "Storm and flood resilience of public-initiative fibre networks (RIP).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One schema name per choice set where several share a field name (status, source, level):
    # without these the generator invents hashed names (drf_spectacular.W001 in `check --deploy`).
    "ENUM_NAME_OVERRIDES": {
        "TicketStatusEnum": "incidents.models.ticket.TicketStatus",
        "CrisisLevelEnum": "incidents.models.crisis.CrisisLevel",
        "AlertLevelEnum": "resilience.models.alert.Level",
        "AlertSourceEnum": "resilience.models.alert.AlertSource",
        "AlertStatusEnum": "resilience.models.alert.AlertStatus",
        "RawSourceEnum": "resilience.models.raw_message.RawSource",
        "ExposureStatusEnum": "resilience.models.exposure.ExposureStatus",
        "ComplexConnectionStatusEnum": "complex_connections.models.cases.ComplexConnectionStatus",
        "SubscriptionSourceEnum": "webhooks.models.subscription.SubscriptionSource",
        "SubscriptionStatusEnum": "webhooks.models.subscription.SubscriptionStatus",
        "DeliveryStatusEnum": "webhooks.models.delivery.DeliveryStatus",
        "ImportRunStateEnum": "network.models.imports.ImportRun.State",
        "ConnectionStatusEnum": "network.models.premises.ConnectionStatus",
        "TroubleTicketStatusEnum": ["acknowledged", "inProgress", "pending", "held", "resolved", "closed", "cancelled",
                                    "rejected"],  # TicketStatus.values, as the TMF621 serializers list them
        "SubscriptionSettableStatusEnum": ["active", "disabled"],  # what a client may set
    },
}

# --- Map ---------------------------------------------------------------------------------------
LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (48.2, -4.0),
    "DEFAULT_ZOOM": 9,
    "TILES": [],  # no external tile server needed; OSM_TILE_URL adds a raster background
    "ATTRIBUTION_PREFIX": "Vigie Fibre",
}
OSM_TILE_URL = os.environ.get("OSM_TILE_URL", "")

# --- Webhooks ----------------------------------------------------------------------------------
WEBHOOK_ALLOWED_HOSTS = env_list("WEBHOOK_ALLOWED_HOSTS")

# --- Logging: one JSON object per line, each carrying the request id ---------------------------
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.logging.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
    },
}

# Behind a TLS-terminating proxy in production (SECURE_PROXY=1): HTTPS only, HSTS, cookies never sent
# in clear. Without it (`make run`, plain HTTP on 127.0.0.1) these stay off on purpose; `make lint`
# runs `check --deploy` with SECURE_PROXY=1 so that the production configuration is the one checked.
SECURE_PROXY = env_bool("SECURE_PROXY", False)
if SECURE_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- Login and page protection (docs/security.md) ------------------------------------------------
from datetime import timedelta as _timedelta  # noqa: E402

from csp.constants import NONCE as _CSP_NONCE  # noqa: E402

# django-axes: AXES_FAILURE_LIMIT failed logins for one account within AXES_COOLOFF_MINUTES lock it
# for AXES_COOLOFF_MINUTES (HTTP 429, French message, audited: accounts/lockout.py).
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = _timedelta(minutes=float(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_IPWARE_PROXY_COUNT = 1 if SECURE_PROXY else None
AXES_VERBOSE = False
# django-otp: a TOTP second factor (and recovery codes) for these roles; "" requires it of nobody.
MFA_REQUIRED_ROLES = env_list("MFA_REQUIRED_ROLES", "admin")
MFA_RECOVERY_CODES = 10
OTP_TOTP_ISSUER = "Vigie Fibre"
# django-csp: a Content-Security-Policy on every response; no inline script (the only inline one,
# django-leaflet's map bootstrap, carries the per-request nonce). MapLibre runs its workers from blob:.
_img_src = ["'self'", "data:", "blob:"] + (["https:"] if OSM_TILE_URL else [])
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", _CSP_NONCE],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": _img_src,
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "child-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Debian 12 ships GDAL 3.6, older than the 3.9 that lets Django block file/network access from
# spatial reference strings. Vigie Fibre never builds an SRS from user text (imports check for
# EPSG:2154 and geometries arrive as WKB/GeoJSON), so the warning is silenced rather than ignored.
# security.W005 / W021 (HSTS includeSubDomains / preload): a syndicate often serves Vigie Fibre from a
# sub-domain of a domain shared with other services; forcing HTTPS on all of them is not ours to decide.
# axes.W006: lockout per account (issue 20: "10 failed logins for one account"); a per-address limit
# would lock a whole crisis cell behind one NAT. Password guessing across accounts: docs/security.md.
SILENCED_SYSTEM_CHECKS = ["gis.W001", "security.W005", "security.W021", "axes.W006"]

# --- Alerts (resilience app, docs/alerts.md) ---------------------------------------------------
ALERTS_MAX_PAYLOAD_BYTES = int(os.environ.get("ALERTS_MAX_PAYLOAD_BYTES", str(2 * 1024 * 1024)))
ALERTS_REFUSE_EXPIRED = env_bool("ALERTS_REFUSE_EXPIRED", True)
ALERTS_MIN_CIRCLE_RADIUS_M = 100.0  # a CAP circle of radius 0 is a point: buffered by this
ALERTS_FEED_TIMEOUT = float(os.environ.get("ALERTS_FEED_TIMEOUT", "10"))
ALERTS_FEED_BACKOFF_BASE = float(os.environ.get("ALERTS_FEED_BACKOFF_BASE", "60"))  # seconds, doubled per failure
ALERTS_FEED_BACKOFF_MAX = float(os.environ.get("ALERTS_FEED_BACKOFF_MAX", "3600"))
# Feeds polled by beat: name -> {"url", "format" (cap|vigilance|vigicrues), "headers" (e.g. an API key)}.
# ALERT_FEEDS_VIGILANCE_URLS: comma-separated Météo-France vigilance URLs; METEOFRANCE_API_KEY sent as "apikey".
ALERT_FEEDS = {}
for _i, _url in enumerate(env_list("ALERT_FEEDS_VIGILANCE_URLS")):
    ALERT_FEEDS[f"vigilance-{_i}"] = {"url": _url, "format": "vigilance",
                                      "headers": ({"apikey": os.environ["METEOFRANCE_API_KEY"]}
                                                  if os.environ.get("METEOFRANCE_API_KEY") else {})}
for _i, _url in enumerate(env_list("ALERT_FEEDS_CAP_URLS")):
    ALERT_FEEDS[f"cap-{_i}"] = {"url": _url, "format": "cap", "headers": {}}
for _i, _url in enumerate(env_list("ALERT_FEEDS_VIGICRUES_URLS")):
    ALERT_FEEDS[f"vigicrues-{_i}"] = {"url": _url, "format": "vigicrues", "headers": {}}
# Vigicrues reaches (tronçons) with their geometry: a GeoJSON FeatureCollection (TronEntVigiCru.geojson
# of the Vigicrues geo services), loaded by `manage.py load_vigicrues_reaches` and refreshed daily by beat
# when set. A reach in vigilance exposes what lies within VIGICRUES_REACH_BUFFER_M of its line.
VIGICRUES_REACH_FEED_URL = os.environ.get("VIGICRUES_REACH_FEED_URL", "")
VIGICRUES_REACH_BUFFER_M = float(os.environ.get("VIGICRUES_REACH_BUFFER_M", "500"))
VIGICRUES_REACH_MAX_BYTES = int(os.environ.get("VIGICRUES_REACH_MAX_BYTES", str(64 * 1024 * 1024)))
if VIGICRUES_REACH_FEED_URL:
    CELERY_BEAT_SCHEDULE["resilience-load-vigicrues-reaches"] = {"task": "resilience.tasks.load_vigicrues_reaches",
                                                                 "schedule": 24 * 3600.0}
ALERT_FEEDS_POLL_SECONDS = float(os.environ.get("ALERT_FEEDS_POLL_SECONDS", "300"))
CELERY_BEAT_SCHEDULE["resilience-poll-feeds"] = {"task": "resilience.tasks.poll_feeds", "schedule": ALERT_FEEDS_POLL_SECONDS}
CELERY_BEAT_SCHEDULE["resilience-expire-alerts"] = {"task": "resilience.tasks.expire_alerts", "schedule": 60.0}
EXPOSURE_SWEEP_SECONDS = float(os.environ.get("EXPOSURE_SWEEP_SECONDS", "30"))
EXPOSURE_SWEEP_HOLD = float(os.environ.get("EXPOSURE_SWEEP_HOLD", "600"))  # an alert re-enqueued is left alone this long
CELERY_BEAT_SCHEDULE["resilience-sweep-exposures"] = {"task": "resilience.tasks.sweep_exposures", "schedule": EXPOSURE_SWEEP_SECONDS}
CELERY_BEAT_SCHEDULE["resilience-refresh-exposures"] = {"task": "resilience.tasks.refresh_stale_exposures", "schedule": 300.0}

# GraceTHD imports whose after-commit task was lost are enqueued again by beat (network.tasks.sweep_imports).
IMPORT_SWEEP_HOLD = float(os.environ.get("IMPORT_SWEEP_HOLD", "3600"))
CELERY_BEAT_SCHEDULE["network-sweep-imports"] = {"task": "network.sweep_imports", "schedule": 60.0}

# --- Complex connections (raccordements complexes, issue 10) ----------------------------------
# Detection thresholds (metres / units); unit costs and aid tiers live in the admin
# (ComplexConnectionCostModel). Read by the complex_connections app; see docs/complex-connections.md.
COMPLEX_CONNECTIONS = {
    "DROP_LENGTH_M": 100,          # long_drop: straight line premises → serving PBO above this
    "NO_ROUTE_DISTANCE_M": 50,     # no_route: no route segment (cheminement) within this distance
    "PRIVATE_WORKS_M": 30,         # private_works: estimated private-domain length above this
    "COLLECTIVE_MIN_HOUSING": 4,   # collective_no_vertical: buildings with at least this many dwellings
    "POLE_SPAN_M": 40,             # one new pole per started span beyond the first
    "CHAMBER_SPACING_M": 100,      # one pulling chamber per started 100 m of new trench
    "PTO_MATCH_M": 5,              # a PTO enclosure this close to a premises is its outlet (bp_racco)
    "ATTACHMENT_MAX_BYTES": 10 * 1024 * 1024,
}

# --- Incidents: TMF621 trouble tickets ------------------------------------------------------------
# GTR timers per severity, in hours (time to take in charge, time to restore service); the
# operator's contract overrides these defaults, e.g. TROUBLE_TICKET_SLA_JSON='{"critical": {...}}'.
import json as _json  # noqa: E402

TROUBLE_TICKET_SLA = {
    "critical": {"acknowledge": 1, "restore": 4},
    "major": {"acknowledge": 2, "restore": 8},
    "minor": {"acknowledge": 4, "restore": 24},
}
TROUBLE_TICKET_SLA.update(_json.loads(os.environ.get("TROUBLE_TICKET_SLA_JSON", "{}")))
# Photos from the field attached to tickets (JPEG, PNG, WebP), at most this many bytes each.
TROUBLE_TICKET_ATTACHMENT_MAX_BYTES = int(os.environ.get("TROUBLE_TICKET_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))

# --- Outbound webhooks (webhooks app, docs/webhooks.md) ----------------------------------------
# Retry schedule in seconds after the 1st, 2nd… failed attempt (≈ 100 h in all, at least 80 h with
# the jitter: a receiver down over a long weekend still gets its events), each ± JITTER;
# after the last step the delivery is dead-lettered and the subscription flagged "failing".
WEBHOOK_RETRY_SCHEDULE = [
    int(s) for s in env_list("WEBHOOK_RETRY_SCHEDULE",
                              "5,30,120,600,1800,3600,7200,14400,28800,43200,43200,43200,43200,43200,43200,43200")
]
WEBHOOK_RETRY_JITTER = float(os.environ.get("WEBHOOK_RETRY_JITTER", "0.2"))
WEBHOOK_RETRY_ENQUEUE_MAX = 300  # retries due sooner go to the broker with a countdown; later ones to the sweeper
WEBHOOK_CONNECT_TIMEOUT = float(os.environ.get("WEBHOOK_CONNECT_TIMEOUT", "3"))
WEBHOOK_READ_TIMEOUT = float(os.environ.get("WEBHOOK_READ_TIMEOUT", "10"))
WEBHOOK_SECRET_OVERLAP = int(os.environ.get("WEBHOOK_SECRET_OVERLAP", str(24 * 3600)))  # old secret still signs
WEBHOOK_RESPONSE_BODY_LIMIT = 2048  # bytes of the receiver's answer kept in the delivery log
WEBHOOK_BROKER_BACKOFF = ENQUEUE_BROKER_BACKOFF  # historical name
WEBHOOK_CHAIN_MAX = 100  # deliveries of one subject sent in a row by one task before handing over to the queue
WEBHOOK_SWEEP_INTERVAL = float(os.environ.get("WEBHOOK_SWEEP_INTERVAL", "15"))
WEBHOOK_SWEEP_GRACE = 10  # seconds an event is left to its after-commit task before the sweeper takes it
WEBHOOK_SWEEP_BATCH = 1000
# Settled events (all deliveries succeeded or cancelled) and their attempts are purged after this many days.
WEBHOOK_PURGE_AFTER_DAYS = float(os.environ.get("WEBHOOK_PURGE_AFTER_DAYS", "30"))
CELERY_BEAT_SCHEDULE["webhooks-purge"] = {"task": "webhooks.tasks.purge", "schedule": 3600.0}
CELERY_BEAT_SCHEDULE["webhooks-sweep"] = {"task": "webhooks.tasks.sweep", "schedule": WEBHOOK_SWEEP_INTERVAL}

# Exposure (issue 6): each Celery worker process re-warms the service graphs of networks under an
# active alert every N seconds (0 = off); see resilience/services/graph_warm.py.
EXPOSURE_GRAPH_WARM_SECONDS = float(os.environ.get("EXPOSURE_GRAPH_WARM_SECONDS", "60"))

# --- Reporting (issue 17): situation reports and NIS2 drafts --------------------------------------
# Scheduled situation reports: beat looks for due schedules every N seconds.
SITREP_SCHEDULE_INTERVAL = float(os.environ.get("SITREP_SCHEDULE_INTERVAL", "60"))
CELERY_BEAT_SCHEDULE["reporting-sitrep-schedules"] = {"task": "reporting.tasks.run_due_schedules",
                                                      "schedule": SITREP_SCHEDULE_INTERVAL}
# E-mailing reports to a crisis's distribution list: off unless SITREP_EMAIL_ENABLED; SMTP from EMAIL_*.
SITREP_EMAIL_ENABLED = env_bool("SITREP_EMAIL_ENABLED", False)
SITREP_EMAIL_FROM = os.environ.get("SITREP_EMAIL_FROM", "vigie-fibre@localhost")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10
# Optional report sections provided by other apps (dotted path of a function; see reporting/services/providers.py).
REPORTING_PROVIDERS = {}
# --- Power of active sites (power app, docs/power.md) -------------------------------------------
POWER_AT_RISK_LEAD_MINUTES = float(os.environ.get("POWER_AT_RISK_LEAD_MINUTES", "60"))  # power.site_at_risk this long before dark_at
POWER_CHECK_SECONDS = float(os.environ.get("POWER_CHECK_SECONDS", "60"))
POWER_DISPATCH = {
    "ROAD_SPEED_KMH": float(os.environ.get("POWER_DISPATCH_ROAD_SPEED_KMH", "50")),
    "DETOUR_FACTOR": float(os.environ.get("POWER_DISPATCH_DETOUR_FACTOR", "1.3")),
    "CONNECT_MINUTES": float(os.environ.get("POWER_DISPATCH_CONNECT_MINUTES", "30")),
    "HORIZON_HOURS": float(os.environ.get("POWER_DISPATCH_HORIZON_HOURS", "24")),
}
# Distribution operators' outage feeds: POWER_OUTAGE_FEEDS_JSON='{"enedis-29": {"url": "...",
# "network": "demo-29", "source": "Enedis", "headers": {}}}'
POWER_OUTAGE_FEEDS = _json.loads(os.environ.get("POWER_OUTAGE_FEEDS_JSON", "{}"))
POWER_OUTAGE_FEEDS_POLL_SECONDS = float(os.environ.get("POWER_OUTAGE_FEEDS_POLL_SECONDS", "300"))
CELERY_BEAT_SCHEDULE["power-check-sites"] = {"task": "power.tasks.check_sites", "schedule": POWER_CHECK_SECONDS}
CELERY_BEAT_SCHEDULE["power-poll-outage-feeds"] = {"task": "power.tasks.poll_outage_feeds",
                                                   "schedule": POWER_OUTAGE_FEEDS_POLL_SECONDS}
# Shared service graph (resilience/services/graph/store.py): a web request never builds a graph
# (it answers 503 + Retry-After and asks a worker) unless this says so; the host's file copies live
# in SERVICE_GRAPH_DIR (default var/graphs/).
SERVICE_GRAPH_BUILD_IN_REQUEST = os.environ.get("SERVICE_GRAPH_BUILD_IN_REQUEST", "") == "1"
SERVICE_GRAPH_DIR = os.environ.get("SERVICE_GRAPH_DIR", "")
SERVICE_GRAPH_STORE_IN_WARMER = True  # the worker's warmer stores the graph of every new network version
# networks of at least this many route segments read their exposure in two database sessions at
# once (segments and premises in one, point assets in the other: resilience/services/exposure.py)
EXPOSURE_SPLIT_MIN_SEGMENTS = int(os.environ.get("EXPOSURE_SPLIT_MIN_SEGMENTS", "50000"))
