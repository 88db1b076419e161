"""``minsheng periodic``: enqueue each app's periodic tasks on their intervals.

An app lists its periodic work in ``tasks.py`` as ``PERIODIC = [(task, every_seconds), …]``.
This command only enqueues (the task backend runs them: ``minsheng db_worker``), so it stays
light and one instance is enough. ``--once`` enqueues everything once and exits — for cron or a
systemd timer instead of the loop.
"""

import time
from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand


def periodic_tasks() -> list[tuple[object, int]]:
    found = []
    for app in settings.INSTALLED_APPS:
        if not app.startswith("minsheng."):
            continue
        try:
            module = import_module(f"{app}.tasks")
        except ModuleNotFoundError as exc:
            if exc.name == f"{app}.tasks":
                continue
            raise
        found.extend(getattr(module, "PERIODIC", []))
    return found


class Command(BaseCommand):
    help = "Enqueue the apps' periodic tasks (deadline warnings, snapshots, notifications) on their intervals."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="enqueue every periodic task once and exit")
        parser.add_argument("--run-now", action="store_true", help="with --once: run in this process, not enqueue")

    def handle(self, *args, once: bool, run_now: bool, **options):
        tasks = periodic_tasks()
        if not tasks:
            self.stdout.write("No periodic tasks are declared.")
            return
        next_due = {index: 0.0 for index in range(len(tasks))}
        while True:
            now = time.monotonic()
            for index, (task, every) in enumerate(tasks):
                if once or now >= next_due[index]:
                    self._start(task, run_now=run_now and once)
                    next_due[index] = now + every
            if once:
                return
            time.sleep(max(1.0, min(next_due.values()) - time.monotonic()))

    def _start(self, task, *, run_now: bool) -> None:
        name = getattr(task, "name", repr(task))
        if run_now:
            result = task.call()
            self.stdout.write(f"ran {name}: {result}")
        else:
            task.enqueue()
            self.stdout.write(f"enqueued {name}")
