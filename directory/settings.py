"""Settings for the mutual aid directory.

Everything that differs between a laptop and production comes from environment
variables read through the small typed helpers below, which fail loudly on a bad
value. With DEBUG unset the settings are production's, which need SECRET_KEY, SITE_URL
and ALLOWED_HOSTS (and DATABASE_URL for PostgreSQL); `make run` and `make test` set
DEBUG=true, under which the defaults run locally on SQLite.
"""

import base64
import ipaddress
import os
from email.utils import parseaddr
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_networks(name: str, default: list[str]) -> list[str]:
    """Comma-separated addresses or networks (192.0.2.0/24), or "*" for any."""
    values = env_list(name, default)
    for value in values:
        try:
            if value != "*":
                ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise ImproperlyConfigured(f"{name}: {value!r} is not an address or network") from None
    return values


def env_fernet_keys(name: str, development_default: str) -> list[str]:
    """Comma-separated Fernet keys (url-safe base64 of 32 bytes); required in production."""
    keys = [k.strip() for k in env_required(name, development_default).split(",") if k.strip()]
    for key in keys:
        try:
            valid = len(base64.urlsafe_b64decode(key.encode("ascii"))) == 32
        except (ValueError, UnicodeError):
            valid = False
        if not valid or key == SECRET_KEY:
            raise ImproperlyConfigured(
                f"{name} must be Fernet keys (url-safe base64 of 32 bytes), each its own, "
                "never SECRET_KEY: see the README"
            )
    return keys


def map_tile_source(url: str) -> str:
    """The CSP source that lets a page load map tiles from a tile URL template such as
    https://tile.openstreetmap.org/{z}/{x}/{y}.png ({s}. subdomains become *.)."""
    scheme, _, rest = url.partition("://")
    host = rest.split("/", 1)[0].replace("{s}", "*")
    if scheme not in {"http", "https"} or not host or "{" in host or host == "*":
        raise ImproperlyConfigured(
            f"MAP_TILE_URL must be an http(s) address with a host, not {url!r}"
        )
    if not all(part in url for part in ("{z}", "{x}", "{y}")):
        raise ImproperlyConfigured(f"MAP_TILE_URL must contain {{z}}, {{x}} and {{y}}: {url!r}")
    return f"{scheme}://{host}"


# Off unless asked for: a production server that forgets DEBUG must not serve debug pages.
DEBUG = env_bool("DEBUG", False)


def env_required(name: str, development_default: str) -> str:
    """A setting production must be given; while DEBUG is on it has a development default."""
    value = env_str(name, development_default if DEBUG else "")
    if not value:
        raise ImproperlyConfigured(
            f"{name} must be set: DEBUG is off (its default), so these are production "
            "settings. For development set DEBUG=true, as `make run` and `make test` do."
        )
    return value


_DEV_SECRET = "django-insecure-local-development-only-never-use-in-production"  # noqa: S105
SECRET_KEY = env_required("SECRET_KEY", _DEV_SECRET)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_filters",
    "django_htmx",
    "groups",
    "referrals",
    "exchange",
    "evidence",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "simple_history",
    # Before django_tasks_db: its `db_worker` command is accounts' (it reconnects).
    "accounts",
    "django_tasks_db",
    "organisers",
    "moderation",
    "feeds",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "directory.access.AccessMiddleware",
    # After the access checks and rate limits, which read the primary.
    "directory.routers.ReplicaReadsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "directory.urls"
WSGI_APPLICATION = "directory.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "groups.context_processors.site",
            ],
        },
    },
]


def database(url: str) -> dj_database_url.DBConfig:
    """The settings for one database URL (DATABASE_URL or REPLICA_DATABASE_URL)."""
    db = dj_database_url.parse(
        url, conn_max_age=env_int("CONN_MAX_AGE", 60), conn_health_checks=True
    )
    if db["ENGINE"] == "django.db.backends.postgresql":
        # Values travel apart from the statement text (psycopg 3's server-side binding), so a
        # postcode, its coordinates or a keyword are never written into a statement that
        # PostgreSQL may log (a slow query, a lock wait, an error). The production recipe
        # stops PostgreSQL logging the values themselves (log_parameter_max_length = 0).
        db.setdefault("OPTIONS", {})["server_side_binding"] = True
    elif db["ENGINE"] == "django.db.backends.sqlite3":
        # make run serves pages, sends email (db_worker) and runs review_staleness on one file.
        # WAL lets them read while one writes; a writer waits up to 20 s for another (the busy
        # timeout) rather than failing with "database is locked"; IMMEDIATE takes the write
        # lock as a transaction begins, so two writers queue instead of deadlocking.
        db.setdefault("OPTIONS", {}).update(
            {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
            }
        )
    return db


