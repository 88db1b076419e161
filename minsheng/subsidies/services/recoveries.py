"""Recovery (追回) of a grant found wrong after it was paid.

One funds officer asks, with the reason; a second approves (four eyes, as for budget changes). Approval
turns the payment into a receivable on the ledger — the enterprise's account → its receivable account —
moves the grant paid → recovering and tells the enterprise. Each repayment (recorded by an officer now,
by the bank-statement match later, through the same ``recovery_repayment_record``) moves money from the
receivable back into the budget envelope of the grant's year, once per bank reference; when the whole
amount is back the grant is recovered. Until then the enterprise gets no new offer of that policy
(``settings.SUBSIDIES_BAR_UNTIL_RECOVERED``). See docs/ledger.md for the entries.
"""

import re

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.conflicts import Conflict
from minsheng.ledger import services as ledger
from minsheng.ledger.choices import AccountKind
from minsheng.ledger.reconciliation.sent import settled_account

from ..choices import GrantState, NoticeKind, RecoveryState
from ..models import Enterprise, Grant, Policy, Recovery, RecoveryRepayment
from .core import _enterprise_account, _require_grant_officer, _transition, budget_account
from .notices import _notify_enterprise, _site_language

# A bank's transaction reference: letters, digits and - _ / . (no spaces), at most 64 characters.
BANK_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-/.]{0,63}$")


def _receivable_account(enterprise: Enterprise):
    """What the enterprise owes back, across its recoveries (opened at the first one)."""
    return ledger.account_open(code=f"receivable:{enterprise.uscc}", name=f"{enterprise.name} 应退回款项",
                               kind=AccountKind.RECEIVABLE)


def _yuan(fen: int) -> str:
    return f"{fen / 100:,.2f}"


def _locked_grant(grant: Grant) -> Grant:
    return Grant.objects.select_for_update(of=("self",)).select_related("policy", "enterprise").get(pk=grant.pk)


@transaction.atomic
def recovery_request(*, grant: Grant, reason: str, actor) -> Recovery:
    """Ask to recover a paid grant, saying why it was wrong; nothing moves until a second officer approves."""
    grant = _locked_grant(grant)
    _require_grant_officer(actor, grant)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the grant was wrong (what was found, and where).")})
    if len(reason) > 2000:
        raise ValidationError({"reason": _("The reason is too long (at most 2,000 characters).")})
    if grant.state == GrantState.RECOVERING or grant.recoveries.filter(state=RecoveryState.PENDING).exists():
        raise Conflict(_("A recovery of this grant was asked for already."))
    if grant.state != GrantState.PAID:
        raise ValidationError(_("Only a paid grant can be recovered (this one is %(state)s).")
                              % {"state": grant.get_state_display()})
    try:
        with transaction.atomic():
            recovery = Recovery.objects.create(grant=grant, amount=grant.amount, reason=reason, requested_by=actor)
    except IntegrityError:  # a concurrent request won (one live recovery per grant)
        raise Conflict(_("A recovery of this grant was asked for already.")) from None
    audit_record(actor=actor, action="subsidies.recovery_request", obj=recovery,
                 summary={"grant": grant.pk, "amount": recovery.amount})
    return recovery


