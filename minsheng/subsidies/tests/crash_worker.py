"""The real policy-funds payment batch in its own process, for the crash test to kill (not a test itself).

    python -m minsheng.subsidies.tests.crash_worker <policy code> <journal>

Pays the policy's approved grants through a slow simulated bank that keeps its journal in a file.
"""

import sys


def main(policy_code: str, journal: str) -> None:
    import django

    django.setup()
    from minsheng.ledger.bank import SimulatedBank
    from minsheng.subsidies.models import Policy
    from minsheng.subsidies.services import grant_batch_pay

    policy = Policy.objects.get(code=policy_code)
    print("ready", flush=True)
    grant_batch_pay(policy=policy, bank=SimulatedBank(latency_ms=30, failure_rate=0.2, seed=7, journal=journal),
                    chunk=4)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
