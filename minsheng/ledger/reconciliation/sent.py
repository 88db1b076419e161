"""Money leaving: a payment the bank accepted moves from the enterprise's account to the clearing
account, and waits there as an outstanding ``BankPayment`` until the bank's statement settles it.

The contract for the payment code (``minsheng.subsidies`` calls it; one call per payment, or the
batch form for a payment run):

- **When**: after the bank *confirmed* the payment and the grant's reservation was *posted*
  (budget → enterprise), in the same transaction as the posting or after it. Not for a payment
  the bank refused (the reservation is voided; no money left).
- **What it writes**: one posted transfer ``source`` (the enterprise account) → ``clearing:bank``
  under ``key``, and one ``BankPayment`` keyed by ``reference`` — the reference the bank was asked
  with (the reservation key), which the statement returns as the camt.053 ``EndToEndId``.
- **Refused** (nothing written; in a batch, that request alone): the enterprise account has less
  available than ``amount`` (money is sent only once it was granted: post first); the amount is
  not whole fen above zero; the key, reference, payee account number or name is empty or too long
  (``ValidationError``); ``key`` or ``reference`` was used before for another payment (``Conflict``);
  ``replaces`` names a payment that was not returned or was paid again already (``ValidationError``).
- **Idempotent**: the same key with the same request returns the first transfer and writes nothing.
- **Paying again after a return**: the returned money is back on the enterprise account; pay it
  with a *new* reference (the bank answers a known reference from its record) and pass the
  returned payment's reference as ``replaces``: its "returned" exception is then resolved.
  ``selectors.payments_to_repay()`` lists what still needs paying again.
- **Cost**: the batch locks the accounts once, inserts the transfers and the payments with one
  statement each per call (on PostgreSQL), and writes the totals once — a 5,500-grant run adds one
  short step, not 5,500 round trips.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.conflicts import Conflict

from ..batches import Book, _new_transfer, _transfers_by_key
from ..choices import AccountKind, ExceptionKind, ExceptionState, PaymentState, Resolution, TransferKind
from ..models import Account, BankPayment, ReconciliationException, Transfer
from ..rules import amount_problem, key_problem, metadata_problem
from ..services import account_open
from .bulk import no_cyclic_gc, rows_insert, rows_matching

CLEARING_CODE = "clearing:bank"
SETTLED_CODE = "settled:bank"


def clearing_account() -> Account:
    """Money sent through the bank and not yet on its statement."""
    return account_open(code=CLEARING_CODE, name="银行清算户（已付款待对账）", kind=AccountKind.CLEARING)


def settled_account() -> Account:
    """Money the bank's statements show paid out."""
    return account_open(code=SETTLED_CODE, name="银行已结算付款", kind=AccountKind.SETTLED)


@dataclass(frozen=True)
class PaymentSentRequest:
    key: str
    source: Account
    amount: int
    reference: str
    payee_account_no: str
    payee_name: str
    memo: str = ""
    metadata: dict[str, Any] | None = None
    replaces: str = ""  # the reference of a returned payment this one pays again


@dataclass(frozen=True)
class SentOutcome:
    transfer: Transfer | None
    payment_id: int | None = None
    error: str = ""
    conflict: bool = False  # the key or the reference was used for something else

    @property
    def ok(self) -> bool:
        return self.transfer is not None


def payment_sent(
    *,
    key: str,
    source: Account,
    amount: int,
    reference: str,
    payee_account_no: str,
    payee_name: str,
    memo: str = "",
    metadata: dict[str, Any] | None = None,
    replaces: str = "",
) -> Transfer:
    """The bank accepted this payment: move ``amount`` fen from ``source`` to the clearing account
    and record it as outstanding until a statement shows it. See the module docstring for the
    contract. Returns the transfer to clearing (the first one, on a retry)."""
    request = PaymentSentRequest(key=key, source=source, amount=amount, reference=reference,
                                 payee_account_no=payee_account_no, payee_name=payee_name, memo=memo,
                                 metadata=metadata, replaces=replaces)
    outcome = payment_sent_batch(requests=[request])[0]
    if outcome.ok:
        return outcome.transfer
    if outcome.conflict:
        raise Conflict(outcome.error)
    raise ValidationError({"__all__": [outcome.error]})


def payment_sent_batch(*, requests: Sequence[PaymentSentRequest], book: Book | None = None) -> list[SentOutcome]:
    """``payment_sent`` for many payments in one transaction, each judged on its own (in order).
    ``book``: the ledger book of the caller's transaction (e.g. the one that posted these payments'
    reservations): the transfers are written with the book's, at the caller's ``book.write()``; the
    outcomes' transfer and payment ids are known after it."""
    with no_cyclic_gc(), transaction.atomic():
        return _sent_batch(requests, book)


