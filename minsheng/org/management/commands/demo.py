"""``minsheng demo``: a fresh database with Foshan, built through the real services.

Each app that has a ``demo.py`` contributes, in the order below, with
``load(*, stdout, rng, scale, foshan)``; the organisation comes first and the others build on it.
"""

import random
import time
from importlib import import_module

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from minsheng.org import demo as org_demo

APP_ORDER = ["appeals", "projects", "subsidies", "insight"]


class Command(BaseCommand):
    help = "Create a fresh demo database with Foshan's regions, units, accounts and each system's data."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            choices=["small", "full"],
            default="full",
            help="small: a quick data set for tests; full: the demo as shown to people",
        )
        parser.add_argument("--seed", type=int, default=20261128, help="random seed, for a repeatable demo")
        parser.add_argument("--keep", action="store_true", help="do not wipe the database first")

    def handle(self, *args, scale: str, seed: int, keep: bool, **options):
        if not keep:
            self._wipe()
        started = time.monotonic()
        rng = random.Random(seed)
        self.stdout.write("Working-day calendar …")
        from minsheng.workdays.services import calendar_seed

        calendar_seed()
        self.stdout.write("Foshan: regions, units, accounts …")
        foshan = org_demo.load(stdout=self.stdout, rng=rng, scale=scale)
        self.stdout.write("")
        for label in APP_ORDER:
            try:
                module = import_module(f"minsheng.{label}.demo")
            except ModuleNotFoundError as exc:
                if exc.name == f"minsheng.{label}.demo":
                    continue
                raise
            self.stdout.write(f"{label} …")
            app_started = time.monotonic()
            module.load(stdout=self.stdout, rng=rng, scale=scale, foshan=foshan)
            self.stdout.write(f"  ({time.monotonic() - app_started:.1f} s)")
        self.stdout.write(self.style.SUCCESS(f"Demo ready in {time.monotonic() - started:.0f} s."))
        self._print_accounts(foshan)

    def _wipe(self) -> None:
        if not settings.DEBUG and not getattr(settings, "MINSHENG_ALLOW_WIPE", False):
            raise CommandError("The demo wipes the database: run it with DEBUG=1 (or --keep).")
        with self.settings_allowing_wipe():
            call_command("migrate", verbosity=0, interactive=False)
            call_command("createcachetable", verbosity=0)
            call_command("flush", verbosity=0, interactive=False)

    def settings_allowing_wipe(self):
        from django.test.utils import override_settings

        return override_settings(MINSHENG_ALLOW_WIPE=True)

    def _print_accounts(self, foshan) -> None:
        self.stdout.write("")
        self.stdout.write(f"Demo accounts (password for all: {org_demo.DEMO_PASSWORD}) on {connection.vendor}:")
        width = max(len(username) for username, _, _ in foshan.accounts)
        for username, role, where in foshan.accounts:
            self.stdout.write(f"  {username.ljust(width)}  {role}{'  · ' + where if where else ''}")
