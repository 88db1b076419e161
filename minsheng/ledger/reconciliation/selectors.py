"""Reads of reconciliation, scoped to the user: funds officers and administrators read and act;
supervisors and leaders read. Everyone else reads nothing (the pages answer 403)."""

from django.db.models import Count, Q, QuerySet, Sum

from minsheng.org.choices import Role
from minsheng.org.scope import ObjectScope, restrict, roles, scope_condition, user_scope

from ..choices import IN_CLEARING, ExceptionState, PaymentState
from ..models import BankPayment, ReconciliationException, Statement, StatementLine

# Bank statements and payments are the whole city's, like the ledger: only city-wide grants reach them.
RECONCILIATION_RULES = ObjectScope(
    read_region=roles(Role.FUNDS_OFFICER, Role.SUPERVISOR, Role.LEADER, Role.ADMIN),
    write_region=roles(Role.FUNDS_OFFICER, Role.ADMIN),
    regionless_for_all=False,
)


def reconciliation_readable(user) -> bool:
    return scope_condition(user_scope(user), action="read", rules=RECONCILIATION_RULES) is not None


def reconciliation_writable(user) -> bool:
    """Whether the user may import statements and act on exceptions (funds officers, administrators)."""
    return scope_condition(user_scope(user), action="write", rules=RECONCILIATION_RULES) is not None


def scope_to_readers(queryset: QuerySet, user) -> QuerySet:
    return restrict(queryset, user=user, action="read", rules=RECONCILIATION_RULES)


def statement_list(*, user) -> QuerySet[Statement]:
    return scope_to_readers(Statement.objects.select_related("imported_by"), user).order_by("-imported_at", "-id")


def statement_get(*, user, pk: int) -> Statement:
    return statement_list(user=user).get(pk=pk)


def statement_lines(*, user, statement: Statement, outcome: str | None = None) -> QuerySet[StatementLine]:
    qs = scope_to_readers(StatementLine.objects.select_related("payment"), user).filter(statement=statement)
    if outcome:
        qs = qs.filter(outcome=outcome)
    return qs.order_by("line_no")


def exception_list(*, user, state: str | None = ExceptionState.OPEN, kind: str | None = None
                   ) -> QuerySet[ReconciliationException]:
    qs = scope_to_readers(ReconciliationException.objects.select_related("payment", "line", "line__statement",
                                                                  "resolved_by"), user)
    if state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-occurred_on", "-id")


def exception_get(*, user, pk: int) -> ReconciliationException:
    return exception_list(user=user, state=None).get(pk=pk)


def payment_list(*, user, state: str | None = None, search: str = "") -> QuerySet[BankPayment]:
    qs = scope_to_readers(BankPayment.objects.select_related("source"), user)
    if state:
        qs = qs.filter(state=state)
    if search:
        qs = qs.filter(Q(reference=search) | Q(payee_name__icontains=search))
    return qs.order_by("-sent_at", "-id")


def match_candidates(*, user, exception: ReconciliationException, limit: int = 20) -> list[BankPayment]:
    """Payments a line in the queue could belong to: still in clearing, with the line's amount
    (or, for a credit, settled too), oldest first."""
    if exception.line is None:
        return []
    states = (*IN_CLEARING, PaymentState.SETTLED) if exception.line.direction == "credit" else IN_CLEARING
    qs = payment_list(user=user).filter(state__in=states, amount=exception.line.amount)
    return list(qs.order_by("sent_at", "id")[:limit])


def payments_to_repay(*, user=None) -> QuerySet[BankPayment]:
    """Payments the bank returned and nobody has paid again yet (their money is back on the
    enterprise's account), oldest first. For the payment code (``user=None``: the system's own
    background work) and for the pages (scoped to the user)."""
    qs = BankPayment.objects.filter(state=PaymentState.RETURNED, repaid_by__isnull=True).select_related("source")
    if user is not None:
        qs = scope_to_readers(qs, user)
    return qs.order_by("returned_on", "id")


def outstanding_totals(*, user) -> dict[str, int]:
    """How many payments, and how much, wait in clearing (outstanding or in the queue)."""
    totals = scope_to_readers(BankPayment.objects.filter(state__in=IN_CLEARING), user).aggregate(
        count=Count("id"), amount=Sum("amount"))
    return {"count": totals["count"] or 0, "amount": totals["amount"] or 0}


def open_exception_counts(*, user) -> dict[str, int]:
    rows = (scope_to_readers(ReconciliationException.objects.filter(state=ExceptionState.OPEN), user)
            .values_list("kind").annotate(n=Count("id")).order_by())
    return dict(rows)
