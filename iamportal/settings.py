"""IAM Portal settings: one module, driven by environment variables.

Development defaults are safe to run on a laptop (SQLite, a throw-away secret key;
Django's technical error pages only with `IAMPORTAL_DJANGO_DEBUG=true`). Production is
`IAMPORTAL_DEBUG=false`, which requires `IAMPORTAL_SECRET_KEY` and
`IAMPORTAL_ALLOWED_HOSTS` and turns on the secure cookie and HTTPS settings that
`manage.py check --deploy` asks for.
"""

from __future__ import annotations

import os
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool) -> bool:
    """Read a boolean environment variable; anything unexpected is an error."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def envsecret(name: str) -> str | None:
    """A secret from NAME, or from the file named by NAME_FILE."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(name) or None


def envlist(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def envnetworks(name: str) -> list[IPv4Network | IPv6Network]:
    """A comma-separated list of addresses or networks (``10.0.0.5, 10.1.0.0/16``)."""
    try:
        return [ip_network(item) for item in envlist(name, [])]
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must list IP addresses or networks: {exc}") from None


# IAMPORTAL_DEBUG: development mode (a throw-away secret key, local hosts, plain HTTP).
DEVELOPMENT = envbool("IAMPORTAL_DEBUG", True)
# Django's technical pages (tracebacks, the URL list on a 404) only when asked for: `make run`
# shows the portal's own 400/403/404/500 pages, as production does.
DEBUG = envbool("IAMPORTAL_DJANGO_DEBUG", False)
if DEBUG and not DEVELOPMENT:
    raise ImproperlyConfigured("IAMPORTAL_DJANGO_DEBUG is for development only (IAMPORTAL_DEBUG=true)")

SECRET_KEY = envsecret("IAMPORTAL_SECRET_KEY")
if not SECRET_KEY:
    if not DEVELOPMENT:
        raise ImproperlyConfigured("IAMPORTAL_SECRET_KEY is required when IAMPORTAL_DEBUG is false")
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"
# Earlier secret keys, still accepted (sessions, and the MFA seeds sealed with them) while
# the new one takes over: see "Secrets at rest" in docs/security.md.
SECRET_KEY_FALLBACKS = envlist("IAMPORTAL_SECRET_KEY_FALLBACKS", [])

ALLOWED_HOSTS = envlist(
    "IAMPORTAL_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEVELOPMENT else []
)
if not DEVELOPMENT and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("IAMPORTAL_ALLOWED_HOSTS is required when IAMPORTAL_DEBUG is false")
CSRF_TRUSTED_ORIGINS = envlist("IAMPORTAL_CSRF_TRUSTED_ORIGINS", [])
# The reverse proxies in front of the portal (addresses or networks). Only a request whose
# REMOTE_ADDR is one of them may set the client's scheme (X-Forwarded-Proto) or address.
TRUSTED_PROXIES = envnetworks("IAMPORTAL_TRUSTED_PROXIES")

INSTALLED_APPS = [
    "django.contrib.admin",  # operators only (accounts/admin.py); the console never uses it
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "formtools",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "iamportal",
    "accounts",
    "policies",
    "api",
    "audit",
    "organizations",
    "labs",
]

MIDDLEWARE = [
    "iamportal.middleware.TrustedProxySchemeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "iamportal.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "accounts.middleware.ConsoleIdentityMiddleware",
    "audit.last_accessed.LastAccessedMiddleware",
    "iamportal.recent.RecentPagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "iamportal.urls"
WSGI_APPLICATION = "iamportal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "iamportal.context_processors.console",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("IAMPORTAL_DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A write transaction takes SQLite's write lock when it begins (not when it first writes,
    # which fails at once when another writer holds it), and another writer waits for it up
    # to 20 s instead of failing: starting a class writes for seconds (docs/operations.md).
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.ConsoleBackend"]
LOGIN_URL = "accounts:signin"
LOGIN_REDIRECT_URL = "iamportal:console_home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

SESSION_COOKIE_AGE = 12 * 3600  # an IAM user's console session lasts 12 hours, as in AWS
SESSION_EXPIRE_AT_BROWSER_CLOSE = False

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Development serves the static files through WhiteNoise straight from the source folders
# (runserver serves them only with DEBUG on); production serves the collected, hashed copies.
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = DEVELOPMENT
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEVELOPMENT
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# django-otp: issuer shown in authenticator apps.
OTP_TOTP_ISSUER = "IAM Portal"

# Throttles (accounts/throttle.py; docs/security.md): failed sign-ins per client address +
# account + name, and per client address (a classroom behind one NAT address fits under it);
# sign-ups per client address. django-otp's per-device back-off comes on top at the MFA step.
# The Query API (docs/api.md): failed authentications (unknown key, wrong signature) per
# client address and access key id, and per address alone, per IAMPORTAL_SIGNIN_WINDOW.
IAMPORTAL_API_KEY_FAILURES = envint("IAMPORTAL_API_KEY_FAILURES", 20)
IAMPORTAL_API_ADDRESS_FAILURES = envint("IAMPORTAL_API_ADDRESS_FAILURES", 200)
# Test mode for SDK test suites (docs/api.md): account 123456789012 whose root user has the
# access key FOOBARKEY / FOOBARSECRET, and POST /_test/reset. Development only.
IAMPORTAL_TEST_HOOKS = envbool("IAMPORTAL_TEST_HOOKS", False)
if IAMPORTAL_TEST_HOOKS and not DEVELOPMENT:
    raise ImproperlyConfigured("IAMPORTAL_TEST_HOOKS is for development only (IAMPORTAL_DEBUG=true)")
# The audit trail keeps events this many days (docs/audit.md; manage.py pruneevents).
IAMPORTAL_AUDIT_RETENTION_DAYS = envint("IAMPORTAL_AUDIT_RETENTION_DAYS", 90)
IAMPORTAL_SIGNIN_ATTEMPTS = envint("IAMPORTAL_SIGNIN_ATTEMPTS", 10)
IAMPORTAL_SIGNIN_ADDRESS_FAILURES = envint("IAMPORTAL_SIGNIN_ADDRESS_FAILURES", 200)
IAMPORTAL_SIGNIN_WINDOW = envint("IAMPORTAL_SIGNIN_WINDOW", 300)
IAMPORTAL_SIGNUP_PER_ADDRESS = envint("IAMPORTAL_SIGNUP_PER_ADDRESS", 60)
IAMPORTAL_SIGNUP_WINDOW = envint("IAMPORTAL_SIGNUP_WINDOW", 3600)
# CreateAccount attempts per organization per day (AWS: ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED):
# a few classes a day; it also bounds what a management account learns of emails in use.
IAMPORTAL_ORG_ACCOUNTS_PER_DAY = envint("IAMPORTAL_ORG_ACCOUNTS_PER_DAY", 500)

# Argon2id sized for a 2-core server (docs/security.md, benchmarks/signin.py); PBKDF2 hashes
# of earlier releases still verify and are upgraded at the next sign-in.
PASSWORD_HASHERS = [
    "accounts.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
# How long a half-signed-in session (password right, MFA code not yet) may wait for its code.
IAMPORTAL_MFA_CHALLENGE_SECONDS = envint("IAMPORTAL_MFA_CHALLENGE_SECONDS", 300)

# Where URLs printed outside a request point (loaddemo; `make run` passes http://HOST:PORT).
# Pages build theirs from the request (request.build_absolute_uri, checked against ALLOWED_HOSTS).
IAMPORTAL_BASE_URL = os.environ.get("IAMPORTAL_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# Every response: no inline script or style, nothing from another origin, never framed.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)

if not DEVELOPMENT:
    SECURE_SSL_REDIRECT = envbool("IAMPORTAL_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("IAMPORTAL_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = envbool("IAMPORTAL_HSTS_PRELOAD", True)
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("IAMPORTAL_LOG_LEVEL", "INFO")},
    "loggers": {
        # Never log request bodies: they may carry passwords, MFA codes and policy secrets.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}
