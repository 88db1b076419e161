"""Paying approved grants through the bank (秒付), one or a batch, safe to run again after a crash."""

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng import lookups  # noqa: F401  (registers __any_of)
from minsheng.audit.services import audit_record
from minsheng.conflicts import Conflict
from minsheng.ledger import batches as ledger_batches
from minsheng.ledger import services as ledger
from minsheng.ledger.bank import BankAdapter, answers_at_once, bank_adapter
from minsheng.ledger.choices import TransferKind
from minsheng.ledger.models import Account as LedgerAccount
from minsheng.ledger.models import Transfer
from minsheng.ledger.reconciliation.sent import PaymentSentRequest, payment_sent_batch

from ..choices import GrantState
from ..models import Grant, GrantEvent, Policy
from .core import (
    CHUNK,
    PAY_FIELDS,
    BatchResult,
    _BatchGrant,
    _enterprise_account,
    _insert_events,
    _require_funds_officer,
    _reserve_key,
    _save_grants,
    _state_change,
    _transition,
    budget_account,
)

logger = logging.getLogger(__name__)


def grant_pay(*, grant: Grant, bank: BankAdapter | None = None) -> Grant:
    """Pay one approved grant (秒付). Runs outside a transaction: the bank is never asked while a row
    is locked. Idempotent and safe to race: see the module docstring."""
    _pay_chunk([grant.pk], bank=bank or bank_adapter())
    return Grant.objects.select_related("policy", "enterprise", "version").get(pk=grant.pk)


def grant_batch_pay(*, policy: Policy, bank: BankAdapter | None = None, chunk: int = CHUNK,
                    limit: int | None = None, actor=None, finishing: bool = False) -> BatchResult:
    """Pay every approved grant of a policy (and finish any left half-paid by a crash), a chunk at a time.
    ``actor``: the funds officer who orders the payment, never one who approved any of these grants
    (four eyes); ``None`` is the system paying what the rules approved by themselves (秒批秒付).
    ``finishing``: the periodic finisher — only grants left paying by a crash, and grants the rules approved
    by themselves; a grant an officer approved by hand waits for a second officer to pay it."""
    if actor is not None:
        _require_funds_officer(actor)
        approved_by_actor = GrantEvent.objects.filter(grant__policy=policy, grant__state=GrantState.APPROVED,
                                                      to_state=GrantState.APPROVED, actor=actor)
        if approved_by_actor.exists():
            raise PermissionDenied(_("You approved grants in this batch: another funds officer must pay it."))
    result = BatchResult()
    bank = bank or bank_adapter()
    done = 0
    last_id = 0
    while limit is None or done < limit:
        payable = Grant.objects.filter(policy=policy, state__in=(GrantState.APPROVED, GrantState.PAYING),
                                       pk__gt=last_id)
        if finishing:
            approved_by_hand = GrantEvent.objects.filter(grant=OuterRef("pk"), to_state=GrantState.APPROVED,
                                                         actor__isnull=False)
            payable = payable.filter(Q(state=GrantState.PAYING) | ~Exists(approved_by_hand))
        ids = list(payable.order_by("id").values_list("pk", flat=True)[:chunk])
        if not ids:
            break
        last_id = ids[-1]
        outcome = _pay_chunk(ids, bank=bank)
        result.paid += outcome.paid
        result.failed += outcome.failed
        result.skipped += outcome.skipped
        done += len(ids)
    return result


