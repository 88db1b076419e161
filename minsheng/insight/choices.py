"""Insight vocabulary: how a citizen is told, the place levels hotspots group by, report periods."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationChannel(models.TextChoices):
    ACCOUNT = "account", _("Message to their account")
    SMS = "sms", _("Text message to the mobile on the case")
    NONE = "none", _("No contact left (anonymous)")


class PlaceLevel(models.TextChoices):
    GRID = "grid", _("Grid")
    COMMUNITY = "community", _("Community")
    TOWN = "town", _("Town / street")


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
