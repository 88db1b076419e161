"""The audit page for auditors (审计员) and leaders: filters, pages of events, an Excel export."""

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from .export import audit_workbook
from .forms import AuditFilterForm, RevealForm
from .reveal import PERSONAL_FIELDS, masked_value, may_reveal, personal_field_reveal
from .selectors import audit_event_list, may_read_audit
from .services import audit_export_record

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _readable(request) -> AuditFilterForm:
    if not may_read_audit(user=request.user):
        raise PermissionDenied(_("Only an auditor or a leader reads the audit trail."))
    return AuditFilterForm(request.GET or None, user=request.user)


@login_required
def event_list(request):
    form = _readable(request)
    events = audit_event_list(user=request.user, filters=form.filters())
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/event_list.html", {"form": form, "page": page, "query": query.urlencode()})


@login_required
def event_export(request):
    form = _readable(request)
    filters = form.filters()
    events = audit_event_list(user=request.user, filters=filters)
    audit_export_record(actor=request.user, filters=form.cleaned_data if form.is_bound and form.is_valid() else {})
    response = HttpResponse(audit_workbook(events), content_type=XLSX)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.xlsx"'
    return response


@login_required
def reveal(request, model: str, pk: str, field: str):
    """Ask why, then show one masked value unmasked; the view is audited with the reason."""
    try:
        model_class = apps.get_model(model)
        obj = model_class._default_manager.get(pk=pk)
    except (LookupError, ValueError, ObjectDoesNotExist) as exc:
        raise Http404 from exc
    if (obj._meta.label_lower, field) not in PERSONAL_FIELDS or not may_reveal(user=request.user, obj=obj, field=field):
        raise PermissionDenied(_("Your role may not see this unmasked."))
    form = RevealForm(request.POST or None)
    value = None
    if request.method == "POST" and form.is_valid():
        value = personal_field_reveal(user=request.user, obj=obj, field=field, reason=form.cleaned_data["reason"])
    return render(request, "audit/reveal.html", {
        "form": form, "obj": obj, "value": value, "masked": masked_value(obj, field),
        "label": model_class._meta.get_field(field).verbose_name,
        "back": request.GET.get("next") if url_has_allowed_host_and_scheme(
            request.GET.get("next"), allowed_hosts={request.get_host()}) else ""})
