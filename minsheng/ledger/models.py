"""Double-entry accounts with running totals, and the append-only transfers that move them.

An account's four totals are a cache of its transfers, kept exact by the services under row
locks and checked by ``ledger_check``; the transfers are the record. The database itself refuses
to change a transfer (triggers, see the 0002 migration), a negative total, and a budget whose
debits exceed its credits.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .choices import (
    IN_CLEARING,
    AccountKind,
    ExceptionKind,
    ExceptionState,
    LineDirection,
    LineOutcome,
    PaymentState,
    Resolution,
    StatementFormat,
    TransferKind,
)


class Account(models.Model):
    code = models.CharField(_("code"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=AccountKind.choices, db_index=True)
    # A budget cannot spend (or reserve) more than it was funded with.
    debits_must_not_exceed_credits = models.BooleanField(_("debits must not exceed credits"), default=False)
    posted_debits = models.BigIntegerField(_("posted debits (fen)"), default=0)
    posted_credits = models.BigIntegerField(_("posted credits (fen)"), default=0)
    pending_debits = models.BigIntegerField(_("pending debits (fen)"), default=0)
    pending_credits = models.BigIntegerField(_("pending credits (fen)"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["kind", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(posted_debits__gte=0, posted_credits__gte=0, pending_debits__gte=0, pending_credits__gte=0),
                name="ledger_account_totals_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(debits_must_not_exceed_credits=False)
                | Q(posted_credits__gte=F("posted_debits") + F("pending_debits")),
                name="ledger_account_budget_not_exceeded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Transfer(models.Model):
    key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    debit_account = models.ForeignKey(
        Account, verbose_name=_("debit account"), on_delete=models.PROTECT, related_name="debit_transfers"
    )
    credit_account = models.ForeignKey(
        Account, verbose_name=_("credit account"), on_delete=models.PROTECT, related_name="credit_transfers"
    )
    amount = models.BigIntegerField(_("amount (fen)"))
    kind = models.CharField(_("kind"), max_length=20, choices=TransferKind.choices)
    pending = models.ForeignKey(
        "self",
        verbose_name=_("reservation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resolutions",
        help_text=_("The reservation this transfer posts or voids."),
    )
    reverses = models.ForeignKey(
        "self",
        verbose_name=_("reverses"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversals",
        help_text=_("The transfer this one corrects by moving the same amount back."),
    )
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="ledger_transfer_amount_positive"),
            models.CheckConstraint(
                condition=~Q(debit_account=F("credit_account")), name="ledger_transfer_two_accounts"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[TransferKind.POST_PENDING, TransferKind.VOID_PENDING], pending__isnull=False)
                | Q(~Q(kind__in=[TransferKind.POST_PENDING, TransferKind.VOID_PENDING]), pending__isnull=True),
                name="ledger_transfer_resolution_names_reservation",
            ),
            # A reservation is posted or voided once; a transfer is reversed once.
            models.UniqueConstraint(fields=["pending"], name="ledger_transfer_resolved_once"),
            models.UniqueConstraint(fields=["reverses"], name="ledger_transfer_reversed_once"),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.get_kind_display()} {self.amount}"

    @property
    def is_resolution(self) -> bool:
        return self.kind in (TransferKind.POST_PENDING, TransferKind.VOID_PENDING)


# --- reconciliation (对账): payments sent through the bank, its statements, and the exceptions ----


class BankPayment(models.Model):
    """A payment the bank accepted: its money sits in the clearing account (moved there by
    ``sent_transfer``) until a statement line settles it, or comes back to the enterprise when the
    bank returns it. Keyed by the reference we gave the bank (the camt.053 EndToEndId)."""

    # A statement of 100,000 lines updates 100,000 payments: every index below is one more write per
    # payment settled, so there are only the ones something reads — the reference (unique, and no
    # LIKE index beside it), the payments still in clearing by date (partial: a settled payment
    # leaves it without a write), and the returned payment each re-payment replaces (partial).
    # The links to transfers carry none: transfers are never deleted, and the transfer's unique key
    # and the payment's unique reference already make the sent transfer one per payment.
    reference = models.CharField(_("payment reference"), max_length=200)
    sent_transfer = models.ForeignKey(
        Transfer, verbose_name=_("transfer to clearing"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    source = models.ForeignKey(
        Account, verbose_name=_("paid from"), on_delete=models.PROTECT, related_name="bank_payments", db_index=False
    )
    amount = models.BigIntegerField(_("amount (fen)"))
    payee_account_no = models.CharField(_("payee account number"), max_length=64)
    payee_name = models.CharField(_("payee name"), max_length=200)
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    sent_at = models.DateTimeField(_("sent at"))
    state = models.CharField(
        _("state"), max_length=20, choices=PaymentState.choices, default=PaymentState.OUTSTANDING
    )
    settled_on = models.DateField(_("settled on (value date)"), null=True, blank=True)
    settlement_transfer = models.ForeignKey(
        Transfer, verbose_name=_("settlement transfer"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+", db_index=False,
    )
    returned_on = models.DateField(_("returned on"), null=True, blank=True)
    return_transfer = models.ForeignKey(
        Transfer, verbose_name=_("return transfer"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+", db_index=False,
    )
    return_reason = models.CharField(_("reason for the return"), max_length=200, blank=True)
    replaces = models.ForeignKey(
        "self", verbose_name=_("pays again"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="repaid_by", db_index=False, help_text=_("The returned payment this one pays again."),
    )
    changed_at = models.DateTimeField(_("changed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("bank payment")
        verbose_name_plural = _("bank payments")
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(fields=["sent_at"], condition=Q(state__in=IN_CLEARING), name="ledger_bankpayment_clearing"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["reference"], name="ledger_bankpayment_reference_once"),
            # a returned payment is paid again once
            models.UniqueConstraint(fields=["replaces"], condition=Q(replaces__isnull=False),
                                    name="ledger_bankpayment_repaid_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="ledger_bankpayment_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.reference


class Statement(models.Model):
    """One imported statement file: imported whole or not at all, and once (by file hash, and by the
    bank's statement id for the account)."""

    statement_id = models.CharField(_("bank statement id"), max_length=200, blank=True)
    account_no = models.CharField(_("account number"), max_length=64, blank=True)
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64, unique=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    format = models.CharField(_("format"), max_length=10, choices=StatementFormat.choices)
    from_date = models.DateField(_("first value date"), null=True, blank=True)
    to_date = models.DateField(_("last value date"), null=True, blank=True)
    line_count = models.PositiveIntegerField(_("lines"), default=0)
    debit_total = models.BigIntegerField(_("debits (fen)"), default=0)
    credit_total = models.BigIntegerField(_("credits (fen)"), default=0)
    settled_count = models.PositiveIntegerField(_("settled"), default=0)
    returned_count = models.PositiveIntegerField(_("returned"), default=0)
    exception_count = models.PositiveIntegerField(_("exceptions"), default=0)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("imported by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )

    class Meta:
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")
        ordering = ["-imported_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account_no", "statement_id"], condition=~Q(statement_id=""),
                name="ledger_statement_once_per_account",
            )
        ]

    def __str__(self) -> str:
        return self.statement_id or self.file_name or self.file_sha256[:12]


