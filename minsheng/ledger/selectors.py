"""Reads of the ledger, scoped to the user: funds officers, supervisors, leaders and administrators
read every account and transfer; nobody writes through a selector (writes are the services')."""

from django.db.models import Count, Q, QuerySet, Sum

from minsheng.org.choices import Role
from minsheng.org.scope import ObjectScope, restrict, roles, scope_condition, user_scope

from .choices import AccountKind
from .models import Account, Transfer

# The ledger holds the city's budgets and every enterprise's account: it has no region of its own, so only
# city-wide grants read it (a district's funds officer reads its enterprises through the funds pages).
LEDGER_RULES = ObjectScope(read_region=roles(Role.FUNDS_OFFICER, Role.SUPERVISOR, Role.LEADER, Role.ADMIN),
                           regionless_for_all=False)


def ledger_readable(user) -> bool:
    """Whether the user may read the ledger at all (pages answer 403 otherwise, not an empty list)."""
    return scope_condition(user_scope(user), action="read", rules=LEDGER_RULES) is not None


def account_list(*, user, kind: str | None = None, search: str = "") -> QuerySet[Account]:
    qs = restrict(Account.objects.all(), user=user, action="read", rules=LEDGER_RULES)
    if kind:
        qs = qs.filter(kind=kind)
    if search:
        qs = qs.filter(Q(code__icontains=search) | Q(name__icontains=search))
    return qs.order_by("kind", "code")


def account_get(*, user, code: str) -> Account:
    """The account with this code; ``Account.DoesNotExist`` when missing or out of the user's reach."""
    return restrict(Account.objects.all(), user=user, action="read", rules=LEDGER_RULES).get(code=code)


def transfer_list(*, user, account: Account | None = None, kind: str | None = None) -> QuerySet[Transfer]:
    qs = restrict(
        Transfer.objects.select_related("debit_account", "credit_account", "pending", "reverses"),
        user=user, action="read", rules=LEDGER_RULES,
    )
    if account is not None:
        qs = qs.filter(Q(debit_account=account) | Q(credit_account=account))
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-id")


def transfer_get(*, user, key: str) -> Transfer:
    return transfer_list(user=user).get(key=key)


def ledger_totals(*, user) -> list[dict]:
    """Per kind of account: how many, their summed totals (fen), and net = credits - debits posted."""
    rows = list(
        account_list(user=user)
        .order_by()
        .values("kind")
        .annotate(
            accounts=Count("id"),
            posted_debits=Sum("posted_debits"),
            posted_credits=Sum("posted_credits"),
            pending_debits=Sum("pending_debits"),
            pending_credits=Sum("pending_credits"),
        )
        .order_by("kind")
    )
    labels = dict(AccountKind.choices)
    for row in rows:
        row["kind_label"] = labels.get(row["kind"], row["kind"])
        row["net"] = row["posted_credits"] - row["posted_debits"]
    return rows
