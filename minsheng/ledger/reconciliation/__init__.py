"""Bank reconciliation (对账): money sent through the bank waits in the clearing account until the
bank's statement shows it; statements are imported (CSV or camt.053), matched to the payments by
reference and amount, settled on the ledger, and whatever does not match goes on the exceptions
queue for a funds officer. See docs/ledger.md, "Reconciliation".

    sent.py       payment_sent / payment_sent_batch — the payment code's call when the bank accepts
    formats.py    statement files: parse CSV and camt.053, write both
    matching.py   the matching rules (pure)
    imports.py    statement_import — parse, match, settle, queue, in one transaction
    queue.py      exception actions, the overdue check, reconciliation_check
    selectors.py  reads scoped to the user; payments_to_repay for the payment code
    report.py     the daily reconciliation report
    bulk.py       set-based inserts and updates
"""
