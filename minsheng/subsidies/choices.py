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
    SECTION = "section", _("Section (门类)")
    DIVISION = "division", _("Division (大类)")


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


# The one table of allowed grant transitions, checked in services._transition.
GRANT_TRANSITIONS: dict[str, frozenset[str]] = {
    GrantState.OFFERED: frozenset({GrantState.CONFIRMED, GrantState.REFUSED}),
    GrantState.CONFIRMED: frozenset({GrantState.APPROVED, GrantState.REFUSED}),
    GrantState.APPROVED: frozenset({GrantState.PAYING}),
    GrantState.PAYING: frozenset({GrantState.PAID, GrantState.FAILED}),
    GrantState.PAID: frozenset(),
    GrantState.FAILED: frozenset(),
    GrantState.REFUSED: frozenset(),
}

# States in which a grant holds money: reserved on the ledger or paid out.
HOLDING_STATES = frozenset({GrantState.APPROVED, GrantState.PAYING, GrantState.PAID})
