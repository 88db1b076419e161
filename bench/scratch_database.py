"""A fresh, migrated scratch database for a benchmark that runs Django in its own process: a new
PostgreSQL database on this machine's server (dropped first if a previous run left it), or a SQLite
file in a new temporary directory."""

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = "postgres://postgres@127.0.0.1:5432"


def django_on_scratch_database(database: str, *, name: str) -> None:
    """Point Django at a new ``database`` ("postgres": database ``name``; "sqlite": a temporary file),
    set it up and migrate it."""
    sys.path.insert(0, str(ROOT))
    os.environ["DEBUG"] = "1"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if database == "postgres":
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            admin.execute(f"CREATE DATABASE {name}")
        os.environ["DATABASE_URL"] = f"{PG_SERVER}/{name}"
    else:
        os.environ["MINSHENG_VAR_DIR"] = tempfile.mkdtemp(prefix=f"{name}-")
        os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "minsheng.config.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
