"""Background work for the ledger: verify its invariants (run it nightly and after every batch).

A problem found is logged as an error and written to the audit trail, where administrators see
it; the check never repairs anything — a wrong total is a bug to find, not a number to overwrite.
"""

import logging

from django_tasks import task

from minsheng.audit.services import audit_record

from .services import ledger_check

logger = logging.getLogger(__name__)


@task()
def ledger_verify() -> dict[str, object]:
    problems = ledger_check()
    for problem in problems:
        logger.error("ledger invariant broken: %s", problem)
    if problems:
        audit_record(actor=None, action="ledger.check_failed", summary={"problems": problems[:50]})
    return {"healthy": not problems, "problems": problems}


# Enqueued by `minsheng periodic`: the invariants are checked every night (and after payment runs).
PERIODIC = [(ledger_verify, 24 * 3600)]
