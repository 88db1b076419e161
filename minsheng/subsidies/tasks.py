"""Background work for policy funds (Django's task framework): batch approval and payment.

A real bank answers in seconds, not milliseconds; a payment run for a whole policy belongs in a
worker. Both services are idempotent and chunked, so a task killed halfway is simply run again.

``subsidies_finish_payments`` runs every few minutes (``PERIODIC``, enqueued by ``minsheng periodic``):
a grant left ``paying`` by a crash between the bank and the ledger, or approved by the rules and never
paid (the process that confirmed it died before paying), is finished without anyone having to notice. A
grant an officer approved by hand is not: a second officer pays it (four eyes).
"""

import logging
from dataclasses import asdict

from django_tasks import task

from .choices import GrantState
from .models import Policy
from .services import grant_batch_approve, grant_batch_pay

logger = logging.getLogger(__name__)


@task()
def subsidies_pay_policy(policy_id: int) -> dict[str, int]:
    """Approve every confirmed grant of the policy, then pay every approved one."""
    policy = Policy.objects.get(pk=policy_id)
    approved = grant_batch_approve(policy=policy)
    paid = grant_batch_pay(policy=policy)
    return {"approved": approved.approved, "refused": approved.refused, **{k: v for k, v in asdict(paid).items()
                                                                         if k in ("paid", "failed")}}


@task()
def subsidies_finish_payments() -> dict[str, int]:
    """Finish grants left approved or half-paid (after a crash or a bank outage), for every policy. A policy
    whose run breaks (the bank unreachable) is logged and left for the next run; the others go on."""
    totals = {"paid": 0, "failed": 0, "policies_in_error": 0}
    for policy in Policy.objects.filter(grants__state__in=[GrantState.APPROVED, GrantState.PAYING]).distinct():
        try:
            result = grant_batch_pay(policy=policy, finishing=True)
        except Exception:
            logger.exception("finishing the payments of policy %s failed; the next run tries again", policy.code)
            totals["policies_in_error"] += 1
            continue
        totals["paid"] += result.paid
        totals["failed"] += result.failed
    return totals


# Every five minutes: a payment stuck halfway waits at most that long (the bank answers a reference it has
# seen from its record, so finishing never pays twice).
FINISH_PAYMENTS_EVERY = 300
PERIODIC = [(subsidies_finish_payments, FINISH_PAYMENTS_EVERY)]
