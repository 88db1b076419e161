from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "minsheng.projects"
    label = "projects"
    verbose_name = _("Livelihood projects")

    def ready(self) -> None:
        from minsheng.workdays.services import calendar_changed

        from .receivers import on_calendar_changed

        calendar_changed.connect(on_calendar_changed, dispatch_uid="projects.recompute_warnings")