class StatementLine(models.Model):
    # Lines are written 100,000 at a time, so they carry only the indexes something reads: (statement,
    # line_no) for a statement's page, the transaction id for finding duplicates. Nothing looks lines
    # up by reference or by payment in bulk (a line names its payment; the payment, its exceptions).
    statement = models.ForeignKey(
        Statement, verbose_name=_("statement"), on_delete=models.PROTECT, related_name="lines", db_index=False
    )
    line_no = models.PositiveIntegerField(_("line"))
    value_date = models.DateField(_("value date"))
    reference = models.CharField(_("payment reference"), max_length=200, blank=True)
    bank_transaction_id = models.CharField(_("bank transaction id"), max_length=100)
    amount = models.BigIntegerField(_("amount (fen)"))
    direction = models.CharField(_("direction"), max_length=10, choices=LineDirection.choices)
    counterparty_account = models.CharField(_("counterparty account"), max_length=64, blank=True)
    counterparty_name = models.CharField(_("counterparty name"), max_length=200, blank=True)
    remark = models.CharField(_("remark"), max_length=300, blank=True)
    return_reason = models.CharField(_("reason for the return"), max_length=200, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=LineOutcome.choices)
    payment = models.ForeignKey(
        BankPayment, verbose_name=_("payment"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="lines", db_index=False,
    )

    class Meta:
        verbose_name = _("statement line")
        verbose_name_plural = _("statement lines")
        ordering = ["statement", "line_no"]
        indexes = [models.Index(fields=["bank_transaction_id"], name="ledger_statementline_txid")]
        constraints = [
            models.UniqueConstraint(fields=["statement", "line_no"], name="ledger_statementline_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="ledger_statementline_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.statement_id}:{self.line_no}"


class ReconciliationException(models.Model):
    """One entry of the exceptions queue: a statement line or a payment the matching could not
    account for. Resolved by a funds officer (audited), or by a later statement."""

    kind = models.CharField(_("kind"), max_length=20, choices=ExceptionKind.choices)
    state = models.CharField(_("state"), max_length=10, choices=ExceptionState.choices, default=ExceptionState.OPEN)
    payment = models.ForeignKey(
        BankPayment, verbose_name=_("payment"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="exceptions",
    )
    line = models.ForeignKey(
        StatementLine, verbose_name=_("statement line"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="exceptions",
    )
    amount = models.BigIntegerField(_("amount (fen)"))
    occurred_on = models.DateField(_("date"))
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    resolution = models.CharField(_("resolution"), max_length=20, choices=Resolution.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("resolved by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )

    class Meta:
        verbose_name = _("reconciliation exception")
        verbose_name_plural = _("reconciliation exceptions")
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["state", "kind"], name="ledger_reconexc_state_kind")]
        constraints = [
            # The periodic check flags a payment missing from the statements once.
            models.UniqueConstraint(
                fields=["payment"], condition=Q(kind=ExceptionKind.NOT_ON_STATEMENT),
                name="ledger_reconexc_not_on_statement_once",
            ),
            models.CheckConstraint(
                condition=Q(payment__isnull=False) | Q(line__isnull=False), name="ledger_reconexc_names_something"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"
