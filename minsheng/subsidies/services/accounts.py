"""Receiving accounts: where an enterprise's policy money may go. The enterprise asks for an account in
its registered name; a funds officer who did not ask approves it (four eyes); money goes only to an
active registered account. Every step is audited."""

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.conflicts import Conflict
from minsheng.org.scope import can

from ..choices import AccountState
from ..models import Enterprise, ReceivingAccount
from ..selectors import ACCOUNT_SCOPE
from .core import _require_funds_officer

ACCOUNT_NO = re.compile(r"^\d{8,30}$")
# Names are compared as a bank compares them: no spaces, and full-width and half-width brackets alike.
_NAME_FOLD = str.maketrans({"（": "(", "）": ")", "　": "", " ": ""})


def same_name(a: str, b: str) -> bool:
    return (a or "").translate(_NAME_FOLD).strip() == (b or "").translate(_NAME_FOLD).strip()


def _is_enterprise_user(user, enterprise: Enterprise) -> bool:
    return enterprise.users.filter(pk=user.pk).exists()


@transaction.atomic
def receiving_account_request(*, enterprise: Enterprise, user, bank_name: str, account_no: str,
                              account_name: str) -> ReceivingAccount:
    """The enterprise (one of its own users) asks to receive money on an account in its registered name."""
    if not _is_enterprise_user(user, enterprise):
        raise PermissionDenied(_("Only the enterprise's own users can register its receiving accounts."))
    account_no = (account_no or "").replace(" ", "")
    problems = {}
    if not ACCOUNT_NO.match(account_no):
        problems["account_no"] = _("A bank account number has 8 to 30 digits.")
    if not (bank_name or "").strip():
        problems["bank_name"] = _("Name the bank and branch.")
    if not same_name(account_name, enterprise.name):
        problems["account_name"] = _("The account must be in the enterprise's registered name, “%(name)s”.") % {
            "name": enterprise.name}
    if problems:
        raise ValidationError(problems)
    try:
        with transaction.atomic():
            account = ReceivingAccount.objects.create(enterprise=enterprise, bank_name=bank_name.strip()[:100],
                                                      account_no=account_no, account_name=enterprise.name,
                                                      requested_by=user)
    except IntegrityError:
        raise ValidationError({"account_no": _("This account is registered already or awaiting approval.")}) from None
    audit_record(actor=user, action="subsidies.receiving_account_request", obj=account,
                 summary={"enterprise": enterprise.uscc, "account": f"****{account_no[-4:]}"})
    return account


@transaction.atomic
def receiving_account_decide(*, account: ReceivingAccount, actor, approve: bool, note: str = "") -> ReceivingAccount:
    """A funds officer who did not ask approves (the account becomes usable) or refuses, with a note."""
    _require_funds_officer(actor)
    account = ReceivingAccount.objects.select_for_update().select_related("enterprise").get(pk=account.pk)
    if account.state != AccountState.PENDING:
        raise Conflict(_("This account was decided already (%(state)s).") % {"state": account.get_state_display()})
    if account.requested_by_id == actor.pk or _is_enterprise_user(actor, account.enterprise):
        raise PermissionDenied(_("You asked for this account: another funds officer must decide it."))
    if not can(actor, action="write", rules=ACCOUNT_SCOPE, obj=account):  # one grant: the role in its region
        raise PermissionDenied(_("This enterprise is outside your area."))
    if not approve and not (note or "").strip():
        raise ValidationError({"note": _("Say why the account is refused.")})
    account.state = AccountState.ACTIVE if approve else AccountState.REFUSED
    account.decided_by, account.decided_at, account.note = actor, timezone.now(), (note or "").strip()[:300]
    account.save()
    audit_record(actor=actor, action="subsidies.receiving_account_decide", obj=account,
                 summary={"approve": approve, "enterprise": account.enterprise.uscc})
    return account


@transaction.atomic
def receiving_account_retire(*, account: ReceivingAccount, actor) -> ReceivingAccount:
    """The enterprise or a funds officer stops using an account (payments already sent are not affected)."""
    account = ReceivingAccount.objects.select_for_update().select_related("enterprise").get(pk=account.pk)
    if not _is_enterprise_user(actor, account.enterprise):
        _require_funds_officer(actor)
    if account.state != AccountState.ACTIVE:
        raise Conflict(_("Only an active account can be retired."))
    account.state = AccountState.RETIRED
    account.save(update_fields=["state"])
    audit_record(actor=actor, action="subsidies.receiving_account_retire", obj=account, summary={})
    return account


def registered_account(*, enterprise: Enterprise, account_no: str) -> ReceivingAccount:
    """The enterprise's active registered account with this number; ValidationError otherwise."""
    account_no = (account_no or "").replace(" ", "")
    account = ReceivingAccount.objects.filter(enterprise=enterprise, account_no=account_no,
                                              state=AccountState.ACTIVE).first()
    if account is None:
        raise ValidationError({"bank_account_no": _(
            "Money is paid only to a receiving account the enterprise registered and a funds officer approved. "
            "Register the account first.")})
    return account
