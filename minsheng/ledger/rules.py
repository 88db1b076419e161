"""The ledger's rules as pure functions, tested without a database."""

import json

from django.utils.translation import gettext_lazy as _

KEY_MAX_LENGTH = 200
# Far above any real amount (about 46 trillion yuan) and far below where a bigint total overflows.
AMOUNT_MAX = 2**62 // 1000


def amount_problem(amount) -> str | None:
    """Why ``amount`` (fen) cannot be moved, or None: a whole number of fen, above zero."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        return _("An amount is a whole number of fen.")
    if amount <= 0:
        return _("An amount must be more than zero.")
    if amount > AMOUNT_MAX:
        return _("The amount is too large.")
    return None


def key_problem(key) -> str | None:
    """Why ``key`` cannot identify a transfer, or None."""
    if not isinstance(key, str) or not key.strip():
        return _("A transfer needs an idempotency key.")
    if len(key) > KEY_MAX_LENGTH:
        return _("An idempotency key has at most %(n)s characters.") % {"n": KEY_MAX_LENGTH}
    return None


def metadata_problem(metadata) -> str | None:
    """Why ``metadata`` cannot be stored with a transfer, or None: a JSON object, or nothing."""
    if metadata is None:
        return None
    if not isinstance(metadata, dict):
        return _("Transfer metadata is a JSON object.")
    try:
        json.dumps(metadata)
    except (TypeError, ValueError):
        return _("Transfer metadata must hold only JSON values (text, numbers, lists, objects).")
    return None


def budget_allows(*, limited: bool, posted_debits: int, pending_debits: int, posted_credits: int, amount: int) -> bool:
    """Whether an account may be debited ``amount`` more: a budget only up to what it was funded with.

    Reserved (pending) debits count as spent; pending credits do not count as funded yet.
    """
    return not limited or posted_debits + pending_debits + amount <= posted_credits


def yuan(fen: int) -> str:
    """Fen as yuan for people: 123456789 → "1,234,567.89"."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def payment_move_problem(current: str, wanted: str) -> str | None:
    """Why a bank payment cannot move from state ``current`` to ``wanted`` (``choices.PAYMENT_MOVES``), or None."""
    from .choices import PAYMENT_MOVES, PaymentState

    if wanted in PAYMENT_MOVES.get(current, frozenset()):
        return None
    return _("A payment that is %(current)s cannot become %(wanted)s.") % {
        "current": PaymentState(current).label, "wanted": PaymentState(wanted).label}
