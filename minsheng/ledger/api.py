"""Read-only ledger API for funds officers, supervisors, leaders and administrators.

Money moves only through the services (a grant's approval and payment), never through this API.
"""

from django.core.exceptions import PermissionDenied
from ninja import Router
from ninja.pagination import LimitOffsetPagination, paginate

from . import selectors
from .schemas import AccountOut, CheckOut, TransferOut
from .services import ledger_check

router = Router(tags=["ledger"])


def _readable(request) -> None:
    if not selectors.ledger_readable(request.user):
        raise PermissionDenied


@router.get("/accounts", response=list[AccountOut])
@paginate(LimitOffsetPagination)
def accounts(request, kind: str | None = None, search: str = ""):
    _readable(request)
    return selectors.account_list(user=request.user, kind=kind, search=search)


@router.get("/accounts/{code}", response=AccountOut)
def account(request, code: str):
    _readable(request)
    return selectors.account_get(user=request.user, code=code)


@router.get("/accounts/{code}/transfers", response=list[TransferOut])
@paginate(LimitOffsetPagination)
def account_transfers(request, code: str, kind: str | None = None):
    _readable(request)
    found = selectors.account_get(user=request.user, code=code)
    return selectors.transfer_list(user=request.user, account=found, kind=kind)


@router.get("/transfers/{key}", response=TransferOut)
def transfer(request, key: str):
    _readable(request)
    return selectors.transfer_get(user=request.user, key=key)


@router.get("/check", response=CheckOut)
def check(request):
    """The ledger's invariants, checked now over every transfer (empty problems = healthy)."""
    _readable(request)
    problems = ledger_check()
    return {"healthy": not problems, "problems": problems}