@transaction.atomic
def recovery_decide(*, recovery: Recovery, actor, approve: bool, note: str = "") -> Recovery:
    """A second funds officer approves the recovery — the payment becomes a receivable, the grant is being
    recovered, the enterprise is told and barred from new offers of the policy until it has repaid — or
    refuses it with a note (the grant stays paid)."""
    # Locks in one order everywhere: the grant, then its recovery.
    grant = _locked_grant(Grant(pk=Recovery.objects.values_list("grant_id", flat=True).get(pk=recovery.pk)))
    recovery = Recovery.objects.select_for_update().get(pk=recovery.pk)
    _require_grant_officer(actor, grant)
    if recovery.state != RecoveryState.PENDING:
        raise Conflict(_("This recovery was decided already (%(state)s).") % {"state": recovery.get_state_display()})
    if recovery.requested_by_id == actor.pk:
        raise PermissionDenied(_("You asked for this recovery: another funds officer must decide it."))
    note = (note or "").strip()[:300]
    if not approve and not note:
        raise ValidationError({"note": _("Say why the recovery is refused.")})
    recovery.decided_by, recovery.decided_at, recovery.decision_note = actor, timezone.now(), note
    if not approve:
        recovery.state = RecoveryState.REFUSED
        recovery.save()
        audit_record(actor=actor, action="subsidies.recovery_decide", obj=recovery, summary={"approve": False})
        return recovery
    if grant.state != GrantState.PAID:
        raise Conflict(_("The grant is %(state)s now, not paid: it cannot be recovered.")
                       % {"state": grant.get_state_display()})
    recovery.state = RecoveryState.RECOVERING
    recovery.save()
    ledger.transfer_create(key=recovery.ledger_key, debit=_enterprise_account(grant.enterprise),
                           credit=_receivable_account(grant.enterprise), amount=recovery.amount,
                           memo=f"追回 {grant}"[:200],
                           metadata={"grant": grant.pk, "policy": grant.policy.code, "period": grant.period,
                                     "recovery": recovery.pk})
    _transition(grant, GrantState.RECOVERING, actor=actor,
                reason=_("To be paid back: %(reason)s") % {"reason": recovery.reason[:200]},
                detail={"recovery": recovery.pk, "amount": recovery.amount, "asked_by": recovery.requested_by_id})
    with _site_language():
        text = _("Recovery notice (追回): the %(amount)s yuan paid to you under “%(policy)s” for %(period)s was "
                 "found to be wrong and must be paid back in full. Why: %(reason)s. Quote recovery number "
                 "%(number)s when you pay. Until it is repaid in full your enterprise gets no new offer of this "
                 "policy.") % {"amount": _yuan(recovery.amount), "policy": grant.policy.name,
                               "period": grant.period, "reason": recovery.reason, "number": recovery.pk}
    _notify_enterprise(grant, NoticeKind.RECOVERY, text)
    audit_record(actor=actor, action="subsidies.recovery_decide", obj=recovery,
                 summary={"approve": True, "amount": recovery.amount, "grant": grant.pk})
    return recovery


def _check_repayment(amount, reference: str) -> str:
    reference = (reference or "").strip()
    problems = {}
    if not BANK_REFERENCE.match(reference):
        problems["reference"] = _("The bank reference has 1 to 64 letters, digits, -, _, / or . (no spaces).")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        problems["amount"] = _("The amount must be a positive number of fen.")
    if problems:
        raise ValidationError(problems)
    return reference


