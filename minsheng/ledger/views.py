"""The ledger's pages: every account with its balance, and one account's transfers."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from . import selectors
from .forms import AccountFilterForm, TransferFilterForm
from .models import Account
from .services import balance_of

PAGE_SIZE = 50


def _require_reader(user) -> None:
    if not selectors.ledger_readable(user):
        raise PermissionDenied


@login_required
def accounts(request):
    _require_reader(request.user)
    form = AccountFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.account_list(user=request.user, kind=filters.get("kind") or None, search=filters.get("search", ""))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(account, balance_of(account)) for account in page]
    return render(request, "ledger/accounts.html", {
        "form": form, "page": page, "rows": rows, "totals": selectors.ledger_totals(user=request.user),
        "query": _query_without_page(request),
    })


@login_required
def account(request, code: str):
    _require_reader(request.user)
    try:
        found = selectors.account_get(user=request.user, code=code)
    except Account.DoesNotExist:
        raise Http404 from None
    form = TransferFilterForm(request.GET or None)
    kind = form.cleaned_data.get("kind") if form.is_valid() else None
    transfers = selectors.transfer_list(user=request.user, account=found, kind=kind or None)
    page = Paginator(transfers, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "ledger/account.html", {
        "account": found, "balance": balance_of(found), "form": form, "page": page,
        "query": _query_without_page(request),
    })


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
