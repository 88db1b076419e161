"""Payments the bank sent back (退汇), and paying them again.

A paid grant's payment can come back days later on the bank's statement: the account was closed, the
name did not match. Reconciliation (``minsheng.ledger.reconciliation``) moves the money back to the
enterprise's ledger account and calls ``grant_payments_returned`` (the setting
``MINSHENG_PAYMENT_RETURNED_HOOK``): the grant becomes *returned* and the enterprise is told to check its
receiving account. A funds officer whose region covers the enterprise then pays it again with
``grant_payment_repay``, to the same account or to another one the enterprise registered and an officer
approved, under a new bank reference that names the returned payment (``replaces``): the grant is paid
once more from the money that came back, never from the budget a second time.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.audit.personal_data import mask_bank_account
from minsheng.audit.services import audit_record
from minsheng.conflicts import Conflict
from minsheng.ledger.bank import BankAdapter, bank_adapter
from minsheng.ledger.choices import return_reason_text
from minsheng.ledger.models import BankPayment
from minsheng.ledger.reconciliation.sent import payment_sent

from ..choices import GrantState, NoticeKind
from ..models import Grant, GrantEvent
from .accounts import registered_account
from .core import _enterprise_account, _require_grant_officer, _transition
from .notices import _notify_enterprise, _site_language


def grant_payments_returned(*, references: list[str]) -> int:
    """The bank returned the payments made under ``references``: each paid grant paid under one of them
    becomes returned, with the bank's reason, and its enterprise is told. Called by reconciliation after
    the statement's import committed; safe to call again (a grant returned already is left as it is).
    Returns how many grants it changed."""
    reasons = dict(BankPayment.objects.filter(reference__in=references).values_list("reference", "return_reason"))
    changed = 0
    for pk in Grant.objects.filter(payment_reference__in=references, state=GrantState.PAID).order_by("pk") \
            .values_list("pk", flat=True):
        with transaction.atomic():
            grant = Grant.objects.select_for_update(of=("self",)).select_related("policy", "enterprise").get(pk=pk)
            if grant.state != GrantState.PAID or grant.payment_reference not in reasons:
                continue
            reason = reasons[grant.payment_reference]
            with _site_language():
                said = return_reason_text(reason)
                _transition(grant, GrantState.RETURNED, reason=_("Returned by the bank: %(reason)s") % {"reason": said},
                            detail={"payment_reference": grant.payment_reference, "return_reason": reason})
                text = _("The bank returned the payment of %(yuan)s yuan for “%(policy)s” (%(period)s): %(reason)s. "
                         "Check the receiving account on your enterprise's page, register the right one if it changed; "
                         "the funds office will pay the grant again.") % {
                    "yuan": f"{grant.amount / 100:,.2f}", "policy": grant.policy.name, "period": grant.period,
                    "reason": said}
            _notify_enterprise(grant, NoticeKind.PAYMENT_RETURNED, text)
            changed += 1
    return changed


def grant_payment_repay(*, grant: Grant, actor, bank_account_no: str = "", bank: BankAdapter | None = None) -> Grant:
    """Pay a returned grant again, from the money that came back to the enterprise's ledger account.

    ``bank_account_no``: one of the enterprise's active registered receiving accounts (default: the account
    the returned payment went to, if it is still registered and active). The bank is asked under a new
    reference, ``<reservation key>:R<n>`` for the n-th payment made again, while the grant is locked: two
    officers pressing the button at once pay once, and a crash before the record is written is finished by
    pressing it again (the bank answers a reference it has seen from its record). A payment the bank refuses
    leaves the grant returned, with the bank's message in its history."""
    bank = bank or bank_adapter()
    with transaction.atomic():
        grant = Grant.objects.select_for_update(of=("self",)).select_related("policy", "enterprise").get(pk=grant.pk)
        _require_grant_officer(actor, grant)
        if grant.state != GrantState.RETURNED:
            raise Conflict(_("Only a grant whose payment the bank returned can be paid again (it is %(state)s).")
                           % {"state": grant.get_state_display()})
        account = registered_account(enterprise=grant.enterprise, account_no=bank_account_no or grant.bank_account_no)
        attempts = GrantEvent.objects.filter(grant=grant, from_state=GrantState.RETURNED).count()
        reference = f"{grant.reserve_key}:R{attempts + 1}"
        answer = bank.pay(reference=reference, account_no=account.account_no, account_name=account.account_name,
                          amount=grant.amount)
        detail = {"payment_reference": reference, "replaces": grant.payment_reference,
                  "bank_reference": answer.bank_reference, "account_no": account.account_no}
        if not answer.confirmed:
            with _site_language():
                refused = _("Paying again was refused by the bank: %(message)s") % {"message": answer.message}
            _transition(grant, GrantState.RETURNED, actor=actor, reason=refused,
                        detail={**detail, "bank_message": answer.message})
            audit_record(actor=actor, action="subsidies.grant_payment_repay", obj=grant,
                         summary={"reference": reference, "refused": answer.message})
            return grant
        payment_sent(key=f"{reference}:sent", source=_enterprise_account(grant.enterprise), amount=grant.amount,
                     reference=reference, payee_account_no=account.account_no, payee_name=account.account_name,
                     metadata={"grant": grant.pk, "bank_reference": answer.bank_reference},
                     replaces=grant.payment_reference)
        returned_reference = grant.payment_reference
        _transition(grant, GrantState.PAID, actor=actor, bank_reference=answer.bank_reference,
                    payment_reference=reference, bank_account_no=account.account_no,
                    bank_account_name=account.account_name, paid_at=timezone.now(), reason="", detail=detail)
        with _site_language():
            text = _("The grant of %(yuan)s yuan for “%(policy)s” (%(period)s) was paid again, to account "
                     "%(account)s.") % {"yuan": f"{grant.amount / 100:,.2f}", "policy": grant.policy.name,
                                        "period": grant.period, "account": mask_bank_account(account.account_no)}
        _notify_enterprise(grant, NoticeKind.PAYMENT_REPAID, text)
    audit_record(actor=actor, action="subsidies.grant_payment_repay", obj=grant,
                 summary={"reference": reference, "replaces": returned_reference, "account_no": account.account_no})
    return grant
