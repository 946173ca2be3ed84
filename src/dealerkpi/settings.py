"""Django settings. Configuration comes from the environment; SQLite under var/ is the default."""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

SRC_DIR = Path(__file__).resolve().parent
BASE_DIR = SRC_DIR.parent.parent
VAR_DIR = Path(os.environ.get("DEALERKPI_VAR", BASE_DIR / "var"))

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-not-secret-change-me-in-production-dealerkpi")
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
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
    "huey.contrib.djhuey",
    "rules.apps.AutodiscoverRulesConfig",  # loads each app's rules.py: who may do what
    "dealerkpi.core",
    "dealerkpi.org",
    "dealerkpi.catalog",
    "dealerkpi.stock",
    "dealerkpi.crm",
    "dealerkpi.sales",
    "dealerkpi.market",
    "dealerkpi.people",
    "dealerkpi.kpi",
    "dealerkpi.plans",
    "dealerkpi.targets",
    "dealerkpi.pay",
    "dealerkpi.web",
    "dealerkpi.imports",
    "dealerkpi.reports",
    "dealerkpi.demo_data",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "dealerkpi.web.middleware.ChineseUnlessChosen",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "dealerkpi.core.audit.AuditMiddleware",
    "dealerkpi.core.busy.BusyDatabaseMiddleware",
]

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

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",  # logins
    "rules.permissions.ObjectPermissionBackend",  # permissions: each app's rules.py (see org.rules)
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [SRC_DIR / "locale"]
FORMAT_MODULE_PATH = ["dealerkpi.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [SRC_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"

DJANGO_TABLES2_TEMPLATE = "web/table.html"

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {"TITLE": "dealerkpi API", "VERSION": "0.1.0"}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DEALERKPI_LOG_LEVEL", "WARNING")},
}
