"""minsheng settings: one module, driven by environment variables.

SQLite under var/ by default; DATABASE_URL selects PostgreSQL. Production (DEBUG off) refuses
to start without SECRET_KEY and ALLOWED_HOSTS.
"""

import json
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from minsheng.audit.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PACKAGE_DIR = BASE_DIR / "minsheng"


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS")

if not DEBUG:
    if not SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (生产模式必须设置 SECRET_KEY)")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off (生产模式必须设置 ALLOWED_HOSTS)")
else:
    SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-never-use-in-production"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]", "testserver"]

VAR_DIR = Path(os.environ.get("MINSHENG_VAR_DIR", BASE_DIR / "var"))

INSTALLED_APPS = [
    "minsheng.org",
    "minsheng.workdays",
    "minsheng.audit",
    "minsheng.appeals",
    "minsheng.projects",
    "minsheng.ledger",
    "minsheng.subsidies",
    "minsheng.insight",
    "minsheng.notifications",
    "minsheng.accounts",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "mozilla_django_oidc",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "minsheng.audit.services.ClientAddressMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "minsheng.accounts.middleware.RateLimitMiddleware",
    "minsheng.accounts.middleware.AccountPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    "minsheng.service_errors.DomainErrorMiddleware",
]

ROOT_URLCONF = "minsheng.config.urls"
WSGI_APPLICATION = "minsheng.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "minsheng.org.context_processors.roles",
                "minsheng.accounts.context_processors.sso",
            ],
        },
    },
]

# --- database ---------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'minsheng.sqlite3'}",
        conn_max_age=envint("DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the demo's web process and worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# SQLite ignores covering-index INCLUDE columns (they are for PostgreSQL); that is expected, not a problem.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# --- auth and security ------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
# How long a process trusts an API key it has verified (org.services.api_key_user); 0: check every request.
MINSHENG_API_KEY_CACHE_SECONDS = envint("MINSHENG_API_KEY_CACHE_SECONDS", 5)
AXES_COOLOFF_TIME = envint("AXES_COOLOFF_MINUTES", 30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True

# --- accounts for civil servants (docs/accounts.md) ------------------------------------
# A signed-in session unused for this many minutes ends (0: never).
MINSHENG_SESSION_IDLE_MINUTES = envint("MINSHENG_SESSION_IDLE_MINUTES", 30)
# A password older than this many days must be changed before anything else (0: never expires);
# the last N passwords of a person cannot be used again (0: no history).
MINSHENG_PASSWORD_MAX_AGE_DAYS = envint("MINSHENG_PASSWORD_MAX_AGE_DAYS", 90)
MINSHENG_PASSWORD_HISTORY = envint("MINSHENG_PASSWORD_HISTORY", 5)
# Staff (every role but citizen and enterprise user) must pass a TOTP second factor after the password.
# Off in the demo; switch it on in production. A sign-on through the city's identity provider counts as
# two factors when MINSHENG_2FA_TRUST_SSO is on (the provider runs its own second factor).
MINSHENG_STAFF_2FA_REQUIRED = envbool("MINSHENG_STAFF_2FA_REQUIRED", False)
MINSHENG_2FA_TRUST_SSO = envbool("MINSHENG_2FA_TRUST_SSO", True)
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "minsheng")
# Requests per caller address (django-ratelimit, counted in the cache): the anonymous API (Open311 and every
# endpoint open without a login), the public follow-by-query-code page, and password-reset code requests.
MINSHENG_RATE_LIMITS = {
    "public_api": "60/m",
    "appeal_follow": "20/m",
    "password_reset": "10/h",
    **json.loads(os.environ.get("MINSHENG_RATE_LIMITS", "{}")),
}
RATELIMIT_USE_CACHE = "default"

# Single sign-on through the city's OpenID Connect provider (mozilla-django-oidc); on when a client id is set.
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
OIDC_OP_ISSUER = os.environ.get("OIDC_OP_ISSUER", "").rstrip("/")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", f"{OIDC_OP_ISSUER}/auth")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_OP_TOKEN_ENDPOINT", f"{OIDC_OP_ISSUER}/token")
OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_OP_USER_ENDPOINT", f"{OIDC_OP_ISSUER}/me")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", f"{OIDC_OP_ISSUER}/jwks")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = os.environ.get("OIDC_RP_SCOPES", "openid email profile groups")
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:sso_callback"
OIDC_CREATE_USER = True
LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/"
OIDC_STORE_ID_TOKEN = False
OIDC_USE_PKCE = True
MINSHENG_OIDC_USERNAME_CLAIM = os.environ.get("MINSHENG_OIDC_USERNAME_CLAIM", "preferred_username")
# Roles from claims, applied at every sign-on: a list of {"claim", "value", "role", "unit", "region"}
# (unit and region by code). A person gets each rule's role whose claim holds the value (a string or a
# list of strings); a role a rule gave before and the claims no longer give is ended.
MINSHENG_OIDC_ROLE_RULES = json.loads(os.environ.get("MINSHENG_OIDC_ROLE_RULES", "[]"))
if OIDC_RP_CLIENT_ID:
    AUTHENTICATION_BACKENDS.append("minsheng.accounts.oidc.CityOidcBackend")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 8 * 3600)
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-free meta tag; kept default
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

