"""``minsheng notify_hotspot_outcomes``: tell everyone whose hotspot's project is done (safe to run repeatedly)."""

from django.core.management.base import BaseCommand

from minsheng.insight.services import hotspot_outcomes_notify


class Command(BaseCommand):
    help = "Record an outcome notification for every case behind a completed hotspot project (once each)."

    def handle(self, *args, **options):
        told = hotspot_outcomes_notify()
        self.stdout.write(f"{told} notification(s) recorded.")