# SQLite is the zero-setup default; production sets DATABASE_URL to PostgreSQL.
DATABASES = {"default": database(env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"))}
# A streaming replica of the default (PostgreSQL) database, for anonymous public reads
# (directory/routers.py says which); unset, everything reads the default.
REPLICA_DATABASE_URL = env_str("REPLICA_DATABASE_URL")
if REPLICA_DATABASE_URL:
    DATABASES["replica"] = database(REPLICA_DATABASE_URL)
    if {db["ENGINE"] for db in DATABASES.values()} != {"django.db.backends.postgresql"}:
        raise ImproperlyConfigured(
            "REPLICA_DATABASE_URL is a streaming replica of DATABASE_URL: both are PostgreSQL"
        )
    # A test database has no replica: a test reads its own writes through the default.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["directory.routers.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The database cache, so that every app server (and worker) shares one: rate limits for
# sign-in, sign-up, password reset and reports must count across all of them. Its table
# is made by `migrate` (accounts/migrations/0001_cache_table.py).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "directory_cache",
        # It holds a rate-limit counter per client and minute: past Django's default of
        # 300 entries it would cull counters and let clients past their limits.
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Feeds are fetched from public addresses only; tests (and a feed on your own network)
# set this to fetch from private, loopback and link-local ones too.
FEEDS_ALLOW_PRIVATE = env_bool("FEEDS_ALLOW_PRIVATE", False)

# Where tests and benchmarks find the shared data (postcode districts, HSDS schemas).
SHARED_DIR = Path(env_str("SHARED_DIR", str(BASE_DIR.parent / "shared"))).resolve()

# --- Security -----------------------------------------------------------------
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers probe the health check over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
# Sending "preload" does not submit the domain; the operator does that, if at all.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
# Search URLs may hold a patient's postcode: never send them to other sites.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Anonymous sessions end with the browser and after 8 hours on the server (sessions.py);
# `manage.py clearsessions` (daily, from cron) deletes them.
SESSION_ENGINE = "directory.sessions"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"

SECURE_CSP: dict[str, list[str]] = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# The map beside the search results: a tile server, e.g. OpenStreetMap's (see the README
# for its usage policy), and the credit it asks for. Unset, the default: no map is shown
# and no page fetches anything from another site. Set, its host joins img-src.
MAP_TILE_URL = env_str("MAP_TILE_URL")
MAP_TILE_ATTRIBUTION = env_str("MAP_TILE_ATTRIBUTION")
if MAP_TILE_URL:
    if not MAP_TILE_ATTRIBUTION:
        raise ImproperlyConfigured("Set MAP_TILE_ATTRIBUTION too: tile providers require credit")
    SECURE_CSP["img-src"].append(map_tile_source(MAP_TILE_URL))

# --- Logging ------------------------------------------------------------------
# A clinician may type a patient's postcode: no log line may carry a query string.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"no_query_strings": {"()": "directory.logging.StripQueryStrings"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["no_query_strings"]},
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.request": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

# --- Email --------------------------------------------------------------------
_DEFAULT_MAIL_BACKEND = (
    "accounts.console.EmailBackend"  # prints the text, its links whole
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend"
)
_MAIL_BACKEND = env_str("EMAIL_BACKEND", _DEFAULT_MAIL_BACKEND)
_SMTP_OPTIONS = {
    "host": env_str("EMAIL_HOST", "localhost"),
    "port": env_int("EMAIL_PORT", 587),
    "username": env_str("EMAIL_HOST_USER"),
    "password": env_str("EMAIL_HOST_PASSWORD"),
    "use_tls": env_bool("EMAIL_USE_TLS", True),
    "use_ssl": env_bool("EMAIL_USE_SSL", False),
    "timeout": env_int("EMAIL_TIMEOUT", 30),
}
MAILERS = {
    "default": {
        "BACKEND": _MAIL_BACKEND,
        "OPTIONS": _SMTP_OPTIONS if _MAIL_BACKEND.endswith("smtp.EmailBackend") else {},
    }
}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "directory@example.org")
# The address pages give for "contact us" (privacy requests, a group taken down).
# A bare address, for mailto: links, even when the sender is "Name <address>".
CONTACT_EMAIL = parseaddr(env_str("CONTACT_EMAIL", DEFAULT_FROM_EMAIL))[1]
# Links in email: every message's links start here, never from a request's Host header.
SITE_URL = env_required("SITE_URL", f"http://127.0.0.1:{env_int('PORT', 8000)}")

# Email is sent by a task (accounts.tasks.deliver_email), queued in the database and run
# by `manage.py db_worker`, so a slow or failing mail server never holds up a request.
TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# --- Accounts (django-allauth) ------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "organisers:my_groups"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {"login": "accounts.forms.LoginForm", "signup": "accounts.forms.SignupForm"}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_USER_DISPLAY = "accounts.adapter.user_display"
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Mutual aid directory: "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# Rate limits are on (allauth's defaults, some tightened), counted in the shared cache.
# Failed sign-ins are throttled with growing delays instead (accounts/throttle.py).
ACCOUNT_RATE_LIMITS = {
    "signup": "10/h/ip",
    "reset_password": "10/h/ip,3/h/key",
}
# The proxies in front (addresses or networks, or "*" for any peer), the same setting
# gunicorn reads: only a request from one of them has its X-Forwarded-For believed, for
# the client address that rate limits count by (accounts/clients.py). Loopback by default:
# the proxy on the same host, with gunicorn listening on loopback only (BIND).
FORWARDED_ALLOW_IPS = env_networks("FORWARDED_ALLOW_IPS", ["127.0.0.1", "::1"])
if os.environ.get("TRUSTED_PROXY_COUNT"):
    raise ImproperlyConfigured(
        "TRUSTED_PROXY_COUNT is no longer read: set FORWARDED_ALLOW_IPS to the proxies' "
        "addresses instead (README, Configuration)"
    )
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# Two-factor secrets are encrypted in the database (accounts/mfa.py) with this key, never
# with SECRET_KEY. Comma-separated to rotate: the first encrypts, each decrypts. Make one
# with: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"
MFA_ADAPTER = "accounts.mfa.MFAAdapter"
MFA_ENCRYPTION_KEY = env_fernet_keys(
    "MFA_ENCRYPTION_KEY", "dev-only-mfa-key-never-in-production-000000="
)
MFA_TOTP_ISSUER = "Mutual aid directory"

# --- The directory ------------------------------------------------------------
SEARCH_PAGE_SIZE = 20
# A search counts its matches up to this many (or to the end of the page asked for): past
# it the API's count is a lower bound and the page says "more than 100 groups". An exact
# total reads every match, so its cost grew with the directory (bench/ANALYSIS.md).
SEARCH_COUNT_CAP = 100
DEFAULT_RADIUS_KM = 16.0
MAX_RADIUS_KM = 500.0
# How long each process keeps data that changes rarely but that nearly every request reads:
# the taxonomies (groups/taxonomy.py) and the evidence records that may count, behind the
# results' marker (evidence/summary.py). A change made in a process shows there at once.
MEMO_SECONDS = env_int("MEMO_SECONDS", 60)
# Per client (address) and bucket: (requests, seconds). Generous enough for a clinic
# whose staff all reach us through one proxy address: the JSON API (which the results
# page's map calls once per page) and the HSDS API share 300 a minute, 5 a second
# sustained; the CSV download of a search, which reads every page of results, 30.
# directory.access says which URLs count against which bucket.
PUBLIC_RATE_LIMITS = {"api": (300, 60), "export": (30, 60)}
# The staff CSV upload's dry run stops after this long (its import after twice as long),
# well inside gunicorn's timeout; larger files go through `manage.py import_groups`.
UPLOAD_SECONDS = env_int("UPLOAD_SECONDS", 10)