if not DEBUG:
    SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = envbool("SECURE_COOKIES", True)
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

# Content-Security-Policy: everything from our own origin, no inline scripts anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- i18n -------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_TZ = True

# --- static and uploaded files ----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Front-end packages installed from npm at set-up time (ECharts); never committed.
NODE_MODULES_DIR = BASE_DIR / "node_modules"
if (NODE_MODULES_DIR / "echarts" / "dist").is_dir():
    STATICFILES_DIRS.append(("vendor/echarts", NODE_MODULES_DIR / "echarts" / "dist"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# --- cache: shared by all processes (periodic warm-ups reach every web process) ---------
CACHES = {
    "default": {
        "BACKEND": os.environ.get("CACHE_BACKEND", "django.core.cache.backends.db.DatabaseCache"),
        "LOCATION": os.environ.get("CACHE_LOCATION", "minsheng_cache"),
    }
}

# --- background work --------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# --- logging ----------------------------------------------------------------------------
# Structured JSON lines (minsheng.audit.logs.JsonFormatter) to the console and to a file under LOG_DIR,
# rotated at midnight and kept LOG_RETENTION_DAYS days (等保 level 3 asks for at least 180). The audit
# trail itself is the database table; the "minsheng.audit" logger copies each event to this log too.
LOG_DIR = Path(os.environ.get("LOG_DIR", VAR_DIR / "log"))
LOG_RETENTION_DAYS = envint("LOG_RETENTION_DAYS", 180)
LOGGING = logging_config(
    directory=LOG_DIR if envbool("LOG_TO_FILE", True) else None,
    retention_days=LOG_RETENTION_DAYS,
    level=os.environ.get("LOG_LEVEL", "INFO"),
)

# --- audit and disclosure (docs/audit.md, docs/disclosure.md) ---------------------------
# Addresses of the reverse proxies whose X-Forwarded-For is believed (IPs or CIDR networks). From any
# other address the header is ignored and the connecting address is the client's.
MINSHENG_TRUSTED_PROXIES = envlist("MINSHENG_TRUSTED_PROXIES")
# Revealing a masked phone or account number asks why; the reason goes into the audit event.
MINSHENG_REVEAL_REASON_REQUIRED = envbool("MINSHENG_REVEAL_REASON_REQUIRED", True)
# Public outputs round coordinates to this many decimal places (2 ≈ 1 km, 3 ≈ 100 m).
MINSHENG_DISCLOSURE_COORDINATE_DECIMALS = envint("MINSHENG_DISCLOSURE_COORDINATE_DECIMALS", 2)

# --- minsheng domain settings -----------------------------------------------------------
MINSHENG_CITY_NAME = os.environ.get("MINSHENG_CITY_NAME", _("Foshan"))
# Case numbers start with the city prefix: FS20261128000123.
MINSHENG_CASE_PREFIX = os.environ.get("MINSHENG_CASE_PREFIX", "FS")
# Bank reconciliation (docs/ledger.md): a payment on no bank statement this many calendar days after
# it was sent goes on the exceptions queue; statement files are refused above these sizes; the
# payment code may name a callable (dotted path) told the references of payments the bank returned.
MINSHENG_RECONCILIATION_OVERDUE_DAYS = envint("MINSHENG_RECONCILIATION_OVERDUE_DAYS", 3)
MINSHENG_STATEMENT_MAX_BYTES = envint("MINSHENG_STATEMENT_MAX_BYTES", 128 * 1024 * 1024)
MINSHENG_STATEMENT_MAX_LINES = envint("MINSHENG_STATEMENT_MAX_LINES", 200_000)
# Called with the references of payments a bank statement shows returned: the policy-funds app marks their grants
# returned and tells the enterprises (subsidies/services/returns.py).
MINSHENG_PAYMENT_RETURNED_HOOK = os.environ.get("MINSHENG_PAYMENT_RETURNED_HOOK",
                                                "minsheng.subsidies.services.returns.grant_payments_returned")
# Payments: the bank adapter (dotted path) and its options (JSON); the default simulated bank runs offline.
MINSHENG_BANK_ADAPTER = os.environ.get("MINSHENG_BANK_ADAPTER", "minsheng.ledger.bank.SimulatedBank")
MINSHENG_BANK_OPTIONS = json.loads(os.environ.get("MINSHENG_BANK_OPTIONS", "{}"))
# Livelihood projects' red/yellow/green warnings (docs/projects.md): yellow when progress is more than
# YELLOW points behind the plan or a date falls due within SOON working days; red at RED points behind.
PROJECTS_WARNING_YELLOW_GAP_POINTS = envint("PROJECTS_WARNING_YELLOW_GAP_POINTS", 5)
PROJECTS_WARNING_RED_GAP_POINTS = envint("PROJECTS_WARNING_RED_GAP_POINTS", 25)
PROJECTS_WARNING_SOON_WORKING_DAYS = envint("PROJECTS_WARNING_SOON_WORKING_DAYS", 10)
# Policy funds: the most any grant may be, whatever its rule computes (the city pays at most
# 100,000,000 yuan per enterprise a year); a rule whose amount is a larger number is refused.
SUBSIDIES_MAX_GRANT_YUAN = envint("SUBSIDIES_MAX_GRANT_YUAN", 100_000_000)
# ledger_check() also runs these apps' comparisons of their records with the ledger (dotted paths).
LEDGER_CHECKS = ["minsheng.subsidies.checks.grant_ledger_problems"]
# Policy funds: an enterprise that owes money back under a policy (追回) gets no new offer of that policy
# until it has repaid in full.
SUBSIDIES_BAR_UNTIL_RECOVERED = envbool("SUBSIDIES_BAR_UNTIL_RECOVERED", True)
# An objection to a refusal (申诉) within this many working days of the refusal; 0: no deadline.
SUBSIDIES_OBJECTION_WORKING_DAYS = envint("SUBSIDIES_OBJECTION_WORKING_DAYS", 0)
# Evidence attached to an objection: images or PDFs (sniffed from their content), this many, this large.
SUBSIDIES_OBJECTION_MAX_FILES = envint("SUBSIDIES_OBJECTION_MAX_FILES", 5)
SUBSIDIES_OBJECTION_MAX_BYTES = envint("SUBSIDIES_OBJECTION_MAX_BYTES", 10 * 1024 * 1024)
# The finance system's account codes for the accounting vouchers (记账凭证) of policy funds, used for
# every policy that does not set its own (政府会计制度 numbering; change them to the city's chart).
SUBSIDIES_VOUCHER_ACCOUNTS = json.loads(os.environ.get("SUBSIDIES_VOUCHER_ACCOUNTS", "{}")) or {
    "expenditure": "7101",  # budget expenditure (行政支出)
    "payable": "2307",  # payable to enterprises (其他应付款)
    "bank": "1011",  # the budget's bank account (零余额账户用款额度)
    "receivable": "1218",  # money owed back (其他应收款)
    "funding": "4001",  # funding from the treasury (财政拨款收入)
}
# Warn administrators this many days before a year whose holiday schedule is still provisional begins.
WORKDAYS_WARN_DAYS_BEFORE_END = envint("WORKDAYS_WARN_DAYS_BEFORE_END", 61)
# The stored calendar reaches this many years past the current one (provisional years until the
# State Council's schedule is entered); a daily task keeps it there.
WORKDAYS_YEARS_AHEAD = envint("WORKDAYS_YEARS_AHEAD", 5)
AUTH_USER_MODEL = "org.User"

# --- notifications (docs/notifications.md) ----------------------------------------------
# Which provider carries each channel (dotted paths); NOTIFICATIONS_PROVIDERS (JSON) overrides some or all.
# The default writes text messages, e-mails and WeChat messages to a file: the demo runs offline.
NOTIFICATIONS_PROVIDERS = {
    "sms": "minsheng.notifications.providers.log.LogProvider",
    "email": "minsheng.notifications.providers.log.LogProvider",
    "wechat": "minsheng.notifications.providers.log.LogProvider",
    "site": "minsheng.notifications.providers.inbox.InboxProvider",
    **json.loads(os.environ.get("NOTIFICATIONS_PROVIDERS", "{}")),
}
NOTIFICATIONS_LOG_FILE = Path(os.environ.get("NOTIFICATIONS_LOG_FILE", VAR_DIR / "notifications.log"))
# The sign-off every text message carries, 【佛山12345】 (it must match the signature approved at the gateway).
NOTIFICATIONS_SMS_SIGNATURE = os.environ.get("NOTIFICATIONS_SMS_SIGNATURE", "佛山12345")
# Non-urgent text messages queued from START to END (city time, whole hours) wait for END.
NOTIFICATIONS_SMS_QUIET_START_HOUR = envint("NOTIFICATIONS_SMS_QUIET_START_HOUR", 22)
NOTIFICATIONS_SMS_QUIET_END_HOUR = envint("NOTIFICATIONS_SMS_QUIET_END_HOUR", 8)
# Attempts per message; the wait after the n-th failure is BASE × 2^(n-1) seconds, at most MAX.
NOTIFICATIONS_MAX_ATTEMPTS = envint("NOTIFICATIONS_MAX_ATTEMPTS", 6)
NOTIFICATIONS_RETRY_BASE_SECONDS = envint("NOTIFICATIONS_RETRY_BASE_SECONDS", 60)
NOTIFICATIONS_RETRY_MAX_SECONDS = envint("NOTIFICATIONS_RETRY_MAX_SECONDS", 3600)
# A send that has not recorded its outcome after this long is presumed dead (longer than any provider time-out).
NOTIFICATIONS_SEND_LEASE_SECONDS = envint("NOTIFICATIONS_SEND_LEASE_SECONDS", 300)
# One-time codes: lifetime, wrong tries allowed, and per mobile number at most one per RESEND and DAILY a day.
NOTIFICATIONS_OTP_TTL_SECONDS = envint("NOTIFICATIONS_OTP_TTL_SECONDS", 300)
NOTIFICATIONS_OTP_MAX_WRONG = envint("NOTIFICATIONS_OTP_MAX_WRONG", 5)
NOTIFICATIONS_OTP_RESEND_SECONDS = envint("NOTIFICATIONS_OTP_RESEND_SECONDS", 60)
NOTIFICATIONS_OTP_DAILY_LIMIT = envint("NOTIFICATIONS_OTP_DAILY_LIMIT", 10)
# Alibaba Cloud SMS (providers/aliyun.py). Use a RAM user's key that may only send SMS.
NOTIFICATIONS_ALIYUN_SMS = {
    "endpoint": os.environ.get("NOTIFICATIONS_ALIYUN_ENDPOINT", "https://dysmsapi.aliyuncs.com/"),
    "access_key_id": os.environ.get("NOTIFICATIONS_ALIYUN_ACCESS_KEY_ID", ""),
    "access_key_secret": os.environ.get("NOTIFICATIONS_ALIYUN_ACCESS_KEY_SECRET", ""),
    "region_id": os.environ.get("NOTIFICATIONS_ALIYUN_REGION_ID", "cn-hangzhou"),
    "timeout": envint("NOTIFICATIONS_ALIYUN_TIMEOUT_SECONDS", 10),
}
# WeChat Official Account template messages (providers/wechat.py).
NOTIFICATIONS_WECHAT = {
    "api_base": os.environ.get("NOTIFICATIONS_WECHAT_API_BASE", "https://api.weixin.qq.com"),
    "app_id": os.environ.get("NOTIFICATIONS_WECHAT_APP_ID", ""),
    "app_secret": os.environ.get("NOTIFICATIONS_WECHAT_APP_SECRET", ""),
    "timeout": envint("NOTIFICATIONS_WECHAT_TIMEOUT_SECONDS", 10),
}
# Delivery receipts pushed by the SMS gateway reach /notifications/receipts/aliyun/<token>/; empty: no endpoint.
NOTIFICATIONS_RECEIPT_TOKEN = os.environ.get("NOTIFICATIONS_RECEIPT_TOKEN", "")
# E-mail (providers/smtp.py): Django's SMTP settings.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "12345@minsheng.invalid")

# Projects: from this day of the month, lead units whose projects have no report for the month are told
# (in-site message, once per project and month); the cadence page lists them all month.
PROJECTS_REPORT_DUE_DAY = envint("PROJECTS_REPORT_DUE_DAY", 25)
