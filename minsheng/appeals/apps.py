from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppealsConfig(AppConfig):
    name = "minsheng.appeals"
    label = "appeals"
    verbose_name = _("Appeals")

    def ready(self) -> None:
        from minsheng.workdays.services import calendar_changed

        from .receivers import on_calendar_changed

        calendar_changed.connect(on_calendar_changed, dispatch_uid="appeals.recompute_deadlines")
