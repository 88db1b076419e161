"""The grants compared with the ledger, for ``ledger_check()`` (registered in ``settings.LEDGER_CHECKS``;
the ledger imports this only when it runs the check, and inside its snapshot).

- every approved or paying grant has an open reservation of its amount under its ``reserve_key``;
- every grant paid out (paid, being recovered, recovered) has a posted transfer of its amount: its
  reservation posted, or the late payment booked after a failed attempt turned out paid;
- no open reservation of a grant (``metadata.grant``) without an approved or paying grant holding it;
- every recovery under way or settled has its receivable booked for its amount, each repayment its
  transfer, and what the repayments add up to is what the recovery says was repaid.
"""

from collections import defaultdict

from django.db.models import CharField, Exists, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Concat
from django.utils.translation import gettext as _

from minsheng.ledger.choices import TransferKind
from minsheng.ledger.models import Transfer

from .choices import PAID_OUT_STATES, GrantState, RecoveryState
from .models import Grant, Recovery, RecoveryRepayment

LIMIT = 100  # problems of one kind listed; the count says how many more


def grant_ledger_problems() -> list[str]:
    """What does not agree between the grants and the ledger; an empty list when everything does."""
    problems: list[str] = []
    _reservations(problems)
    _payments(problems)
    _recoveries(problems)
    return problems


def _listed(problems: list[str], found: list[str], total: int | None = None) -> None:
    problems.extend(found[:LIMIT])
    more = (len(found) if total is None else total) - min(len(found), LIMIT)
    if more > 0:
        problems.append(_("… and %(n)s more like the above.") % {"n": more})


def _first(queryset) -> tuple[list, int]:
    """The first LIMIT rows of a query of problems, and how many there are (counted only when more)."""
    rows = list(queryset[:LIMIT + 1])
    return rows[:LIMIT], (queryset.count() if len(rows) > LIMIT else len(rows))


# The comparisons run in the database, one grant row at a time against the transfers' unique key index,
# and only the rows that disagree come back: the check costs the same whatever the number of grants.

def _reservations(problems: list[str]) -> None:
    holding = Grant.objects.filter(state__in=(GrantState.APPROVED, GrantState.PAYING))
    reservation = Transfer.objects.filter(kind=TransferKind.PENDING, key=OuterRef("reserve_key"))
    wrong = (holding.annotate(reserved=Subquery(reservation.values("amount")[:1]),
                              closed=Exists(Transfer.objects.filter(pending__key=OuterRef("reserve_key"))))
             .filter(Q(reserved__isnull=True) | Q(closed=True) | ~Q(reserved=F("amount")))
             .values_list("reserve_key", "amount", "reserved", "closed").order_by("reserve_key"))
    rows, total = _first(wrong)
    found = []
    for key, amount, reserved, closed in rows:
        if reserved is None:
            found.append(_("Grant %(key)s is approved but has no reservation on the ledger.") % {"key": key})
        elif closed:
            found.append(_("Grant %(key)s is approved but its reservation is closed.") % {"key": key})
        else:
            found.append(_("Grant %(key)s: the reservation is %(reserved)s fen, the grant %(amount)s fen.")
                         % {"key": key, "reserved": reserved, "amount": amount})
    _listed(problems, found, total)
    orphans = (Transfer.objects.filter(kind=TransferKind.PENDING, metadata__has_key="grant")
               .exclude(Exists(Transfer.objects.filter(pending=OuterRef("pk"))))
               .exclude(key__in=holding.values("reserve_key")).values_list("key", flat=True).order_by("key"))
    keys, total = _first(orphans)
    _listed(problems, [_("Reservation %(key)s is open but no approved grant holds it.") % {"key": key}
                       for key in keys], total)


def _payments(problems: list[str]) -> None:
    posted = Transfer.objects.filter(kind=TransferKind.POST_PENDING, pending__key=OuterRef("reserve_key"))
    # a failed attempt the bank paid after all: booked as one posted transfer (services.grant_payment_retry)
    late = Transfer.objects.filter(kind=TransferKind.SINGLE, key=Concat(
        OuterRef("reserve_key"), Value(":paid-late"), output_field=CharField()))
    wrong = (Grant.objects.filter(state__in=PAID_OUT_STATES)
             .annotate(posted=Coalesce(Subquery(posted.values("amount")[:1]), Subquery(late.values("amount")[:1])))
             .filter(Q(posted__isnull=True) | ~Q(posted=F("amount")))
             .values_list("reserve_key", "amount", "posted").order_by("reserve_key"))
    rows, total = _first(wrong)
    found = []
    for key, amount, paid in rows:
        if paid is None:
            found.append(_("Grant %(key)s is paid but no payment is posted on the ledger.") % {"key": key})
        else:
            found.append(_("Grant %(key)s: %(posted)s fen posted, the grant is %(amount)s fen.")
                         % {"key": key, "posted": paid, "amount": amount})
    _listed(problems, found, total)


def _recoveries(problems: list[str]) -> None:
    recoveries = Recovery.objects.filter(state__in=(RecoveryState.RECOVERING, RecoveryState.SETTLED))
    booked = dict(Transfer.objects.filter(key__startswith="recovery:").values_list("key", "amount"))
    repaid_sums = dict(RecoveryRepayment.objects.values_list("recovery_id").annotate(total=Sum("amount")).order_by())
    unbooked = defaultdict(list)
    for recovery_id, key, amount in RecoveryRepayment.objects.values_list("recovery_id", "transfer_key", "amount"):
        if booked.get(key) != amount:
            unbooked[recovery_id].append(key)
    found = []
    for pk, amount, repaid in recoveries.values_list("pk", "amount", "repaid"):
        if booked.get(f"recovery:{pk}") != amount:
            found.append(_("Recovery %(pk)s of %(amount)s fen is not booked as a receivable on the ledger.")
                         % {"pk": pk, "amount": amount})
        if repaid_sums.get(pk, 0) != repaid:
            found.append(_("Recovery %(pk)s says %(repaid)s fen repaid; its repayments add up to %(sum)s fen.")
                         % {"pk": pk, "repaid": repaid, "sum": repaid_sums.get(pk, 0)})
        for key in unbooked.get(pk, []):
            found.append(_("Repayment %(key)s has no transfer of its amount on the ledger.") % {"key": key})
    _listed(problems, found)
