"""Races on PostgreSQL: many workers approving and paying the same grants, confirming the same offer."""

import threading

import pytest
from django.db import connections

from minsheng.conflicts import Conflict
from minsheng.ledger.bank import SimulatedBank
from minsheng.ledger.services import account_balance, ledger_check
from minsheng.org.choices import Role
from minsheng.org.tests.factories import person
from minsheng.subsidies import services
from minsheng.subsidies.choices import HOLDING_STATES, GrantState
from minsheng.subsidies.models import Grant

from .factories import enterprise, published_policy

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]
ACCOUNT = "6222020200112233445"
WORKERS = 8


@pytest.fixture(autouse=True)
def _reference_data():
    services.reference_data_ensure()


def race(worker, count=WORKERS):
    errors = []
    barrier = threading.Barrier(count)

    def run(index):
        try:
            barrier.wait()
            worker(index)
        except Exception as exc:  # collected and asserted by the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def confirmed_grants(count: int, *, budget: int):
    version = published_policy(budget=budget)
    for _ in range(count):
        enterprise(user=person(Role.ENTERPRISE), facts={("gas_m3", "2025"): 200000})
    services.policy_match(version=version)
    for grant in Grant.objects.all():
        services.grant_confirm(grant=grant, user=grant.enterprise.users.get(), bank_account_no=ACCOUNT, settle=False)
    return version


def test_racing_workers_never_pay_twice_nor_overrun_the_budget():
    version = confirmed_grants(12, budget=7 * 2_000_000)  # room for 7 of the 12
    bank = SimulatedBank(seed=7)

    def worker(index):
        if index % 2:
            services.grant_batch_approve(policy=version.policy, chunk=3)
            services.grant_batch_pay(policy=version.policy, bank=bank, chunk=3)
        else:
            for grant in Grant.objects.order_by("?"):
                services.grant_approve(grant=grant)
                services.grant_pay(grant=grant, bank=bank)

    assert race(worker) == []
    states = list(Grant.objects.values_list("state", flat=True))
    assert states.count(GrantState.PAID) == 7 and states.count(GrantState.REFUSED) == 5
    assert set(bank.moved_to.values()) == {1} and len(bank.moved_to) == 7  # each payee paid once
    balance = account_balance(services.budget_account(policy=version.policy, year=version.period))
    assert balance.posted_debits == 7 * 2_000_000 <= balance.posted_credits and balance.pending_debits == 0
    assert ledger_check() == []


def test_racing_confirms_of_one_offer_let_exactly_one_through():
    owner = person(Role.ENTERPRISE)
    version = published_policy()
    e = enterprise(user=owner, facts={("gas_m3", "2025"): 200000})
    services.policy_match(version=version)
    grant = Grant.objects.get(enterprise=e)
    bank = SimulatedBank(seed=3)
    results = []

    def worker(index):
        try:
            results.append(services.grant_confirm(grant=grant, user=owner, bank_account_no=ACCOUNT, bank=bank).state)
        except Conflict:
            results.append("conflict")

    assert race(worker) == []
    assert sorted(results) == ["conflict"] * (WORKERS - 1) + [GrantState.PAID]
    assert bank.moves == {grant.reserve_key: 1}
    assert list(bank.moved_to.values()) == [1]  # one payee, paid once
    assert ledger_check() == []


def test_racing_approvals_across_a_cap_group_hold_the_year_cap():
    group = services.cap_group_create(code="tech", name="技术改造", year_cap=3 * 2_000_000)
    owner = person(Role.ENTERPRISE)
    enterprise(user=owner, facts={("gas_m3", "2025"): 200000})
    versions = [published_policy(cap_group=group) for _ in range(WORKERS)]
    for version in versions:
        services.policy_match(version=version)
    for grant in Grant.objects.all():
        services.grant_confirm(grant=grant, user=owner, bank_account_no=ACCOUNT, settle=False)
    grants = list(Grant.objects.order_by("id"))

    def worker(index):
        services.grant_approve(grant=grants[index])

    assert race(worker) == []
    held = Grant.objects.filter(state__in=HOLDING_STATES).count()
    assert held == 3
    assert ledger_check() == []


