"""Insight keeps only what it adds to the other systems: which hotspot became which project, and who was told."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import NotificationChannel


class HotspotProject(models.Model):
    """A hotspot of appeals turned into a livelihood project (source: a hotspot of appeals)."""

    hotspot_key = models.CharField(_("hotspot"), max_length=64, unique=True)
    project = models.OneToOneField("projects.Project", verbose_name=_("project"), on_delete=models.PROTECT,
                                   related_name="hotspot_link")
    place = models.ForeignKey("org.Region", verbose_name=_("place"), on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey("appeals.Category", verbose_name=_("category"), on_delete=models.PROTECT,
                                 related_name="+")
    # The cases of the hotspot when it was turned into a project (ids and their case numbers).
    appeal_ids = models.JSONField(_("case ids"), default=list)
    case_numbers = models.JSONField(_("case numbers"), default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Set once everyone who raised the cases has been told the project is done.
    notified_at = models.DateTimeField(_("outcome told at"), null=True, blank=True)

    class Meta:
        verbose_name = _("hotspot turned into a project")
        verbose_name_plural = _("hotspots turned into projects")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["notified_at"])]

    def __str__(self) -> str:
        return f"{self.hotspot_key} → {self.project_id}"


class Notification(models.Model):
    """One citizen told the outcome of one case they raised. Append-only: what was told stays told."""

    link = models.ForeignKey(HotspotProject, verbose_name=_("hotspot project"), on_delete=models.PROTECT,
                             related_name="notifications")
    appeal = models.ForeignKey("appeals.Appeal", verbose_name=_("appeal"), on_delete=models.PROTECT,
                               related_name="+")
    citizen = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("citizen account"), null=True,
                                blank=True, on_delete=models.PROTECT, related_name="insight_notifications")
    channel = models.CharField(_("channel"), max_length=16, choices=NotificationChannel.choices)
    message = models.TextField(_("message"))
    created_at = models.DateTimeField(_("told at"))

    class Meta:
        verbose_name = _("outcome notification")
        verbose_name_plural = _("outcome notifications")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["link", "appeal"], name="insight_notify_once_per_case")]
        indexes = [models.Index(fields=["citizen", "created_at"])]

    def __str__(self) -> str:
        return f"{self.appeal_id} · {self.get_channel_display()}"


class PublicFigures(models.Model):
    """The public page's figures for one year, recomputed from the records by a periodic task.

    Counting a whole year of a big city's cases takes seconds; the page is open to everyone, so it
    shows the last computation with its time instead of counting on every visit.
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    figures = models.JSONField(_("figures"))
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("public figures")
        verbose_name_plural = _("public figures")
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year} @ {self.computed_at:%Y-%m-%d %H:%M}"
