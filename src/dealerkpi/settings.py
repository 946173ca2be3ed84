"""Django settings. Configuration comes from the environment (docs/deploy.md lists every variable); SQLite under
var/ is the default database. The defaults are production's: the demo and the test suite run in development mode."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


def env_flag(name: str, default: bool) -> bool:
    """A yes/no variable: 1/true/yes/on or 0/false/no/off. Anything else is refused rather than guessed at."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r}: use 1 or 0")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


SRC_DIR = Path(__file__).resolve().parent
# A checkout (src/dealerkpi under the repository) keeps its files under the repository; an installed package
# under the directory it is run from (or DEALERKPI_VAR, DJANGO_STATIC_ROOT).
BASE_DIR = SRC_DIR.parent.parent if (SRC_DIR.parent.parent / "pyproject.toml").is_file() else Path.cwd()
VAR_DIR = Path(os.environ.get("DEALERKPI_VAR", BASE_DIR / "var"))

# Development mode: `dealerkpi demo` sets DEALERKPI_DEV=1 and pytest sets PYTEST_VERSION, so that the demo and the
# test suite run with no environment at all: a built-in public key, static files straight from the source tree,
# plain HTTP. Anything else is production unless DEALERKPI_DEV=1 says otherwise.
DEV = env_flag("DEALERKPI_DEV", default="PYTEST_VERSION" in os.environ)
DEBUG = env_flag("DJANGO_DEBUG", default=False)


MISSING_SECRET_KEY = ("DJANGO_SECRET_KEY is not set: set it to a long random string (docs/deploy.md), "
                      "or DEALERKPI_DEV=1 on a developer's machine.")


def secret_key() -> str:
    """The key from the environment, the public development key in development mode, else empty: a command that
    signs nothing (makemigrations, collectstatic) still runs, while serving refuses to start (core.checks)."""
    if key := os.environ.get("DJANGO_SECRET_KEY", "").strip():
        return key
    return "dev-only-not-secret-change-me-in-production-dealerkpi" if DEV else ""


SECRET_KEY = secret_key()
SECRET_KEY_MISSING = not SECRET_KEY  # Django itself raises on reading an empty SECRET_KEY
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "dealerkpi.org.admin_config.DealerAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_tables2",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI from our own static files (no CDN)
    "huey.contrib.djhuey",
    "csp",
    "axes",
    "rules.apps.AutodiscoverRulesConfig",  # loads each app's rules.py: who may do what
    "dealerkpi.core",
    "dealerkpi.org",
    "dealerkpi.catalog",
    "dealerkpi.stock",
    "dealerkpi.crm",
    "dealerkpi.sales",
    "dealerkpi.market",
    "dealerkpi.people",
    "dealerkpi.conduct",
    "dealerkpi.tasks",
    "dealerkpi.kpi",
    "dealerkpi.plans",
    "dealerkpi.targets",
    "dealerkpi.oem",
    "dealerkpi.pay",
    "dealerkpi.web",
    "dealerkpi.imports",
    "dealerkpi.reports",
    "dealerkpi.studio",
    "dealerkpi.demo_data",
    "dealerkpi.api",
]

# Behind a reverse proxy (nginx) that terminates HTTPS and sets X-Forwarded-Proto and X-Real-IP: gunicorn then
# listens on 127.0.0.1 only, so those headers can come from the proxy alone.
BEHIND_PROXY = env_flag("DEALERKPI_BEHIND_PROXY", default=False)

MIDDLEWARE = [
    *(["dealerkpi.core.proxy.ClientAddressFromProxy"] if BEHIND_PROXY else []),
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "dealerkpi.web.middleware.ChineseUnlessChosen",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "dealerkpi.core.audit.AuditMiddleware",
    "dealerkpi.core.busy.BusyDatabaseMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out login into the lockout page
]

# HTTPS only, in production: redirect, secure cookies, HSTS (one year; start lower while trying HTTPS out).
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_flag("DJANGO_SECURE_SSL_REDIRECT", default=not DEV)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_flag("DJANGO_SECURE_COOKIES", default=not DEV)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEV else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_flag("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_flag("DJANGO_SECURE_HSTS_PRELOAD", default=False)
# Preloading commits the whole domain to HTTPS in browsers' built-in lists: the domain's owner asks for it
# (DJANGO_SECURE_HSTS_PRELOAD=1), so `check --deploy` does not press for it.
SILENCED_SYSTEM_CHECKS = ["security.W021"]

# Every script is a file of ours under static/: no inline script, no CDN. Inline styles are allowed: ECharts writes
# its tooltips with them and htmx its indicator style, and a style runs no code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

ROOT_URLCONF = "dealerkpi.urls"
WSGI_APPLICATION = "dealerkpi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SRC_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dealerkpi.web.context.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'dealerkpi.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: our statements are many grouped queries of tens of milliseconds, for which compiling
    # costs more than it saves (a run's metrics for 100 stores of the L data: 5.3 s without, 7.6 to 11.9 s with).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"

# Caches live in each process's memory (no Redis needed). "statements": what pages render from statements, which
# never change once written: a statement's page body and the run page's statements (pay.views.statement_body,
# run_page_parts), at most 500 kept, each for 10 minutes so a person, team, spiff or vehicle model renamed shows
# there within that time.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
    "statements": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "statements",
                   "TIMEOUT": 600, "OPTIONS": {"MAX_ENTRIES": 500}},
}