def test_racing_batch_approvals_of_policies_in_one_cap_group_hold_the_year_cap():
    group = services.cap_group_create(code="tech", name="技术改造", year_cap=3 * 2_000_000)
    owners = [person(Role.ENTERPRISE) for _ in range(3)]
    for owner in owners:
        enterprise(user=owner, facts={("gas_m3", "2025"): 200000})
    versions = [published_policy(cap_group=group) for _ in range(WORKERS)]
    for version in versions:
        services.policy_match(version=version)
    for grant in Grant.objects.all():
        services.grant_confirm(grant=grant, user=grant.enterprise.users.get(), bank_account_no=ACCOUNT, settle=False)

    def worker(index):
        services.grant_batch_approve(policy=versions[index].policy, chunk=2)

    assert race(worker) == []
    for owner in owners:
        assert Grant.objects.filter(enterprise__users=owner, state__in=HOLDING_STATES).count() == 3
    assert ledger_check() == []


def test_racing_imports_of_one_fact_number_its_revisions_one_after_another():
    from decimal import Decimal

    from minsheng.subsidies.models import EnterpriseFact, EnterpriseFactRevision

    e = enterprise(facts={("gas_m3", "2025"): 1})

    def worker(index):
        services.facts_import(rows=[{"uscc": e.uscc, "fact": "gas_m3", "period": "2025", "value": 100 + index}])

    assert race(worker) == []
    revisions = list(EnterpriseFactRevision.objects.filter(enterprise=e).order_by("number"))
    assert [r.number for r in revisions] == list(range(1, WORKERS + 2))
    fact = EnterpriseFact.objects.get(enterprise=e)
    assert (fact.revision, fact.value) == (revisions[-1].number, revisions[-1].value)
    assert {r.value for r in revisions[1:]} == {Decimal(100 + i) for i in range(WORKERS)}


def test_racing_imports_creating_one_new_fact_keep_one_and_ask_the_others_to_import_again():
    from minsheng.subsidies.models import EnterpriseFact, EnterpriseFactRevision

    e = enterprise()

    def worker(index):
        services.facts_import(rows=[{"uscc": e.uscc, "fact": "tax_paid", "period": "2025", "value": index}])

    errors = race(worker)
    assert all(isinstance(error, Conflict) for error in errors), errors
    fact = EnterpriseFact.objects.get(enterprise=e)
    assert EnterpriseFactRevision.objects.filter(enterprise=e).count() == WORKERS - len(errors)
    assert fact.revision == WORKERS - len(errors)


def _paid_grant():
    version = confirmed_grants(1, budget=100_000_00)
    grant = Grant.objects.get()
    services.grant_approve(grant=grant)
    return version, services.grant_pay(grant=grant, bank=SimulatedBank())


def test_racing_workers_record_one_repayment_per_reference_and_never_more_than_owed():
    from minsheng.subsidies.models import Recovery, RecoveryRepayment

    version, grant = _paid_grant()
    recovery = services.recovery_request(grant=grant, reason="数据有误", actor=person(Role.FUNDS_OFFICER))
    services.recovery_decide(recovery=recovery, actor=person(Role.FUNDS_OFFICER), approve=True)
    # 8 workers send the same bank line; then 8 send different lines of 5,000 yuan against 20,000 owed
    assert race(lambda i: services.recovery_repayment_record(grant=grant, amount=2_000_00, reference="BK-SAME",
                                                              actor=None)) == []
    errors = race(lambda i: services.recovery_repayment_record(grant=grant, amount=5_000_00, reference=f"BK-{i}",
                                                                actor=None))
    assert len(errors) == WORKERS - 3  # 2,000 + 3 × 5,000 = 17,000: a fourth would be 22,000 > 20,000
    recovery = Recovery.objects.get(pk=recovery.pk)
    assert recovery.repaid == 17_000_00 == sum(RecoveryRepayment.objects.values_list("amount", flat=True))
    envelope = account_balance(services.budget_account(policy=version.policy, year="2025"))
    assert envelope.posted_credits == 100_000_00 + 17_000_00
    assert ledger_check() == []


def test_racing_officers_approve_one_recovery_once():
    _version, grant = _paid_grant()
    recovery = services.recovery_request(grant=grant, reason="a", actor=person(Role.FUNDS_OFFICER))
    deciders = [person(Role.FUNDS_OFFICER) for _ in range(WORKERS)]
    errors = race(lambda i: services.recovery_decide(recovery=recovery, actor=deciders[i], approve=True))
    assert len(errors) == WORKERS - 1 and all(isinstance(e, Conflict) for e in errors)
    grant.refresh_from_db()
    assert grant.state == GrantState.RECOVERING and grant.events.filter(to_state=GrantState.RECOVERING).count() == 1
    assert ledger_check() == []
