"""What the accounts policies remember: past passwords, and who came in through single sign-on."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import PasswordSetBy


class PasswordRecord(models.Model):
    """One password a person set, kept as its hash: the newest says when it expires, the last N
    may not be used again (MINSHENG_PASSWORD_HISTORY)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="password_records"
    )
    password_hash = models.CharField(max_length=128)
    set_by = models.CharField(_("set by"), max_length=16, choices=PasswordSetBy.choices)
    created_at = models.DateTimeField(_("set at"))

    class Meta:
        verbose_name = _("password record")
        verbose_name_plural = _("password records")
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_set_by_display()}"


class SsoIdentity(models.Model):
    """The person the city's identity provider knows by ``subject`` (the ``sub`` claim)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="sso_identity"
    )
    subject = models.CharField(_("subject identifier"), max_length=255, unique=True)
    last_login_at = models.DateTimeField(_("last sign-in"), null=True, blank=True)

    class Meta:
        verbose_name = _("single sign-on identity")
        verbose_name_plural = _("single sign-on identities")

    def __str__(self) -> str:
        return f"{self.user} ({self.subject})"


class SsoMembership(models.Model):
    """A role membership that the claim rules granted: it is ended when the claims stop giving it.
    Memberships granted by hand are never touched by a sign-on."""

    membership = models.OneToOneField(
        "org.Membership", verbose_name=_("role membership"), on_delete=models.CASCADE, related_name="sso"
    )

    class Meta:
        verbose_name = _("role membership from single sign-on")
        verbose_name_plural = _("role memberships from single sign-on")

    def __str__(self) -> str:
        return str(self.membership)
