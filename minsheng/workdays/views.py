"""The calendar's pages: which years are official or provisional (staff), and entering a year's official
schedule from the State Council's notice, with a preview of every day it changes (administrators)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from minsheng.audit.services import client_ip
from minsheng.org.choices import PUBLIC_ROLES, Role
from minsheng.org.scope import user_scope
from minsheng.service_errors import add_service_errors

from .forms import NoticeForm
from .selectors import calendar_years
from .services import calendar_notice_enter, notice_preview


def _staff(request) -> None:
    scope = user_scope(request.user)
    if not scope.is_superuser and (not scope.roles or scope.roles <= PUBLIC_ROLES):
        raise PermissionDenied(_("Your role does not open this page."))


@login_required
def years(request):
    _staff(request)
    return render(request, "workdays/years.html", {
        "years": calendar_years(user=request.user),
        "is_admin": user_scope(request.user).has_role(Role.ADMIN),
    })


@login_required
def notice(request):
    """GET: the form. POST ``preview``: the days that would change, nothing stored. POST ``enter``: stored."""
    if not user_scope(request.user).has_role(Role.ADMIN):
        raise PermissionDenied(_("Only an administrator enters the holiday schedule."))
    form = NoticeForm(request.POST or None)
    changes = None
    if request.method == "POST" and form.is_valid():
        year, text = form.cleaned_data["year"], form.cleaned_data["text"]
        try:
            if "enter" in request.POST:
                changes = calendar_notice_enter(year=year, text=text, actor=request.user, ip=client_ip(request))
                messages.success(request, _(
                    "The %(year)s holiday schedule is official (%(n)s days changed). Open deadlines are being "
                    "recomputed in the background; each moved case records it.") % {"year": year, "n": len(changes)})
                return redirect("workdays:years")
            _exceptions, changes = notice_preview(year=year, text=text)
        except ValidationError as exc:
            add_service_errors(form, exc)
    return render(request, "workdays/notice.html", {"form": form, "changes": changes})
