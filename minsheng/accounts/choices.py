"""Accounts vocabulary: how a password came to be set."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PasswordSetBy(models.TextChoices):
    CHANGE = "change", _("Changed by its holder")
    RESET = "reset", _("Reset with a one-time code")
    EXPIRED = "expired", _("Changed after it expired")
