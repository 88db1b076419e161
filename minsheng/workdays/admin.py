from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minsheng.audit.services import client_ip

from .models import CalendarYear, Day
from .selectors import calendar_coverage_warning
from .services import calendar_import, day_set


class ScheduleUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Schedule file"),
        help_text=gettext_lazy(
            "UTF-8 text, one line per exception to the weekday rule: date,work|rest,name — "
            "e.g. 2027-02-07,work,春节调休. Every day of each year named is replaced."
        ),
    )


@admin.register(Day)
class DayAdmin(admin.ModelAdmin):
    list_display = ["date", "is_workday", "name", "provisional", "source", "changed_at"]
    list_filter = ["is_workday", "provisional", "source"]
    search_fields = ["name"]
    date_hierarchy = "date"
    readonly_fields = ["provisional", "source", "changed_at"]
    change_list_template = "admin/workdays/day/change_list.html"

    def save_model(self, request, obj, form, change):
        # Edits go through the service: audited, and open deadlines are recomputed.
        day_set(actor=request.user, date=obj.date, is_workday=obj.is_workday, name=obj.name, ip=client_ip(request))

    def has_delete_permission(self, request, obj=None):
        return False  # a hole in the calendar would make deadlines fail; change the day instead

    def changelist_view(self, request, extra_context=None):
        warning = calendar_coverage_warning()
        if warning:
            self.message_user(request, warning, level=messages.WARNING)
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="workdays_day_import"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        form = ScheduleUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                text = form.cleaned_data["file"].read().decode("utf-8-sig")
                stored = calendar_import(text=text, actor=request.user, ip=client_ip(request))
            except UnicodeDecodeError:
                form.add_error("file", _("The file is not UTF-8 text."))
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error("file", message)
            else:
                self.message_user(
                    request, _("Imported years: %(years)s.") % {"years": ", ".join(map(str, stored))}, messages.SUCCESS
                )
                return redirect("admin:workdays_day_changelist")
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "opts": self.model._meta,
            "title": _("Import a holiday schedule"),
        }
        return render(request, "admin/workdays/day/import.html", context)


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    """Read-only: a year becomes official through the import or the notice page, never by a tick box."""

    list_display = ["year", "provisional", "source", "since"]
    list_filter = ["provisional"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
