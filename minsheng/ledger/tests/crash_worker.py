"""A payment batch run in its own process, for the crash test to kill halfway (not a test itself).

    python -m minsheng.ledger.tests.crash_worker <journal>

Settles every open reservation through a slow simulated bank that keeps its journal in a file.
"""

import sys


def main(journal: str) -> None:
    import django

    django.setup()
    from minsheng.ledger.bank import SimulatedBank
    from minsheng.ledger.batches import SettleRequest, pending_settle_batch
    from minsheng.ledger.choices import TransferKind
    from minsheng.ledger.models import Transfer

    reservations = Transfer.objects.filter(kind=TransferKind.PENDING).order_by("id")
    requests = [SettleRequest(pending=r, account_no=f"6222{r.pk:08d}", account_name=r.key) for r in reservations]
    print("ready", flush=True)
    bank = SimulatedBank(latency_ms=30, failure_rate=0.25, seed=11, journal=journal)
    pending_settle_batch(requests=requests, bank=bank, chunk=4)


if __name__ == "__main__":
    main(sys.argv[1])