def grant_payment_retry(*, grant: Grant, actor, bank: BankAdapter | None = None) -> Grant:
    """Pay a grant whose payment failed, again: first ask the bank what it knows of the failed attempt's
    reference. If it did pay after all, record the payment and never pay twice; otherwise reserve the
    amount again under a new key (the next attempt's bank reference) and pay. The grant, its enterprise
    and its amount stay the same; every attempt is in its events."""
    _require_funds_officer(actor)
    bank = bank or bank_adapter()
    grant = Grant.objects.select_related("policy", "enterprise").get(pk=grant.pk)
    if grant.state != GrantState.FAILED:
        raise Conflict(_("Only a grant whose payment failed can be paid again (it is %(state)s).")
                       % {"state": grant.get_state_display()})
    status = getattr(bank, "status", None)
    known = status(reference=grant.reserve_key) if callable(status) else None  # asked outside any transaction
    with transaction.atomic():
        grant = Grant.objects.select_for_update(of=("self",)).select_related("policy", "enterprise").get(pk=grant.pk)
        if grant.state != GrantState.FAILED:
            raise Conflict(_("Someone else acted on this grant a moment ago (it is %(state)s now).")
                           % {"state": grant.get_state_display()})
        envelope = budget_account(policy=grant.policy, year=grant.period)
        enterprise_account = _enterprise_account(grant.enterprise)
        metadata = {"grant": grant.pk, "policy": grant.policy.code, "period": grant.period}
        if known is not None and known.confirmed:
            # The bank paid the "failed" attempt after all: the money left once; book it, pay nothing.
            ledger.transfer_create(key=f"{grant.reserve_key}:paid-late", debit=envelope, credit=enterprise_account,
                                   amount=grant.amount, memo=str(grant)[:200],
                                   metadata={**metadata, "bank_reference": known.bank_reference})
            payment_sent_batch(requests=[_sent_request(grant, enterprise_account_id=enterprise_account.pk,
                                                       bank_reference=known.bank_reference)])
            return _transition(grant, GrantState.PAID, actor=actor, bank_reference=known.bank_reference,
                               payment_reference=grant.reserve_key, paid_at=timezone.now(), reason="",
                               detail={"found_paid": True, "reference": grant.reserve_key})
        attempt = grant.attempt + 1
        key = _reserve_key(grant.policy, grant.enterprise_id, grant.period, attempt)
        try:
            ledger.transfer_create(key=key, debit=envelope, credit=enterprise_account, amount=grant.amount,
                                   pending=True, memo=str(grant)[:200], metadata={**metadata, "attempt": attempt})
        except ValidationError:
            raise ValidationError(_("The policy's budget for %(year)s is used up: top it up before paying again.")
                                  % {"year": grant.period[:4]}) from None
        _transition(grant, GrantState.APPROVED, actor=actor, attempt=attempt, reserve_key=key,
                    approved_at=timezone.now(), reason="",
                    detail={"attempt": attempt, "previous_reference": grant.reserve_key,
                            "bank_status": known.status if known is not None else "unknown"})
    audit_record(actor=actor, action="subsidies.grant_payment_retry", obj=grant, summary={"attempt": attempt})
    return grant_pay(grant=grant, bank=bank)


def _pay_chunk(ids: list[int], *, bank: BankAdapter) -> BatchResult:
    """Claim, ask the bank, post or void, record. With a bank that answers at once (no network: the
    simulated bank at 0 ms) all in one transaction, the grants locked from claim to record; else the
    claim is committed first and the bank asked outside any transaction, so no row stays locked
    while a real bank answers. Either way a crash anywhere is finished by running the batch again:
    the bank answers a reference it has seen from its record, and the ledger closes a reservation once."""
    if answers_at_once(bank):
        with transaction.atomic():
            return _pay_claimed(_claim(ids, save=False), bank=bank, locked=True)
    with transaction.atomic():
        grants = _claim(ids, save=True)
    return _pay_claimed(grants, bank=bank, locked=False)


def _claim(ids: list[int], *, save: bool) -> list[_BatchGrant]:
    """Lock the grants and claim the approved ones: approved → paying (a grant already paying was
    claimed before a crash or by another worker), the events recorded. Returns every grant found,
    in id order. ``save``: write the paying state now (else the caller writes each grant once, with
    its outcome, in the same transaction: nobody else can see the grant paying in between)."""
    grants = _BatchGrant.locked(Grant.objects.filter(pk__any_of=ids).order_by("id"), PAY_FIELDS)
    claimed = [g for g in grants if g.state == GrantState.APPROVED]
    events = [_state_change(g, GrantState.PAYING) for g in claimed]
    if save:
        _save_grants(claimed, ["state"])
    _insert_events(events)
    return grants


