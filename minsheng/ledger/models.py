"""Double-entry accounts with running totals, and the append-only transfers that move them.

An account's four totals are a cache of its transfers, kept exact by the services under row
locks and checked by ``ledger_check``; the transfers are the record. The database itself refuses
to change a transfer (triggers, see the 0002 migration), a negative total, and a budget whose
debits exceed its credits.
"""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .choices import AccountKind, TransferKind


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
