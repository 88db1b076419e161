"""Policy-funds vocabulary: enterprise scale, fact periods, policy modes and the grant life cycle."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Scale(models.TextChoices):
    ABOVE = "规上", _("Above designated size (规上)")
    BELOW = "规下", _("Below designated size (规下)")


class PeriodKind(models.TextChoices):
    YEAR = "year", _("Year (2026)")
    QUARTER = "quarter", _("Quarter (2026Q3)")
    MONTH = "month", _("Month (2026-10)")


class IndustryLevel(models.TextChoices):
    """The four levels of GB/T 4754-2017: a letter, then 2, 3 and 4 digits."""

    SECTION = "section", _("Section (门类)")
    DIVISION = "division", _("Division (大类)")
    GROUP = "group", _("Group (中类)")
    CLASS = "class", _("Class (小类)")


class FactRecordingKind(models.TextChoices):
    """How a set of fact values came to be recorded."""

    FILE = "file", _("File upload")
    ROWS = "rows", _("Rows sent through the API or a service")
    HISTORY_START = "history_start", _("Values found when fact history began")


class PolicyMode(models.TextChoices):
    AUTO_GRANT = "auto_grant", _("Automatic, no application (免申即享)")
    APPLICATION = "application", _("On application (快申快享)")


class VersionState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded")


class GrantState(models.TextChoices):
    OFFERED = "offered", _("Offered")
    CONFIRMED = "confirmed", _("Confirmed")
    APPROVED = "approved", _("Approved (reserved)")
    PAYING = "paying", _("Payment sent to the bank")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Payment failed")
    REFUSED = "refused", pgettext_lazy("policy", "Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn (the policy changed)")
    RETURNED = "returned", _("Payment returned by the bank (to be paid again)")
    RECOVERING = "recovering", _("Being recovered (to be paid back)")
    RECOVERED = "recovered", _("Recovered (paid back)")


class RefusalKind(models.TextChoices):
    """Why a grant was refused: only a refusal for budget is looked at again (when money is added)."""

    INELIGIBLE = "ineligible", _("Does not qualify")
    CAP = "cap", _("Over a cap")
    BUDGET = "budget", _("Budget used up")


# The one table of allowed grant transitions, checked in services._transition.
# Offered/confirmed → offered: the amount changed on the facts or version in force (offered again, the
# enterprise confirms again). → withdrawn: the version was superseded; withdrawn → offered: the new
# version offers it again. Refused → confirmed: a refusal for budget, looked at again after a top-up.
# Failed → approved: a new payment attempt (new reservation and bank reference); failed → paid: the bank
# says the failed attempt was paid after all. Refused → confirmed is also an upheld objection (申诉), which
# sends the grant through the normal approval again. Paid → recovering: a second funds officer approved
# the recovery (追回) of a grant found wrong after payment; recovering → recovered: the whole amount is back.
# Paid → returned: the bank's statement shows the payment came back (退汇: an account closed, a wrong name); the
# money is on the enterprise's ledger account again. Returned → paid: a funds officer paid it again, to the same
# or another registered account; returned → returned: that attempt was refused by the bank too.
GRANT_TRANSITIONS: dict[str, frozenset[str]] = {
    GrantState.OFFERED: frozenset({GrantState.CONFIRMED, GrantState.REFUSED, GrantState.OFFERED,
                                   GrantState.WITHDRAWN}),
    GrantState.CONFIRMED: frozenset({GrantState.APPROVED, GrantState.REFUSED, GrantState.OFFERED,
                                     GrantState.WITHDRAWN}),
    GrantState.APPROVED: frozenset({GrantState.PAYING}),
    GrantState.PAYING: frozenset({GrantState.PAID, GrantState.FAILED}),
    GrantState.PAID: frozenset({GrantState.RECOVERING, GrantState.RETURNED}),
    GrantState.RETURNED: frozenset({GrantState.PAID, GrantState.RETURNED}),
    GrantState.FAILED: frozenset({GrantState.APPROVED, GrantState.PAID}),
    GrantState.REFUSED: frozenset({GrantState.CONFIRMED}),
    GrantState.WITHDRAWN: frozenset({GrantState.OFFERED}),
    GrantState.RECOVERING: frozenset({GrantState.RECOVERED}),
    GrantState.RECOVERED: frozenset(),
}

# States in which an offer is still open (not yet approved): a superseded version withdraws them.
OPEN_OFFER_STATES = frozenset({GrantState.OFFERED, GrantState.CONFIRMED})

# States in which a grant holds money: reserved on the ledger, paid out, or paid out and owed back but not
# yet repaid in full (it still counts against the caps and the budget until the money is back).
HOLDING_STATES = frozenset({GrantState.APPROVED, GrantState.PAYING, GrantState.PAID, GrantState.RETURNED,
                            GrantState.RECOVERING})

# States in which the money left the budget (a posted transfer of the grant's amount): through the bank, or
# back from it after a return and waiting on the enterprise's ledger account to be paid again.
PAID_OUT_STATES = frozenset({GrantState.PAID, GrantState.RETURNED, GrantState.RECOVERING, GrantState.RECOVERED})


class BudgetChangeKind(models.TextChoices):
    TOP_UP = "top_up", _("Top-up from the treasury")
    REDUCTION = "reduction", _("Reduction")
    RETURN = "return", _("Unspent money returned to the treasury")


class BudgetChangeState(models.TextChoices):
    PENDING = "pending", _("Awaiting a second funds officer")
    APPROVED = "approved", _("Approved and booked")
    REFUSED = "refused", pgettext_lazy("budget change", "Refused")


class AccountState(models.TextChoices):
    PENDING = "pending", _("Awaiting a funds officer")
    ACTIVE = "active", _("Active")
    REFUSED = "refused", pgettext_lazy("receiving account", "Refused")
    RETIRED = "retired", _("No longer used")
class RecoveryState(models.TextChoices):
    PENDING = "pending", _("Awaiting a second funds officer")
    REFUSED = "refused", pgettext_lazy("recovery", "Refused")
    RECOVERING = "recovering", _("Owed back: waiting for repayment")
    SETTLED = "settled", _("Repaid in full")


# Recoveries that hold the grant: only one of them at a time (a refused request may be asked again).
LIVE_RECOVERY_STATES = frozenset({RecoveryState.PENDING, RecoveryState.RECOVERING, RecoveryState.SETTLED})


class ObjectionState(models.TextChoices):
    OPEN = "open", _("Open: awaiting a funds officer")
    UPHELD = "upheld", _("Upheld: the grant was looked at again")
    DISMISSED = "dismissed", _("Dismissed")


class NoticeKind(models.TextChoices):
    """What a notice to an enterprise is about (also sent through the notification outbox)."""

    RECOVERY = "recovery", _("Money to pay back")
    REPAYMENT = "repayment", _("Repayment received")
    RECOVERY_SETTLED = "recovery_settled", _("Recovery settled")
    OBJECTION_UPHELD = "objection_upheld", _("Objection upheld")
    OBJECTION_DISMISSED = "objection_dismissed", _("Objection dismissed")
    PAYMENT_RETURNED = "payment_returned", _("Payment returned by the bank")
    PAYMENT_REPAID = "payment_repaid", _("Payment made again")


class VoucherBusiness(models.TextChoices):
    """What a group of ledger transfers is, for the finance system's vouchers (记账凭证)."""

    FUNDING = "funding", _("Budget funded by the treasury")
    RETURN = "return", _("Budget returned to the treasury")
    RESERVE = "reserve", _("Grants approved (payable)")
    PAY = "pay", _("Grant payments")
    VOID = "void", _("Payments failed (payable released)")
    PAID_LATE = "paid_late", _("Grants found paid after a failed attempt")
    RECOVER = "recover", _("Grants to be paid back (receivable)")
    REPAY = "repay", _("Money paid back")


