"""Ledger vocabulary: kinds of account and transfer, and the states of bank reconciliation (对账)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountKind(models.TextChoices):
    BUDGET = "budget", _("Policy budget")
    ENTERPRISE = "enterprise", _("Enterprise")
    CLEARING = "clearing", _("Bank clearing")
    TREASURY = "treasury", _("Treasury (source of funds)")
    RECEIVABLE = "receivable", _("Receivable (money owed back)")
    SETTLED = "settled", _("Settled by the bank")


class TransferKind(models.TextChoices):
    SINGLE = "single", _("Posted transfer")
    PENDING = "pending", _("Reservation (pending)")
    POST_PENDING = "post_pending", _("Reservation posted")
    VOID_PENDING = "void_pending", _("Reservation voided")


# How each kind of transfer moves the four running totals of its two accounts, as
# (posted change, pending change) in units of the transfer's amount. A reservation holds the
# amount as pending; posting moves it from pending to posted; voiding releases it.
TOTALS_EFFECT: dict[str, tuple[int, int]] = {
    TransferKind.SINGLE: (1, 0),
    TransferKind.PENDING: (0, 1),
    TransferKind.POST_PENDING: (1, -1),
    TransferKind.VOID_PENDING: (0, -1),
}

# Transfers that close a reservation; each reservation is closed at most once.
RESOLUTION_KINDS = frozenset({TransferKind.POST_PENDING, TransferKind.VOID_PENDING})


# --- reconciliation ---------------------------------------------------------------------------


class PaymentState(models.TextChoices):
    """Where a payment the bank accepted stands against the bank's statements."""

    OUTSTANDING = "outstanding", _("Outstanding (awaiting the statement)")
    SETTLED = "settled", _("Settled")
    EXCEPTION = "exception", _("In the exceptions queue")
    RETURNED = "returned", _("Returned by the bank")


# The one table of allowed moves of a payment (checked by ``rules.payment_move_problem``).
# An exception goes back to outstanding when an officer resolves it with a note; a settled payment
# can still come back from the payee's bank (a return days later).
PAYMENT_MOVES: dict[str, frozenset[str]] = {
    PaymentState.OUTSTANDING: frozenset({PaymentState.SETTLED, PaymentState.EXCEPTION, PaymentState.RETURNED}),
    PaymentState.EXCEPTION: frozenset({PaymentState.SETTLED, PaymentState.RETURNED, PaymentState.OUTSTANDING}),
    PaymentState.SETTLED: frozenset({PaymentState.RETURNED}),
    PaymentState.RETURNED: frozenset(),
}
# Payments whose money is still in the clearing account.
IN_CLEARING = (PaymentState.OUTSTANDING, PaymentState.EXCEPTION)


class StatementFormat(models.TextChoices):
    CSV = "csv", _("CSV")
    CAMT053 = "camt053", _("ISO 20022 camt.053")


class LineDirection(models.TextChoices):
    DEBIT = "debit", _("Debit (money out)")
    CREDIT = "credit", _("Credit (money in)")


class LineOutcome(models.TextChoices):
    SETTLED = "settled", _("Settled a payment")
    RETURNED = "returned", _("Returned a payment")
    EXCEPTION = "exception", _("Exception")


class ExceptionKind(models.TextChoices):
    UNKNOWN_LINE = "unknown_line", _("Line matches no payment")
    AMOUNT_DIFFERS = "amount_differs", _("Amount differs")
    NOT_ON_STATEMENT = "not_on_statement", _("Paid but on no statement")
    RETURNED = "returned", _("Payment returned")
    DUPLICATE = "duplicate", _("Duplicate line")


class ExceptionState(models.TextChoices):
    OPEN = "open", _("Awaiting action")
    RESOLVED = "resolved", _("Resolved")


class Resolution(models.TextChoices):
    NOTED = "noted", _("Resolved with a note")
    MATCHED = "matched", _("Matched to a payment by hand")
    MARKED_RETURNED = "marked_returned", _("Marked as returned")
    BY_STATEMENT = "by_statement", _("Accounted for by a later statement")
    REPAID = "repaid", _("Paid again")


class ReturnReason(models.TextChoices):
    """The ISO 20022 reason codes a bank gives for a returned payment (camt.053 ``RtrInf/Rsn/Cd``) that
    Chinese banks use most; any other code is shown as it is."""

    AC01 = "AC01", _("The account number is wrong")
    AC04 = "AC04", _("The account is closed")
    AC06 = "AC06", _("The account is blocked")
    AG01 = "AG01", _("The account may not receive this payment")
    AM05 = "AM05", _("A duplicate payment")
    BE01 = "BE01", _("The account name does not match the account")
    MS03 = "MS03", _("No reason given by the bank")
    RR04 = "RR04", _("Refused for regulatory reasons")
    NARR = "NARR", _("See the bank's note")


def return_reason_text(reason: str) -> str:
    """A return's reason as people read it: "AC04 extra words" → "The account is closed (AC04) extra words"."""
    code, _sep, rest = (reason or "").strip().partition(" ")
    if code in ReturnReason.values:
        return " ".join(part for part in (f"{ReturnReason(code).label}（{code}）", rest) if part)
    return reason or str(ReturnReason.MS03.label)
