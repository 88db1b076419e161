"""Ledger vocabulary: kinds of account and kinds of transfer."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountKind(models.TextChoices):
    BUDGET = "budget", _("Policy budget")
    ENTERPRISE = "enterprise", _("Enterprise")
    CLEARING = "clearing", _("Bank clearing")
    TREASURY = "treasury", _("Treasury (source of funds)")
    RECEIVABLE = "receivable", _("Receivable (money owed back)")


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