@transaction.atomic
def recovery_repayment_record(*, grant: Grant, amount: int, reference: str, actor) -> RecoveryRepayment:
    """Record money paid back under the grant's recovery: ``amount`` fen received under the bank's
    ``reference``. Idempotent by reference: the same reference again returns the first repayment (a
    bank-statement line matched twice, a form sent twice); the same reference for another amount or grant
    is a ``Conflict``. Partial repayments are allowed; more than what is still owed is refused. The money
    goes back into the budget envelope of the grant's year; the last repayment settles the recovery.
    ``actor``: the funds officer recording it, or ``None`` for the bank-statement match."""
    reference = _check_repayment(amount, reference)
    grant = _locked_grant(grant)
    if actor is not None:
        _require_grant_officer(actor, grant)
    recovery = (Recovery.objects.select_for_update()
                .filter(grant=grant, state__in=(RecoveryState.RECOVERING, RecoveryState.SETTLED)).first())
    first = RecoveryRepayment.objects.filter(reference=reference).first()
    if first is not None:
        if recovery is not None and first.recovery_id == recovery.pk and first.amount == amount:
            return first
        raise Conflict(_("The bank reference %(reference)s was recorded already for another repayment.")
                       % {"reference": reference})
    if recovery is None:
        raise ValidationError(_("This grant is not being recovered: there is nothing to pay back."))
    if recovery.state == RecoveryState.SETTLED:
        raise ValidationError(_("This recovery was repaid in full already."))
    if amount > recovery.outstanding:
        raise ValidationError({"amount": _("That is more than the %(owed)s yuan still owed.")
                               % {"owed": _yuan(recovery.outstanding)}})
    key = f"{recovery.ledger_key}:repay:{reference}"
    try:
        with transaction.atomic():
            repayment = RecoveryRepayment.objects.create(recovery=recovery, reference=reference, amount=amount,
                                                         transfer_key=key,
                                                         recorded_by=actor)
    except IntegrityError:  # the same reference recorded a moment ago for another grant
        raise Conflict(_("The bank reference %(reference)s was recorded already for another repayment.")
                       % {"reference": reference}) from None
    ledger.transfer_create(key=key, debit=_receivable_account(grant.enterprise),
                           credit=budget_account(policy=grant.policy, year=grant.period), amount=amount,
                           memo=f"追回退款 {grant}"[:200],
                           metadata={"grant": grant.pk, "policy": grant.policy.code, "period": grant.period,
                                     "recovery": recovery.pk, "reference": reference})
    # The money came in through the bank: it clears what the enterprise's account owes (its payment had left
    # for the bank's clearing account, so the recovery left that account owing).
    ledger.transfer_create(key=f"{recovery.ledger_key}:in:{reference}", debit=settled_account(),
                           credit=_enterprise_account(grant.enterprise),
                           amount=amount, memo=f"追回到账 {grant}"[:200],
                           metadata={"grant": grant.pk, "recovery": recovery.pk, "reference": reference})
    Recovery.objects.filter(pk=recovery.pk).update(repaid=F("repaid") + amount)
    recovery.refresh_from_db()
    if recovery.outstanding == 0:
        recovery.state, recovery.settled_at = RecoveryState.SETTLED, timezone.now()
        recovery.save(update_fields=["state", "settled_at"])
        _transition(grant, GrantState.RECOVERED, actor=actor, reason=_("Paid back in full."),
                    detail={"recovery": recovery.pk, "reference": reference})
        with _site_language():
            text = _("Repaid in full: we received %(amount)s yuan (reference %(reference)s) and the %(total)s "
                     "yuan of recovery number %(number)s is settled. Offers of “%(policy)s” are open to your "
                     "enterprise again.") % {"amount": _yuan(amount), "reference": reference,
                                             "total": _yuan(recovery.amount), "number": recovery.pk,
                                             "policy": grant.policy.name}
        _notify_enterprise(grant, NoticeKind.RECOVERY_SETTLED, text)
    else:
        with _site_language():
            text = _("We received %(amount)s yuan (reference %(reference)s) for recovery number %(number)s; "
                     "%(owed)s yuan is still to be paid back.") % {
                "amount": _yuan(amount), "reference": reference, "number": recovery.pk,
                "owed": _yuan(recovery.outstanding)}
        _notify_enterprise(grant, NoticeKind.REPAYMENT, text)
    audit_record(actor=actor, action="subsidies.recovery_repayment_record", obj=recovery,
                 summary={"reference": reference, "amount": amount, "outstanding": recovery.outstanding})
    return repayment


def _bar_owed(policy: Policy | int, enterprise_ids=None) -> dict[int, int]:
    """Enterprises barred from new offers of ``policy``: {enterprise id: fen still owed back under it}.
    Empty when ``settings.SUBSIDIES_BAR_UNTIL_RECOVERED`` is off."""
    if not getattr(settings, "SUBSIDIES_BAR_UNTIL_RECOVERED", True):
        return {}
    rows = Recovery.objects.filter(grant__policy=policy, state=RecoveryState.RECOVERING)
    if enterprise_ids is not None:
        rows = rows.filter(grant__enterprise_id__in=list(enterprise_ids))
    owed = rows.values_list("grant__enterprise_id").annotate(owed=Sum(F("amount") - F("repaid"))).order_by()
    return dict(owed)


def _bar_problem(policy: Policy, enterprise_id: int) -> str | None:
    """Why the enterprise gets no new offer of the policy now (the message it reads), or None."""
    owed = _bar_owed(policy, [enterprise_id]).get(enterprise_id)
    if owed is None:
        return None
    return _("New offers of “%(policy)s” are paused for your enterprise until the %(owed)s yuan it owes back "
             "under this policy is repaid in full.") % {"policy": policy.name, "owed": _yuan(owed)}
