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
# says the failed attempt was paid after all.
GRANT_TRANSITIONS: dict[str, frozenset[str]] = {
    GrantState.OFFERED: frozenset({GrantState.CONFIRMED, GrantState.REFUSED, GrantState.OFFERED,
                                   GrantState.WITHDRAWN}),
    GrantState.CONFIRMED: frozenset({GrantState.APPROVED, GrantState.REFUSED, GrantState.OFFERED,
                                     GrantState.WITHDRAWN}),
    GrantState.APPROVED: frozenset({GrantState.PAYING}),
    GrantState.PAYING: frozenset({GrantState.PAID, GrantState.FAILED}),
    GrantState.PAID: frozenset(),
    GrantState.FAILED: frozenset({GrantState.APPROVED, GrantState.PAID}),
    GrantState.REFUSED: frozenset({GrantState.CONFIRMED}),
    GrantState.WITHDRAWN: frozenset({GrantState.OFFERED}),
}

# States in which an offer is still open (not yet approved): a superseded version withdraws them.
OPEN_OFFER_STATES = frozenset({GrantState.OFFERED, GrantState.CONFIRMED})

# States in which a grant holds money: reserved on the ledger or paid out.
HOLDING_STATES = frozenset({GrantState.APPROVED, GrantState.PAYING, GrantState.PAID})


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
