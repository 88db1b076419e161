"""Personal data kept masked on staff pages and in the admin, and who may reveal each (audited, with a reason).

``PERSONAL_FIELDS`` names each field by model label and field name, the kind of data (how it is
masked) and who may see it unmasked. Revealing goes through ``personal_field_reveal``, which writes
the audit event; the page is ``audit:reveal``. A case's caller mobile has its own button on the case
page (appeals), which uses the same service underneath.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext as _

from minsheng.org.choices import Role
from minsheng.org.scope import user_scope

from .personal_data import mask
from .services import personal_data_reveal


def _account_manager(user, obj) -> bool:
    return user.is_superuser or user_scope(user).has_role(Role.SECURITY_ADMIN)


def _funds_officer(user, obj) -> bool:
    from minsheng.subsidies.selectors import can_write_policies

    return can_write_policies(user)


def _receiving_account_decider(user, obj) -> bool:
    from minsheng.subsidies.models import ReceivingAccount
    from minsheng.subsidies.selectors import can_write_policies, receiving_account_get

    try:
        receiving_account_get(user=user, pk=obj.pk)
    except ReceivingAccount.DoesNotExist:
        return False
    return can_write_policies(user)


def _ledger_reader(user, obj) -> bool:
    from minsheng.ledger.selectors import ledger_readable

    return ledger_readable(user) and user_scope(user).has_role(Role.FUNDS_OFFICER, Role.SUPERVISOR)


@dataclass(frozen=True)
class PersonalField:
    kind: str
    may_reveal: Callable[[object, models.Model], bool]


PERSONAL_FIELDS: dict[tuple[str, str], PersonalField] = {
    ("org.user", "mobile"): PersonalField("mobile", _account_manager),
    ("subsidies.enterprise", "legal_representative_mobile"): PersonalField("mobile", _funds_officer),
    ("subsidies.grant", "bank_account_no"): PersonalField("bank_account", _funds_officer),
    ("subsidies.receivingaccount", "account_no"): PersonalField("bank_account", _receiving_account_decider),
    ("ledger.bankpayment", "payee_account_no"): PersonalField("bank_account", _ledger_reader),
}


def personal_fields_of(model) -> dict[str, str]:
    """{field name: kind} of the personal fields of ``model``."""
    label = model._meta.label_lower
    return {name: spec.kind for (model_label, name), spec in PERSONAL_FIELDS.items() if model_label == label}


def masked_value(obj: models.Model, field: str) -> str:
    spec = PERSONAL_FIELDS[(obj._meta.label_lower, field)]
    return mask(spec.kind, getattr(obj, field) or "")


def may_reveal(*, user, obj: models.Model, field: str) -> bool:
    spec = PERSONAL_FIELDS.get((obj._meta.label_lower, field))
    return spec is not None and user.is_authenticated and spec.may_reveal(user, obj)


def personal_field_reveal(*, user, obj: models.Model, field: str, reason: str) -> str:
    """The unmasked value, after checking that ``user`` may see it; the view is audited with the reason."""
    if not may_reveal(user=user, obj=obj, field=field):
        raise PermissionDenied(_("Your role may not see this unmasked."))
    spec = PERSONAL_FIELDS[(obj._meta.label_lower, field)]
    return personal_data_reveal(actor=user, obj=obj, field=field, kind=spec.kind, value=getattr(obj, field) or "",
                                reason=reason)
