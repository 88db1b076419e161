"""One row per date: is it a working day, and which holiday or make-up day it is."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Day(models.Model):
    date = models.DateField(_("date"), primary_key=True)
    is_workday = models.BooleanField(_("working day"))
    name = models.CharField(_("holiday or make-up day"), max_length=50, blank=True)
    source = models.CharField(_("source"), max_length=30, blank=True, help_text=_("chinesecalendar, import or admin"))
    changed_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {'班' if self.is_workday else '休'} {self.name}".strip()
