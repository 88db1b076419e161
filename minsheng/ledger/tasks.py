"""Background work for the ledger: verify its invariants (run it nightly and after every batch), and
put payments that no bank statement shows after a few days on the reconciliation exceptions queue.

A problem found is logged as an error and written to the audit trail, where administrators see
it; the check never repairs anything — a wrong total is a bug to find, not a number to overwrite.
"""

import logging

from django_tasks import task

from minsheng.audit.services import audit_record

from .reconciliation.queue import payments_overdue_check, reconciliation_check
from .services import ledger_check

logger = logging.getLogger(__name__)


@task()
def ledger_verify() -> dict[str, object]:
    problems = ledger_check() + reconciliation_check()
    for problem in problems:
        logger.error("ledger invariant broken: %s", problem)
    if problems:
        audit_record(actor=None, action="ledger.check_failed", summary={"problems": problems[:50]})
    return {"healthy": not problems, "problems": problems}


@task()
def reconciliation_overdue_check() -> dict[str, int]:
    """Flag the payments still outstanding after ``MINSHENG_RECONCILIATION_OVERDUE_DAYS`` days."""
    result = payments_overdue_check()
    return {"flagged": result.flagged, "days": result.days}


# Enqueued by `minsheng periodic`: the invariants are checked every night (and after payment runs);
# missing payments are looked for every hour (a payment is flagged once).
PERIODIC = [(ledger_verify, 24 * 3600), (reconciliation_overdue_check, 3600)]
