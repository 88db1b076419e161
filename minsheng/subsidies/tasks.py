"""Background work for policy funds (Django's task framework): batch approval and payment.

A real bank answers in seconds, not milliseconds; a payment run for a whole policy belongs in a
worker. Both services are idempotent and chunked, so a task killed halfway is simply run again.
"""

from dataclasses import asdict

from django_tasks import task

from .models import Policy
from .services import grant_batch_approve, grant_batch_pay


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
    """Finish grants left approved or half-paid (after a crash or a bank outage), for every policy."""
    totals = {"paid": 0, "failed": 0}
    for policy in Policy.objects.filter(grants__state__in=["approved", "paying"]).distinct():
        result = grant_batch_pay(policy=policy)
        totals["paid"] += result.paid
        totals["failed"] += result.failed
    return totals
