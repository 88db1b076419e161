"""Reconciliation pages for funds officers (supervisors and leaders read): the overview, the
statement upload, a statement's lines, the exceptions queue and its actions, the payments, and the
daily report (page and CSV). Thin: read through the selectors, act through one service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minsheng.conflicts import Conflict
from minsheng.service_errors import add_service_errors

from ..choices import ExceptionKind, ExceptionState, LineDirection, PaymentState
from . import queue, selectors
from .forms import (
    ExceptionFilterForm,
    LineFilterForm,
    MatchForm,
    NoteForm,
    PaymentFilterForm,
    ReportForm,
    ReturnForm,
    StatementUploadForm,
)
from .imports import statement_import
from .report import reconciliation_daily, report_csv

PAGE_SIZE = 50


def _reader(request) -> bool:
    """403 unless the user reads reconciliation; whether they may also act."""
    if not selectors.reconciliation_readable(request.user):
        raise PermissionDenied
    return selectors.reconciliation_writable(request.user)


def _writer(request) -> None:
    if not _reader(request):
        raise PermissionDenied(_("Only funds officers import statements and act on exceptions."))


def _found(selector, **kwargs):
    try:
        return selector(**kwargs)
    except ObjectDoesNotExist:
        raise Http404 from None


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@login_required
def overview(request):
    can_act = _reader(request)
    counts = selectors.open_exception_counts(user=request.user)
    return render(request, "ledger/reconciliation/overview.html", {
        "can_act": can_act,
        "outstanding": selectors.outstanding_totals(user=request.user),
        "open_counts": [(value, label, counts.get(value, 0)) for value, label in ExceptionKind.choices],
        "open_total": sum(counts.values()),
        "to_repay": selectors.payments_to_repay(user=request.user).count(),
        "statements": selectors.statement_list(user=request.user)[:10],
    })


@login_required
def statement_upload(request):
    _writer(request)
    form = StatementUploadForm(request.POST, request.FILES) if request.method == "POST" else StatementUploadForm()
    rejected_file = ""
    if request.method == "POST" and form.is_valid():
        content, file_name = form.content()
        try:
            result = statement_import(
                content=content, actor=request.user, file_name=file_name,
                format=form.cleaned_data["format"] or None, statement_id=form.cleaned_data["statement_id"],
                account_no=form.cleaned_data["account_no"])
        except ValidationError as exc:
            add_service_errors(form, exc)
            rejected_file = file_name
        except Conflict as exc:
            form.add_error(None, str(exc))
            rejected_file = file_name
        else:
            if result.created:
                messages.success(request, _(
                    "Statement imported: %(settled)s payments settled, %(returned)s returned, "
                    "%(exceptions)s lines on the exceptions queue.") % {
                    "settled": result.settled, "returned": result.returned, "exceptions": result.exceptions})
            else:
                messages.info(request, _("This statement was imported already; nothing was changed."))
            return redirect("ledger:statement", pk=result.statement.pk)
    elif request.method == "POST" and request.FILES.get("file"):
        rejected_file = request.FILES["file"].name
    status = 400 if request.method == "POST" else 200
    return render(request, "ledger/reconciliation/upload.html", {"form": form, "rejected_file": rejected_file},
                  status=status)


@login_required
def statement(request, pk: int):
    _reader(request)
    found = _found(selectors.statement_get, user=request.user, pk=pk)
    form = LineFilterForm(request.GET or None)
    outcome = form.cleaned_data.get("outcome") if form.is_valid() else None
    lines = selectors.statement_lines(user=request.user, statement=found, outcome=outcome or None)
    page = Paginator(lines, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "ledger/reconciliation/statement.html", {
        "statement": found, "form": form, "page": page, "query": _query_without_page(request)})


@login_required
def exceptions(request):
    can_act = _reader(request)
    data = request.GET if request.GET else {"state": ExceptionState.OPEN}
    form = ExceptionFilterForm(data)
    filters = form.cleaned_data if form.is_valid() else {}
    queue_rows = selectors.exception_list(user=request.user, state=filters.get("state") or None,
                                          kind=filters.get("kind") or None)
    page = Paginator(queue_rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "ledger/reconciliation/exceptions.html", {
        "form": form, "page": page, "can_act": can_act, "query": _query_without_page(request),
        "resolve_form": NoteForm(auto_id=False)})


@login_required
def exception(request, pk: int):
    can_act = _reader(request)
    found = _found(selectors.exception_get, user=request.user, pk=pk)
    return _exception_page(request, found, can_act=can_act)


def _exception_page(request, found, *, can_act: bool, status: int = 200, **bound):
    line = found.line
    open_ = found.state == ExceptionState.OPEN
    context = {
        "exception": found, "can_act": can_act and open_,
        "can_match": open_ and line is not None and line.outcome == "exception",
        "can_return": open_ and found.kind != ExceptionKind.RETURNED and (
            (found.payment is not None and found.payment.state != PaymentState.RETURNED)
            or (found.payment is None and line is not None and line.direction == LineDirection.CREDIT)),
        "candidates": selectors.match_candidates(user=request.user, exception=found) if open_ else [],
        "resolve_form": bound.get("resolve_form") or NoteForm(prefix="resolve"),
        "match_form": bound.get("match_form") or MatchForm(prefix="match"),
        "return_form": bound.get("return_form") or ReturnForm(prefix="return"),
    }
    return render(request, "ledger/reconciliation/exception.html", context, status=status)


def _act(request, pk: int, form_class, prefix: str, action):
    _writer(request)
    found = _found(selectors.exception_get, user=request.user, pk=pk)
    form = form_class(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            action(found, form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except Conflict as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Exception #%(id)s: %(done)s.") % {
                "id": found.pk, "done": selectors.exception_get(user=request.user, pk=pk).get_resolution_display()})
            return redirect("ledger:exceptions")
    return _exception_page(request, found, can_act=True, status=400, **{f"{prefix}_form": form})


@require_POST
@login_required
def exception_resolve(request, pk: int):
    return _act(request, pk, NoteForm, "resolve", lambda found, data: queue.exception_resolve(
        exception=found, actor=request.user, note=data["note"]))


@require_POST
@login_required
def exception_match(request, pk: int):
    return _act(request, pk, MatchForm, "match", lambda found, data: queue.exception_match(
        exception=found, actor=request.user, reference=data["reference"], note=data["note"]))


@require_POST
@login_required
def exception_return(request, pk: int):
    return _act(request, pk, ReturnForm, "return", lambda found, data: queue.exception_mark_returned(
        exception=found, actor=request.user, note=data["note"], reference=data["reference"]))


@login_required
def payments(request):
    _reader(request)
    form = PaymentFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = selectors.payment_list(user=request.user, state=filters.get("state") or None,
                                  search=(filters.get("search") or "").strip())
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "ledger/reconciliation/payments.html", {
        "form": form, "page": page, "query": _query_without_page(request)})


@login_required
def report(request):
    _reader(request)
    form = ReportForm(request.GET or None)
    date_from, date_to = form.period()
    try:
        daily = reconciliation_daily(user=request.user, date_from=date_from, date_to=date_to)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return render(request, "ledger/reconciliation/report.html", {"form": form, "report": None}, status=400)
    if request.GET.get("format") == "csv":
        # with a byte-order mark: Excel, which finance offices open CSV files in, reads it as UTF-8 then
        response = HttpResponse("\ufeff" + report_csv(daily), content_type="text/csv; charset=utf-8")
        name = f"reconciliation-{date_from.isoformat()}-{date_to.isoformat()}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    return render(request, "ledger/reconciliation/report.html", {
        "form": form, "report": daily, "csv_query": _query_without_page(request)})
