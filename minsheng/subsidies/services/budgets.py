"""Budget envelopes per policy per year: top-ups, reductions and unspent money returned to the treasury,
each asked by one funds officer and booked on the ledger when a second one approves (four eyes). A top-up
looks again at the grants that were refused because that year's budget was used up."""

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.conflicts import Conflict
from minsheng.ledger import services as ledger
from minsheng.ledger.choices import AccountKind

from ..choices import BudgetChangeKind, BudgetChangeState, GrantState, RefusalKind
from ..models import BudgetChange, Grant, Policy
from .core import TREASURY_ACCOUNT, _require_funds_officer, _transition, budget_account

# A year's envelope is at most this (fen): 10 billion yuan, far above any city policy; larger is a typo.
MAX_BUDGET_CHANGE = 10_000_000_000_00


@transaction.atomic
def budget_change_request(*, policy: Policy, year: str, kind: str, amount: int, reason: str, actor) -> BudgetChange:
    """Ask to change one year's envelope; nothing moves until a second funds officer approves."""
    _require_funds_officer(actor)
    problems = {}
    if not re.fullmatch(r"20\d\d", str(year)):
        problems["year"] = _("The year looks like 2026.")
    if kind not in BudgetChangeKind.values:
        problems["kind"] = _("Unknown kind of budget change.")
    if not isinstance(amount, int) or not 0 < amount <= MAX_BUDGET_CHANGE:
        problems["amount"] = _("The amount must be positive and at most 10 billion yuan.")
    if not (reason or "").strip():
        problems["reason"] = _("Say why the budget changes (the document or decision).")
    if problems:
        raise ValidationError(problems)
    change = BudgetChange.objects.create(policy=policy, year=str(year), kind=kind, amount=amount,
                                         reason=reason.strip()[:300], requested_by=actor)
    audit_record(actor=actor, action="subsidies.budget_change_request", obj=change,
                 summary={"year": change.year, "kind": kind, "amount": amount})
    return change


@transaction.atomic
def budget_change_decide(*, change: BudgetChange, actor, approve: bool, note: str = "") -> BudgetChange:
    """A second funds officer approves (the transfer is booked: treasury → envelope for a top-up, envelope →
    treasury for a reduction or a return, refused when the envelope has less available) or refuses."""
    _require_funds_officer(actor)
    change = BudgetChange.objects.select_for_update().select_related("policy").get(pk=change.pk)
    if change.state != BudgetChangeState.PENDING:
        raise Conflict(_("This budget change was decided already (%(state)s).") % {
            "state": change.get_state_display()})
    if change.requested_by_id == actor.pk:
        raise PermissionDenied(_("You asked for this change: another funds officer must decide it."))
    if not approve and not (note or "").strip():
        raise ValidationError({"note": _("Say why the change is refused.")})
    change.decided_by, change.decided_at, change.decision_note = actor, timezone.now(), (note or "").strip()[:300]
    if approve:
        envelope = budget_account(policy=change.policy, year=change.year)
        treasury = ledger.account_open(code=TREASURY_ACCOUNT, name="市财政", kind=AccountKind.TREASURY)
        debit, credit = (treasury, envelope) if change.kind == BudgetChangeKind.TOP_UP else (envelope, treasury)
        try:
            ledger.transfer_create(key=f"budget-change:{change.pk}", debit=debit, credit=credit, amount=change.amount,
                                   memo=f"{change.get_kind_display()}: {change.reason}"[:200],
                                   metadata={"policy": change.policy.code, "year": change.year, "change": change.pk})
        except ValidationError:
            raise ValidationError({"amount": _("The %(year)s budget has less than that left unspent and unreserved.")
                                   % {"year": change.year}}) from None
        change.state = BudgetChangeState.APPROVED
    else:
        change.state = BudgetChangeState.REFUSED
    change.save()
    audit_record(actor=actor, action="subsidies.budget_change_decide", obj=change,
                 summary={"approve": approve, "amount": change.amount, "kind": change.kind})
    if approve and change.kind == BudgetChangeKind.TOP_UP:
        transaction.on_commit(lambda: budget_refusals_reconsider(policy=change.policy, year=change.year))
    return change


def budget_refusals_reconsider(*, policy: Policy, year: str, actor=None) -> int:
    """After money is added: the grants refused only because the year's budget was used up go back to
    confirmed, and are approved by the next batch (here at once) when the rules and caps still hold."""
    from .grants import grant_batch_approve

    with transaction.atomic():
        grants = list(Grant.objects.select_for_update().filter(
            policy=policy, period__startswith=str(year), state=GrantState.REFUSED, refusal=RefusalKind.BUDGET))
        for grant in grants:
            _transition(grant, GrantState.CONFIRMED, actor=actor, refusal="",
                        reason=_("Looked at again: money was added to the %(year)s budget.") % {"year": year},
                        detail={"reconsidered": True})
    if grants:
        grant_batch_approve(policy=policy, actor=actor)
    return len(grants)
