"""Settings for the test suite: production-like (DEBUG off) with a test secret and fast hashing."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SECURE_COOKIES", "false")
os.environ.setdefault("LOG_TO_FILE", "false")  # tests log to the console only
os.environ.setdefault("MINSHENG_VAR_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "var", "test"))

from .settings import *  # noqa: F403
from .settings import STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
AXES_ENABLED = True
# Transactional tests wipe the database between tests: allow it to lift append-only guards.
MINSHENG_ALLOW_WIPE = True
# One process per test run: an in-memory cache (the database cache needs a table and DB access).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Tests switch keys and users off through the ORM and expect the next request to see it.
MINSHENG_API_KEY_CACHE_SECONDS = 0
# Tests travel in time with signed-in clients: the idle timeout and password expiry are tested on their own.
MINSHENG_SESSION_IDLE_MINUTES = 0
MINSHENG_PASSWORD_MAX_AGE_DAYS = 0
# The whole suite calls the public API from one address: no limits, except in the tests of the limits.
MINSHENG_RATE_LIMITS = {}
