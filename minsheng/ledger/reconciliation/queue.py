"""The exceptions queue: what a funds officer does with an exception (resolve with a note, match a
line to a payment by hand, mark a payment as returned), the periodic check that flags payments no
statement shows, and the check that the clearing and settled accounts agree with the payments.

Each action is one transaction and one audit event; like the import, it holds the clearing
account's row lock (every writer of a payment's state does), taken together with the other
accounts it moves, lowest id first.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.conflicts import Conflict

from ..bank import BankAdapter, bank_adapter, bank_status
from ..batches import TransferRequest, _lock_accounts, transfer_batch
from ..choices import IN_CLEARING, ExceptionKind, ExceptionState, LineOutcome, PaymentState, Resolution
from ..models import Account, BankPayment, ReconciliationException, StatementLine
from ..rules import payment_move_problem
from .bulk import rows_insert
from .imports import payments_returned_notify
from .selectors import reconciliation_writable
from .sent import CLEARING_CODE, SETTLED_CODE, clearing_account, settled_account

OVERDUE_DAYS = 3
NOTE_MAX = 2000
# Exceptions that hold their payment in the queue (state "exception") while open.
HOLDING_KINDS = (ExceptionKind.AMOUNT_DIFFERS, ExceptionKind.NOT_ON_STATEMENT)


def overdue_days() -> int:
    """Calendar days after which a payment on no statement is an exception (setting
    ``MINSHENG_RECONCILIATION_OVERDUE_DAYS``, default 3)."""
    return int(getattr(settings, "MINSHENG_RECONCILIATION_OVERDUE_DAYS", OVERDUE_DAYS))


# --- actions on one exception -------------------------------------------------------------------


def exception_resolve(*, exception: ReconciliationException, actor, note: str) -> ReconciliationException:
    """Close the exception with an explanation, moving no money. A payment it held in the queue goes
    back to outstanding (a later statement can still settle it) unless another exception holds it."""
    with transaction.atomic():
        found, note = _open(exception, actor=actor, note=note)
        _close(found, actor=actor, note=note, resolution=Resolution.NOTED)
        if found.payment_id is not None:
            _release(found.payment)
        audit_record(actor=actor, action="ledger.exception_resolved", obj=found, summary={"note": note})
    return found


def exception_match(*, exception: ReconciliationException, actor, reference: str, note: str
                    ) -> ReconciliationException:
    """Match the exception's statement line to the payment with ``reference``: a debit settles it
    (clearing → settled, the payment's own amount), a credit returns it (money back to the
    enterprise). When the amounts differ the payment's amount is what moves in the books; the
    difference stays in the audit trail and the exception's detail for follow-up."""
    reference = (reference or "").strip()
    payment = BankPayment.objects.filter(reference=reference).first() if reference else None
    if payment is None:
        raise ValidationError({"reference": [_("No payment was sent with the reference %(reference)s.")
                                             % {"reference": reference or "-"}]})
    with transaction.atomic():
        found, note = _open(exception, actor=actor, note=note, source_id=payment.source_id)
        line = found.line
        if line is None:
            raise ValidationError({"reference": [_("Only an exception about a statement line can be matched.")]})
        if line.outcome != LineOutcome.EXCEPTION:
            raise Conflict(_("This statement line was matched already."))
        if line.direction == "debit":
            _settle(payment, key=f"recon:match:{found.pk}", value_date=line.value_date, statement_line=line)
            line.outcome = LineOutcome.SETTLED
        else:
            _return(payment, key=f"recon:return:{payment.pk}", returned_on=line.value_date, reason=note)
            line.outcome = LineOutcome.RETURNED
        line.payment = payment
        line.save(update_fields=["outcome", "payment"])
        found.payment = payment
        found.detail = {**found.detail, "matched": reference, "payment_amount": payment.amount,
                        "line_amount": line.amount}
        _close(found, actor=actor, note=note, resolution=Resolution.MATCHED)
        _close_holding(payment, actor=actor, note=note, resolution=Resolution.MATCHED)
        audit_record(actor=actor, action="ledger.exception_matched", obj=found, summary={
            "note": note, "reference": reference, "line_amount": line.amount, "payment_amount": payment.amount})
    if payment.state == PaymentState.RETURNED:
        transaction.on_commit(lambda: payments_returned_notify([payment.reference]))
    return found