def _sent_batch(requests: Sequence[PaymentSentRequest], shared: Book | None) -> list[SentOutcome]:
    outcomes: list[SentOutcome | None] = [_problem(request) for request in requests]
    live = [index for index, outcome in enumerate(outcomes) if outcome is None]
    if not live:
        return outcomes  # type: ignore[return-value]
    clearing = clearing_account()
    references = {requests[i].reference for i in live} | {requests[i].replaces for i in live if requests[i].replaces}
    known = {row[1]: row for row in rows_matching(BankPayment, "reference", list(references),
                                                  ("id", "reference", "sent_transfer_id", "state", "source_id"))}
    repaid = set(BankPayment.objects.filter(replaces_id__any_of=[row[0] for row in known.values()])
                 .order_by().values_list("replaces_id", flat=True)) if known else set()
    transfers = _transfers_by_key(requests[i].key for i in live)
    book = shared if shared is not None else Book()
    book.lock({clearing.pk} | {requests[i].source.pk for i in live})
    now = timezone.now()
    new_payments: list[dict[str, Any]] = []
    taken: dict[str, str] = {}  # reference → key, in this batch
    replaced: list[int] = []
    for index in live:
        request = requests[index]
        wanted = {"debit_account_id": request.source.pk, "credit_account_id": clearing.pk,
                  "amount": request.amount, "kind": TransferKind.SINGLE}
        if (first := transfers.get(request.key)) is not None:
            outcomes[index] = _retried(first, wanted, request, known)
            continue
        if request.reference in known or request.reference in taken:
            outcomes[index] = SentOutcome(None, error=_("The reference %(reference)s was used already for another "
                                                        "payment.") % {"reference": request.reference}, conflict=True)
            continue
        if (problem := _replaces_problem(request, known, repaid)) is not None:
            outcomes[index] = SentOutcome(None, error=problem)
            continue
        account = book.accounts[request.source.pk]
        available = account.posted_credits - account.posted_debits - account.pending_debits
        if available < request.amount:
            outcomes[index] = SentOutcome(None, error=_(
                "Account %(code)s has %(available)s fen available; %(amount)s fen cannot be sent. "
                "(Post the grant's reservation first.)") % {
                "code": account.code, "available": available, "amount": request.amount})
            continue
        metadata = {"reference": request.reference, **(request.metadata or {})}
        row = _new_transfer(key=request.key, memo=(request.memo or "")[:200], metadata=metadata,
                            pending_id=None, **wanted)
        transfers[request.key] = row
        taken[request.reference] = request.key
        book.move(TransferKind.SINGLE, request.source.pk, clearing.pk, request.amount, row)
        replaces_id = known[request.replaces][0] if request.replaces else None
        if replaces_id:
            repaid.add(replaces_id)
            replaced.append(replaces_id)
        new_payments.append({
            "reference": request.reference, "sent_transfer": row, "source_id": request.source.pk,
            "amount": request.amount, "payee_account_no": request.payee_account_no.strip(),
            "payee_name": request.payee_name.strip(), "memo": (request.memo or "")[:200], "sent_at": now,
            "state": PaymentState.OUTSTANDING, "replaces_id": replaces_id, "index": index,
        })
        outcomes[index] = SentOutcome(row)

    def record_payments() -> None:  # once the transfers to clearing have their ids
        ids = rows_insert(BankPayment, [
            {**{k: v for k, v in payment.items() if k not in ("sent_transfer", "index")},
             "sent_transfer_id": payment["sent_transfer"].pk}
            for payment in new_payments], key="reference")
        for payment in new_payments:
            outcomes[payment["index"]] = SentOutcome(payment["sent_transfer"], ids[payment["reference"]])
        if replaced:
            ReconciliationException.objects.filter(
                payment_id__any_of=replaced, kind=ExceptionKind.RETURNED, state=ExceptionState.OPEN,
            ).update(state=ExceptionState.RESOLVED, resolution=Resolution.REPAID, resolved_at=now)

    book.after_write.append(record_payments)
    if shared is None:
        book.write()
    return outcomes  # type: ignore[return-value]


def _problem(request: PaymentSentRequest) -> SentOutcome | None:
    problem = key_problem(request.key) or amount_problem(request.amount) or metadata_problem(request.metadata)
    if problem is None and (request.source is None or request.source.pk is None):
        problem = _("The account to pay from does not exist.")
    if problem is None and not (0 < len((request.reference or "").strip()) <= 200):
        problem = _("A payment needs the bank reference it was sent with (at most 200 characters).")
    if problem is None and not (0 < len((request.payee_account_no or "").strip()) <= 64):
        problem = _("A payment needs the payee's account number (at most 64 characters).")
    if problem is None and not (0 < len((request.payee_name or "").strip()) <= 200):
        problem = _("A payment needs the payee's name (at most 200 characters).")
    return None if problem is None else SentOutcome(None, error=str(problem))


def _retried(first: Transfer, wanted: dict, request: PaymentSentRequest, known: dict) -> SentOutcome:
    """A retry returns the first transfer; the key used for another transfer or payment is a conflict."""
    payment = known.get(request.reference)
    if all(getattr(first, name) == value for name, value in wanted.items()) and payment is not None \
            and payment[2] == first.pk:
        return SentOutcome(first, payment[0])
    return SentOutcome(None, error=_("The key %(key)s was used already for a different transfer; "
                                     "a retry must repeat the same request.") % {"key": first.key}, conflict=True)


def _replaces_problem(request: PaymentSentRequest, known: dict, repaid: set[int]) -> str | None:
    if not request.replaces:
        return None
    earlier = known.get(request.replaces)
    if earlier is None or earlier[3] != PaymentState.RETURNED:
        return _("Payment %(reference)s was not returned by the bank; there is nothing to pay again.") % {
            "reference": request.replaces}
    if earlier[4] != request.source.pk:
        return _("Payment %(reference)s was paid from another account.") % {"reference": request.replaces}
    if earlier[0] in repaid:
        return _("Payment %(reference)s was paid again already.") % {"reference": request.replaces}
    return None
