"""Paying approved grants through the bank (秒付), one or a batch, safe to run again after a crash."""


from django.db import transaction
from django.utils import timezone

from minsheng import lookups  # noqa: F401  (registers __any_of)
from minsheng.ledger import batches as ledger_batches
from minsheng.ledger.bank import BankAdapter, answers_at_once, bank_adapter
from minsheng.ledger.choices import TransferKind
from minsheng.ledger.models import Transfer

from ..choices import GrantState
from ..models import (
    Grant,
    Policy,
)
from .core import CHUNK, PAY_FIELDS, BatchResult, _BatchGrant, _insert_events, _save_grants, _state_change


def grant_pay(*, grant: Grant, bank: BankAdapter | None = None) -> Grant:
    """Pay one approved grant (秒付). Runs outside a transaction: the bank is never asked while a row
    is locked. Idempotent and safe to race: see the module docstring."""
    _pay_chunk([grant.pk], bank=bank or bank_adapter())
    return Grant.objects.select_related("policy", "enterprise", "version").get(pk=grant.pk)


def grant_batch_pay(*, policy: Policy, bank: BankAdapter | None = None, chunk: int = CHUNK,
                    limit: int | None = None) -> BatchResult:
    """Pay every approved grant of a policy (and finish any left half-paid by a crash), a chunk at a time."""
    result = BatchResult()
    bank = bank or bank_adapter()
    done = 0
    last_id = 0
    while limit is None or done < limit:
        ids = list(Grant.objects.filter(policy=policy, state__in=(GrantState.APPROVED, GrantState.PAYING),
                                        pk__gt=last_id).order_by("id").values_list("pk", flat=True)[:chunk])
        if not ids:
            break
        last_id = ids[-1]
        outcome = _pay_chunk(ids, bank=bank)
        result.paid += outcome.paid
        result.failed += outcome.failed
        result.skipped += outcome.skipped
        done += len(ids)
    return result


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
                    .only("id", "key")}
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
        outcomes = ledger_batches.pending_close_batch(requests=requests)
        changed, events = [], []
        for grant, outcome in zip(paying, outcomes, strict=True):
            closing = outcome.transfer or outcome.resolution
            # recorded by another worker first? (else the grant is as claimed above, now locked)
            if current[grant.pk] != GrantState.PAYING or closing is None:
                continue
            posted = closing.kind == TransferKind.POST_PENDING
            answer = answers[grant.pk]
            if posted:
                events.append(_state_change(grant, GrantState.PAID, bank_reference=answer.bank_reference,
                                            paid_at=now, detail={"bank_reference": answer.bank_reference}))
                result.paid += 1
            else:
                events.append(_state_change(grant, GrantState.FAILED, bank_reference=answer.bank_reference,
                                            reason=answer.message[:300],
                                            detail={"bank_reference": answer.bank_reference}))
                result.failed += 1
            changed.append(grant)
        # with the locks held since the claim, the claim was not written yet: write every paying grant
        _save_grants(paying if locked else changed, ["state", "bank_reference", "paid_at", "reason"])
        _insert_events(events)
    return result