def _pay_claimed(grants: list[_BatchGrant], *, bank: BankAdapter, locked: bool) -> BatchResult:
    """Ask the bank for each paying grant (the reservation key is the payment reference), post or
    void the reservations in one ledger batch and record the outcome. ``locked``: the caller holds
    the grants' row locks since the claim (else they are locked again before recording)."""
    result = BatchResult()
    paying = [g for g in grants if g.state == GrantState.PAYING]
    result.skipped = len(grants) - len(paying)
    if not paying:
        return result
    answers = {g.pk: bank.pay(reference=g.reserve_key, account_no=g.bank_account_no,
                              account_name=g.bank_account_name, amount=g.amount) for g in paying}
    reservations = {t.key: t for t in Transfer.objects.filter(key__any_of=[g.reserve_key for g in paying])
                    .only("id", "key", "credit_account_id")}
    with transaction.atomic(savepoint=not locked):  # locked: inside _pay_chunk's transaction already
        now = timezone.now()
        if locked:
            current = {g.pk: g.state for g in paying}
        else:
            current = dict(Grant.objects.select_for_update().filter(pk__any_of=[g.pk for g in paying])
                           .order_by("id").values_list("id", "state"))
        requests = []
        for grant in paying:
            answer = answers[grant.pk]
            details = {"bank_reference": answer.bank_reference, "bank_message": answer.message}
            requests.append(ledger_batches.CloseRequest(
                key=f"{grant.reserve_key}:{'post' if answer.confirmed else 'void'}",
                pending=reservations[grant.reserve_key], post=answer.confirmed,
                memo="" if answer.confirmed else answer.message[:200], metadata=details))
        # One ledger book for the posting and the sending to clearing: locked, inserted and written once.
        book = ledger_batches.Book()
        outcomes = ledger_batches.pending_close_batch(requests=requests, book=book)
        changed, events, sent = [], [], []
        for grant, outcome in zip(paying, outcomes, strict=True):
            closing = outcome.transfer or outcome.resolution
            # recorded by another worker first? (else the grant is as claimed above, now locked)
            if current[grant.pk] != GrantState.PAYING or closing is None:
                continue
            posted = closing.kind == TransferKind.POST_PENDING
            answer = answers[grant.pk]
            if posted:
                events.append(_state_change(grant, GrantState.PAID, bank_reference=answer.bank_reference,
                                            payment_reference=grant.reserve_key, paid_at=now,
                                            detail={"bank_reference": answer.bank_reference}))
                enterprise_account_id = reservations[grant.reserve_key].credit_account_id
                sent.append(_sent_request(grant, enterprise_account_id=enterprise_account_id,
                                          bank_reference=answer.bank_reference))
                result.paid += 1
            else:
                events.append(_state_change(grant, GrantState.FAILED, bank_reference=answer.bank_reference,
                                            reason=answer.message[:300],
                                            detail={"bank_reference": answer.bank_reference}))
                result.failed += 1
            changed.append(grant)
        # The money left: enterprise → the bank's clearing account, outstanding until a statement settles it.
        # A payment the bank made is recorded whatever happens here: one that cannot be booked to clearing is
        # logged, and its statement line will stand out on the reconciliation queue as unknown.
        sent_outcomes = payment_sent_batch(requests=sent, book=book) if sent else []
        book.write()
        for request, outcome in zip(sent, sent_outcomes, strict=True):
            if not outcome.ok:
                logger.error("payment %s was made but not booked to clearing: %s", request.reference, outcome.error)
        # with the locks held since the claim, the claim was not written yet: write every paying grant
        _save_grants(paying if locked else changed, ["state", "bank_reference", "payment_reference", "paid_at",
                                                     "reason"])
        _insert_events(events)
    return result


def _sent_request(grant, *, enterprise_account_id: int, bank_reference: str) -> PaymentSentRequest:
    """What reconciliation waits for on the statement: the payment under its bank reference (the key the bank
    was asked with), to the grant's registered account."""
    return PaymentSentRequest(key=f"{grant.reserve_key}:sent", source=LedgerAccount(pk=enterprise_account_id),
                              amount=grant.amount, reference=grant.reserve_key, payee_account_no=grant.bank_account_no,
                              payee_name=grant.bank_account_name,
                              metadata={"grant": grant.pk, "bank_reference": bank_reference})
