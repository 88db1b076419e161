from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "minsheng.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self):
        # The project-wide ``__any_of`` lookup (minsheng/lookups.py), registered once the app
        # registry is up, whichever module uses it first.
        from minsheng import lookups  # noqa: F401
