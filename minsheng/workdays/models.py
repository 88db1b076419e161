"""One row per date (is it a working day, which holiday or make-up day, official or provisional), and
one row per year saying whether the State Council's schedule for it has been entered."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Day(models.Model):
    date = models.DateField(_("date"), primary_key=True)
    is_workday = models.BooleanField(_("working day"))
    name = models.CharField(_("holiday or make-up day"), max_length=50, blank=True)
    provisional = models.BooleanField(
        _("provisional"), default=False,
        help_text=_("Set by the provisional rule (weekends and statutory holidays) until the official schedule."))
    source = models.CharField(_("source"), max_length=30, blank=True,
                              help_text=_("chinesecalendar, import, notice, provisional or admin"))
    changed_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {'班' if self.is_workday else '休'} {self.name}".strip()


class CalendarYear(models.Model):
    """A year of the calendar: official (the State Council's schedule entered) or provisional."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    provisional = models.BooleanField(_("provisional"))
    source = models.CharField(_("source"), max_length=30, blank=True)
    since = models.DateTimeField(_("in this state since"))

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year} {'临时' if self.provisional else '正式'}"