class VoucherAccount(models.TextChoices):
    """The accounts a voucher line is booked to; each policy maps them to the finance system's codes."""

    EXPENDITURE = "expenditure", _("Budget expenditure")
    PAYABLE = "payable", _("Payable to enterprises")
    BANK = "bank", _("Bank (the budget's account)")
    RECEIVABLE = "receivable", _("Money owed back by enterprises")
    FUNDING = "funding", _("Funding from the treasury")


# Each business as (debit account, credit account): a voucher is balanced by construction.
VOUCHER_ENTRIES: dict[str, tuple[str, str]] = {
    VoucherBusiness.FUNDING: (VoucherAccount.BANK, VoucherAccount.FUNDING),
    VoucherBusiness.RETURN: (VoucherAccount.FUNDING, VoucherAccount.BANK),
    VoucherBusiness.RESERVE: (VoucherAccount.EXPENDITURE, VoucherAccount.PAYABLE),
    VoucherBusiness.PAY: (VoucherAccount.PAYABLE, VoucherAccount.BANK),
    VoucherBusiness.VOID: (VoucherAccount.PAYABLE, VoucherAccount.EXPENDITURE),
    VoucherBusiness.PAID_LATE: (VoucherAccount.EXPENDITURE, VoucherAccount.BANK),
    VoucherBusiness.RECOVER: (VoucherAccount.RECEIVABLE, VoucherAccount.EXPENDITURE),
    VoucherBusiness.REPAY: (VoucherAccount.BANK, VoucherAccount.RECEIVABLE),
}