def exception_mark_returned(*, exception: ReconciliationException, actor, note: str, reference: str = ""
                            ) -> ReconciliationException:
    """The bank sent the payment back: its money returns to the enterprise account (from clearing,
    or from settled if a statement had settled it) and the payment is marked returned, so the
    payment code can pay it again. ``reference`` names the payment when the exception has none
    (an unknown credit line)."""
    payment = exception.payment
    if payment is None:
        reference = (reference or "").strip()
        payment = BankPayment.objects.filter(reference=reference).first() if reference else None
        if payment is None:
            raise ValidationError({"reference": [_("Name the payment that was returned by its reference.")]})
    with transaction.atomic():
        found, note = _open(exception, actor=actor, note=note, source_id=payment.source_id)
        if found.payment_id is not None and found.payment_id != payment.pk:
            raise Conflict(_("This exception was changed meanwhile; look at it again."))
        line = found.line
        returned_on = line.value_date if line is not None else timezone.localdate()
        _return(payment, key=f"recon:return:{payment.pk}", returned_on=returned_on, reason=note)
        if line is not None and line.outcome == LineOutcome.EXCEPTION and line.direction == "credit":
            line.outcome, line.payment = LineOutcome.RETURNED, payment
            line.save(update_fields=["outcome", "payment"])
        found.payment = payment
        _close(found, actor=actor, note=note, resolution=Resolution.MARKED_RETURNED)
        _close_holding(payment, actor=actor, note=note, resolution=Resolution.MARKED_RETURNED)
        audit_record(actor=actor, action="ledger.exception_marked_returned", obj=found, summary={
            "note": note, "reference": payment.reference, "amount": payment.amount})
    transaction.on_commit(lambda: payments_returned_notify([payment.reference]))
    return found


def _open(exception: ReconciliationException, *, actor, note: str, source_id: int | None = None
          ) -> tuple[ReconciliationException, str]:
    """Check the actor and the note, take the locks (clearing, settled and the enterprise account
    ``source_id`` that money may go back to, together), and re-read the exception: it must be open."""
    if not reconciliation_writable(actor):
        raise PermissionDenied(_("Only funds officers act on reconciliation exceptions."))
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": [_("Say why: a note is required.")]})
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": [_("A note has at most %(n)s characters.") % {"n": NOTE_MAX}]})
    _lock_books(source_id)
    found = (ReconciliationException.objects.select_related("payment", "line", "resolved_by")
             .get(pk=exception.pk))
    if found.state != ExceptionState.OPEN:
        raise Conflict(_("This exception was resolved already by %(who)s at %(when)s.") % {
            "who": found.resolved_by or _("the system"),
            "when": timezone.localtime(found.resolved_at).strftime("%Y-%m-%d %H:%M") if found.resolved_at else "-"})
    return found, note


def _lock_books(*source_ids: int | None) -> None:
    ids = {clearing_account().pk, settled_account().pk, *(pk for pk in source_ids if pk)}
    _lock_accounts(ids)


def _close(exception: ReconciliationException, *, actor, note: str, resolution: str) -> None:
    exception.state = ExceptionState.RESOLVED
    exception.resolution = resolution
    exception.note = note
    exception.resolved_at = timezone.now()
    exception.resolved_by = actor if getattr(actor, "is_authenticated", False) else None
    exception.save(update_fields=["state", "resolution", "note", "resolved_at", "resolved_by", "payment", "detail"])


def _close_holding(payment: BankPayment, *, actor, note: str, resolution: str) -> None:
    """The payment is accounted for: the exceptions that held it in the queue are closed too."""
    ReconciliationException.objects.filter(payment=payment, state=ExceptionState.OPEN, kind__in=HOLDING_KINDS).update(
        state=ExceptionState.RESOLVED, resolution=resolution, note=note, resolved_at=timezone.now(),
        resolved_by=actor if getattr(actor, "is_authenticated", False) else None)


def _release(payment: BankPayment) -> None:
    """A payment held in the queue with nothing holding it any more waits for the statement again."""
    payment.refresh_from_db()
    holding = payment.exceptions.filter(state=ExceptionState.OPEN, kind__in=HOLDING_KINDS).exists()
    if payment.state == PaymentState.EXCEPTION and not holding:
        _move(payment, PaymentState.OUTSTANDING)
        payment.save(update_fields=["state", "changed_at"])


def _move(payment: BankPayment, state: str) -> None:
    if (problem := payment_move_problem(payment.state, state)) is not None:
        raise Conflict(problem)
    payment.state = state
    payment.changed_at = timezone.now()


def _settle(payment: BankPayment, *, key: str, value_date: dt.date, statement_line) -> None:
    payment.refresh_from_db()
    if payment.state not in IN_CLEARING:
        raise Conflict(_("Payment %(reference)s is no longer in clearing (%(state)s); it cannot be settled again.") % {
            "reference": payment.reference, "state": payment.get_state_display()})
    outcome = transfer_batch(requests=[TransferRequest(
        key=key, debit=clearing_account(), credit=settled_account(), amount=payment.amount,
        memo=_("Matched by hand to statement line %(line)s") % {"line": statement_line.line_no},
        metadata={"reference": payment.reference, "line": statement_line.pk})])[0]
    if not outcome.ok:
        raise Conflict(outcome.error)
    _move(payment, PaymentState.SETTLED)
    payment.settled_on = value_date
    payment.settlement_transfer = outcome.transfer
    payment.save(update_fields=["state", "changed_at", "settled_on", "settlement_transfer"])