# Background jobs (bonus runs): Huey on an SQLite file under var/ by default, Redis in production
# (DEALERKPI_TASKS_REDIS_URL=redis://127.0.0.1:6379/0). DEALERKPI_TASKS_IMMEDIATE=1 runs jobs in the request.
_TASKS_REDIS = os.environ.get("DEALERKPI_TASKS_REDIS_URL")
if not _TASKS_REDIS:
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # the queue's SQLite file lives there
HUEY = {
    "huey_class": "huey.RedisHuey" if _TASKS_REDIS else "huey.SqliteHuey",
    "name": "dealerkpi",
    "immediate": os.environ.get("DEALERKPI_TASKS_IMMEDIATE", "0") == "1",
    "consumer": {"workers": 2, "worker_type": "thread"},
    **({"url": _TASKS_REDIS} if _TASKS_REDIS else {"filename": str(VAR_DIR / "tasks.sqlite3")}),
}
# Huey removes a job from the queue when a worker takes it (no late acknowledgement, Redis or SQLite): a job whose
# worker is killed is lost. A run that shows no progress for this many minutes is given up as failed, when its
# page or the run list is read and by the worker (at start and every 5 minutes); see docs/reliability.md.
PAY_RUN_STALLED_MINUTES = int(os.environ.get("DEALERKPI_RUN_STALLED_MINUTES", "10"))
# What a spreadsheet uploaded on the import page may hold, over imports.reading.WEB_LIMITS (20 MB, 50,000 rows, ...;
# docs/imports.md), e.g. {"rows": 20_000}: each limit bounds the time and memory one upload takes the job worker.
IMPORT_LIMITS: dict[str, int] = {}
# An upload still queued or being read after this many minutes lost its job (killed with its worker): it is given up
# and its uploader may run it again (imports.uploads; the page's limits keep an import under a minute).
IMPORT_STALLED_MINUTES = int(os.environ.get("DEALERKPI_IMPORT_STALLED_MINUTES", "10"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out login before the password is checked
    "django.contrib.auth.backends.ModelBackend",  # logins
    "rules.permissions.ObjectPermissionBackend",  # permissions: each app's rules.py (see org.rules)
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Checked where a password is chosen: the admin's login forms, createsuperuser, changepassword. The demo generator
# writes its logins' hashes directly (every demo password is demo1234).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in ("UserAttributeSimilarityValidator", "MinimumLengthValidator", "CommonPasswordValidator",
                 "NumericPasswordValidator")
]

# Login throttling (django-axes): after DEALERKPI_LOGIN_FAILURE_LIMIT wrong passwords for one login from one
# address, that login is locked for that address for DEALERKPI_LOGIN_LOCKOUT_MINUTES; a success resets the count.
# Login and address together: nobody can lock a colleague out from elsewhere, and one person's typos do not lock
# out a whole store behind one address. `dealerkpi axes_reset_username NAME` unlocks early.
AXES_FAILURE_LIMIT = env_int("DEALERKPI_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("DEALERKPI_LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
AXES_DISABLE_ACCESS_LOG = True  # the audit trail records sign-ins (core.audit_logins)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [SRC_DIR / "locale"]
FORMAT_MODULE_PATH = ["dealerkpi.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# WhiteNoise serves the static files. In production from STATIC_ROOT, which `dealerkpi collectstatic` fills with
# hashed, compressed copies that browsers keep for a year; in development mode from the source tree, looked up
# when asked for (no collectstatic, and an edit shows at once).
STATIC_URL = "static/"
STATICFILES_DIRS = [SRC_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage" if DEV
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = DEV

DJANGO_TABLES2_TEMPLATE = "web/table.html"

# The API (dealerkpi.api, docs/api.md): a token for integrations, the session (with CSRF) for the browser.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "dealerkpi.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "dealerkpi.api.pagination.Pages",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "dealerkpi.api.base.handle_exception",
    "COERCE_DECIMAL_TO_STRING": True,  # money as "205800.00", never a float
}
SPECTACULAR_SETTINGS = {
    "TITLE": "dealerkpi API",
    "DESCRIPTION": "The sales desk's records, targets, plans, bonus runs and statements, under the caller's data "
                   "scope (docs/api.md).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {  # choice sets that share a field name
        "FollowUpChannelEnum": "dealerkpi.crm.models.FollowUp.Channel",
        "ComplaintChannelEnum": "dealerkpi.crm.models.Complaint.Channel",
        "ComplaintStatusEnum": "dealerkpi.crm.models.Complaint.Status",
        "PaymentKindEnum": "dealerkpi.sales.models.Payment.Kind",
        "DecisionEnum": "dealerkpi.crm.models.Decision",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DEALERKPI_LOG_LEVEL", "WARNING")},
}
