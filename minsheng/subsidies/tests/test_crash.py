"""The real ``grant_batch_pay`` killed with SIGKILL halfway on PostgreSQL, then run again: every grant is
settled, and the bank moved money once per grant (issue 18, defect 10). The assertion counts what the bank
confirmed per grant, whatever reference it came under, so a rerun that paid under a new reference fails."""

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from minsheng.ledger.bank import SimulatedBank
from minsheng.ledger.services import ledger_check
from minsheng.org.choices import Role
from minsheng.org.tests.factories import person
from minsheng.subsidies import services
from minsheng.subsidies.choices import GrantState
from minsheng.subsidies.models import Grant

from .factories import enterprise, published_policy

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]
COUNT = 24


def approved_grants():
    services.reference_data_ensure()
    version = published_policy(code="gas-crash")
    for i in range(COUNT):
        e = enterprise(facts={("gas_m3", "2025"): 150000 + i}, user=person(Role.ENTERPRISE))
        services.policy_match(version=version)
        services.grant_confirm(grant=e.grants.get(), user=e.users.first(), bank_account_no="6222020200112233445",
                               settle=False)
    assert services.grant_batch_approve(policy=version.policy).approved == COUNT
    return version


def grant_of(reference: str) -> str:
    """The grant a bank reference pays: a later attempt adds ':a<n>' to the first attempt's key."""
    head, _, tail = reference.rpartition(":")
    return head if tail.startswith("a") and tail[1:].isdigit() else reference


def test_a_payment_batch_killed_halfway_and_run_again_pays_every_grant_once(tmp_path: Path, work_calendar):
    version = approved_grants()
    journal = tmp_path / "bank.jsonl"
    database = connection.settings_dict
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "minsheng.config.settings_test",
           "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"}
    worker = subprocess.Popen([sys.executable, "-m", "minsheng.subsidies.tests.crash_worker", "gas-crash",
                               str(journal)], cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            lines = journal.read_text().splitlines() if journal.exists() else []
            if len(lines) >= COUNT // 2 or worker.poll() is not None:
                break
            time.sleep(0.01)
        assert worker.poll() is None, worker.stderr.read().decode()[-2000:]
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    asked_before = len(journal.read_text().splitlines())
    assert COUNT // 2 <= asked_before < COUNT
    assert Grant.objects.filter(state=GrantState.PAYING).exists() or \
        Grant.objects.filter(state=GrantState.APPROVED).exists()  # it really died halfway

    services.grant_batch_pay(policy=version.policy, bank=SimulatedBank(latency_ms=0, failure_rate=0.2, seed=7,
                                                                       journal=journal))

    entries = [json.loads(line) for line in journal.read_text().splitlines()]
    confirmed = Counter(grant_of(e["reference"]) for e in entries if e["status"] == "confirmed")
    grants = list(Grant.objects.filter(policy=version.policy))
    assert {g.state for g in grants} <= {GrantState.PAID, GrantState.FAILED}
    paid = {g.reserve_key for g in grants if g.state == GrantState.PAID}
    assert set(confirmed) == paid and set(confirmed.values()) == {1}  # money moved once per paid grant
    assert ledger_check() == []