def _return(payment: BankPayment, *, key: str, returned_on: dt.date, reason: str) -> None:
    """Called with the payment's source account locked already (``_open``)."""
    payment.refresh_from_db()
    if payment.state == PaymentState.RETURNED:
        raise Conflict(_("Payment %(reference)s was returned already.") % {"reference": payment.reference})
    from_account = settled_account() if payment.state == PaymentState.SETTLED else clearing_account()
    outcome = transfer_batch(requests=[TransferRequest(
        key=key, debit=from_account, credit=payment.source, amount=payment.amount,
        memo=_("Returned by the bank: %(reason)s") % {"reason": reason[:150]},
        metadata={"reference": payment.reference})])[0]
    if not outcome.ok:
        raise Conflict(outcome.error)
    _move(payment, PaymentState.RETURNED)
    payment.returned_on = returned_on
    payment.return_reason = reason[:200]
    payment.return_transfer = outcome.transfer
    payment.save(update_fields=["state", "changed_at", "returned_on", "return_reason", "return_transfer"])


# --- the periodic check ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OverdueResult:
    flagged: int
    days: int


def payments_overdue_check(*, days: int | None = None, bank: BankAdapter | None = None,
                           chunk: int = 5000) -> OverdueResult:
    """Put every payment that is still outstanding ``days`` (default: the setting) calendar days
    after it was sent on the exceptions queue — once per payment. The bank is asked what it knows
    of each (``status``: confirmed, failed, or never heard of it), outside any transaction, and
    its answer is kept with the exception."""
    days = overdue_days() if days is None else days
    now = timezone.now()
    cutoff = now - dt.timedelta(days=days)
    candidates = list(
        BankPayment.objects.filter(state=PaymentState.OUTSTANDING, sent_at__lte=cutoff)
        .exclude(exceptions__kind=ExceptionKind.NOT_ON_STATEMENT).order_by("id")
        .values_list("pk", "reference", "amount", "sent_at"))
    if not candidates:
        return OverdueResult(0, days)
    bank = bank or bank_adapter()
    answers = {}
    for _pk, reference, _amount, _sent in candidates:
        answer = bank_status(bank, reference=reference)
        answers[reference] = ({"bank_status": answer.status, "bank_reference": answer.bank_reference,
                               "bank_message": answer.message} if answer else {"bank_status": "unknown"})
    flagged = 0
    today = timezone.localdate()
    with transaction.atomic():
        _lock_books()
        for start in range(0, len(candidates), chunk):
            part = candidates[start:start + chunk]
            still = set(BankPayment.objects.filter(pk__any_of=[c[0] for c in part], state=PaymentState.OUTSTANDING)
                        .exclude(exceptions__kind=ExceptionKind.NOT_ON_STATEMENT).values_list("pk", flat=True))
            rows = [{
                "kind": ExceptionKind.NOT_ON_STATEMENT, "state": ExceptionState.OPEN, "payment_id": pk,
                "line_id": None, "amount": amount, "occurred_on": today, "created_at": now, "resolution": "",
                "note": "", "detail": {"sent_at": timezone.localtime(sent).isoformat(), "days": days,
                                       **answers[reference]},
            } for pk, reference, amount, sent in part if pk in still]
            if still:
                rows_insert(ReconciliationException, rows)
                BankPayment.objects.filter(pk__any_of=sorted(still)).update(state=PaymentState.EXCEPTION,
                                                                            changed_at=now)
            flagged += len(rows)
        if flagged:
            audit_record(actor=None, action="ledger.payments_overdue", summary={"flagged": flagged, "days": days})
    return OverdueResult(flagged, days)


# --- invariants ----------------------------------------------------------------------------------


def reconciliation_check() -> list[str]:
    """The clearing account holds exactly the payments still in clearing (outstanding or in the
    queue), and the settled account exactly the payments settled and not returned since; every
    line that settled or returned a payment names it. An empty list means they agree."""
    problems = []
    accounts = {a.code: a for a in Account.objects.filter(code__in=[CLEARING_CODE, SETTLED_CODE])}
    for code, states in ((CLEARING_CODE, IN_CLEARING), (SETTLED_CODE, (PaymentState.SETTLED,))):
        account = accounts.get(code)
        held = account.posted_credits - account.posted_debits if account else 0
        owed = BankPayment.objects.filter(state__in=states).aggregate(total=Sum("amount"))["total"] or 0
        if held != owed:
            problems.append(_("Account %(code)s holds %(held)s fen but its payments add up to %(owed)s fen.")
                            % {"code": code, "held": held, "owed": owed})
    orphans = StatementLine.objects.filter(
        Q(outcome__in=[LineOutcome.SETTLED, LineOutcome.RETURNED]), payment__isnull=True).count()
    if orphans:
        problems.append(_("%(n)s statement lines settled or returned no payment.") % {"n": orphans})
    return problems
