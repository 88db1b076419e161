"""Print the role table of docs/security.md from minsheng.org.access (the table the access test checks)."""

from django.core.management.base import BaseCommand

from minsheng.org.access import access_table_markdown


class Command(BaseCommand):
    help = "Print who may open each page and call each API endpoint, as Markdown (docs/security.md)."

    def handle(self, *args, **options):
        self.stdout.write(access_table_markdown())
