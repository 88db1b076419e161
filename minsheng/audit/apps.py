from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "minsheng.audit"
    label = "audit"
    verbose_name = _("Audit")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

        from .receivers import on_user_logged_in, on_user_logged_out, on_user_login_failed

        user_logged_in.connect(on_user_logged_in, dispatch_uid="audit.login")
        user_logged_out.connect(on_user_logged_out, dispatch_uid="audit.logout")
        user_login_failed.connect(on_user_login_failed, dispatch_uid="audit.login_failed")
