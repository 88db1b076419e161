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

from django.db.models import Exists, OuterRef, Sum
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


def _listed(problems: list[str], found: list[str]) -> None:
    problems.extend(found[:LIMIT])
    if len(found) > LIMIT:
        problems.append(_("… and %(n)s more like the above.") % {"n": len(found) - LIMIT})


def _reservations(problems: list[str]) -> None:
    holding_grants = Grant.objects.filter(state__in=(GrantState.APPROVED, GrantState.PAYING))
    holding = dict(holding_grants.values_list("reserve_key", "amount"))
    keys = holding_grants.values("reserve_key")  # a subquery: no list of thousands of keys in the SQL
    closed = Exists(Transfer.objects.filter(pending=OuterRef("pk")))
    reservations = {key: (amount, is_closed) for key, amount, is_closed in Transfer.objects.filter(
        kind=TransferKind.PENDING, key__in=keys).annotate(closed=closed).values_list("key", "amount", "closed")}
    found = []
    for key, amount in holding.items():
        reservation = reservations.get(key)
        if reservation is None:
            found.append(_("Grant %(key)s is approved but has no reservation on the ledger.") % {"key": key})
        elif reservation[1]:
            found.append(_("Grant %(key)s is approved but its reservation is closed.") % {"key": key})
        elif reservation[0] != amount:
            found.append(_("Grant %(key)s: the reservation is %(reserved)s fen, the grant %(amount)s fen.")
                         % {"key": key, "reserved": reservation[0], "amount": amount})
    orphans = (Transfer.objects.filter(kind=TransferKind.PENDING, metadata__has_key="grant")
               .exclude(closed).exclude(key__in=keys)
               .values_list("key", flat=True).order_by("key"))
    found.extend(_("Reservation %(key)s is open but no approved grant holds it.") % {"key": key} for key in orphans)
    _listed(problems, found)


def _payments(problems: list[str]) -> None:
    paid_grants = Grant.objects.filter(state__in=PAID_OUT_STATES)
    paid = dict(paid_grants.values_list("reserve_key", "amount"))
    posted = dict(Transfer.objects.filter(kind=TransferKind.POST_PENDING,
                                          pending__key__in=paid_grants.values("reserve_key"))
                  .values_list("pending__key", "amount"))
    # a failed attempt the bank paid after all: booked as one posted transfer (services.grant_payment_retry)
    for key, amount in Transfer.objects.filter(kind=TransferKind.SINGLE, key__endswith=":paid-late") \
            .values_list("key", "amount"):
        posted[key.removesuffix(":paid-late")] = amount
    found = []
    for key, amount in paid.items():
        if key not in posted:
            found.append(_("Grant %(key)s is paid but no payment is posted on the ledger.") % {"key": key})
        elif posted[key] != amount:
            found.append(_("Grant %(key)s: %(posted)s fen posted, the grant is %(amount)s fen.")
                         % {"key": key, "posted": posted[key], "amount": amount})
    _listed(problems, found)


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
