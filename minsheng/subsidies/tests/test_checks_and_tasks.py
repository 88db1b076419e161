"""The stuck-payment finisher runs periodically; ledger_check() also compares the grants with the ledger."""

import ast
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import translation

from minsheng.ledger.choices import AccountKind
from minsheng.ledger.models import Transfer
from minsheng.ledger.services import account_open, ledger_check, transfer_create
from minsheng.org.choices import Role
from minsheng.org.management.commands.periodic import periodic_tasks
from minsheng.org.tests.factories import person
from minsheng.subsidies import services, tasks
from minsheng.subsidies.checks import grant_ledger_problems
from minsheng.subsidies.choices import GrantState
from minsheng.subsidies.models import Grant, Recovery

from .factories import enterprise, officers, published_policy
from .test_money_integrity import ScriptedBank, confirm

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def confirmed_grants(n: int, **policy):
    version = published_policy(**policy)
    owners = [person(Role.ENTERPRISE) for _ in range(n)]
    firms = [enterprise(facts={("gas_m3", "2025"): 200000}, user=owner) for owner in owners]
    services.policy_match(version=version)
    return version, [confirm(f.grants.get(), o, settle=False) for f, o in zip(firms, owners, strict=True)]


# --- the periodic finisher ------------------------------------------------------------------------------

def test_the_finisher_is_declared_periodic_and_found_by_the_periodic_command():
    assert (tasks.subsidies_finish_payments, tasks.FINISH_PAYMENTS_EVERY) in tasks.PERIODIC
    assert tasks.subsidies_finish_payments in [task for task, _every in periodic_tasks()]


def test_grants_left_paying_by_a_crash_and_grants_approved_but_never_paid_are_finished_for_every_policy():
    _first, (stuck, approved) = confirmed_grants(2)
    _second, (other,) = confirmed_grants(1)
    for grant in (stuck, approved, other):
        services.grant_approve(grant=grant)
    with transaction.atomic():  # the claim committed, then the process died before asking the bank
        services._claim([stuck.pk], save=True)
    stuck.refresh_from_db()
    assert stuck.state == GrantState.PAYING
    assert ledger_check() == []  # paying still holds its open reservation: nothing to report
    result = tasks.subsidies_finish_payments.call()
    assert (result["paid"], result["policies_in_error"]) == (3, 0)
    assert set(Grant.objects.filter(pk__in=[stuck.pk, approved.pk, other.pk]).values_list("state", flat=True)) == {
        GrantState.PAID}
    assert tasks.subsidies_finish_payments.call()["paid"] == 0  # run again: nothing twice
    assert ledger_check() == []


def test_one_policy_whose_bank_breaks_does_not_stop_the_others(monkeypatch):
    first, (a,) = confirmed_grants(1)
    _second, (b,) = confirmed_grants(1)
    for grant in (a, b):
        services.grant_approve(grant=grant)
    real = tasks.grant_batch_pay

    def flaky(*, policy, **kwargs):
        if policy.pk == first.policy_id:
            raise ConnectionError("bank unreachable")
        return real(policy=policy, **kwargs)

    monkeypatch.setattr(tasks, "grant_batch_pay", flaky)
    result = tasks.subsidies_finish_payments.call()
    assert (result["paid"], result["policies_in_error"]) == (1, 1)


# --- grants compared with the ledger -----------------------------------------------------------------

def test_a_healthy_life_cycle_is_clean_with_recoveries_and_objections_too():
    _version, (grant,) = confirmed_grants(1)
    services.grant_approve(grant=grant)
    grant = services.grant_pay(grant=grant, bank=ScriptedBank())
    x, y = officers()
    recovery = services.recovery_request(grant=grant, reason="a", actor=x)
    services.recovery_decide(recovery=recovery, actor=y, approve=True)
    services.recovery_repayment_record(grant=grant, amount=1_00, reference="BK-1", actor=None)
    assert grant_ledger_problems() == [] and ledger_check() == []


def test_an_approved_grant_without_its_reservation_is_reported():
    _version, (grant,) = confirmed_grants(1)
    Grant.objects.filter(pk=grant.pk).update(state=GrantState.APPROVED)  # as a bug or a hand edit would
    assert any(grant.reserve_key in p and "no reservation" in p for p in ledger_check())


def test_a_reservation_of_another_amount_is_reported():
    _version, (grant,) = confirmed_grants(1)
    services.grant_approve(grant=grant)
    Grant.objects.filter(pk=grant.pk).update(amount=grant.amount + 1)
    assert any("the reservation is" in p for p in grant_ledger_problems())


def test_a_paid_grant_without_a_posted_payment_is_reported():
    _version, (grant,) = confirmed_grants(1)
    Grant.objects.filter(pk=grant.pk).update(state=GrantState.PAID)
    assert any("no payment is posted" in p for p in grant_ledger_problems())


def test_an_open_reservation_that_no_grant_holds_is_reported():
    version = published_policy()
    envelope = services.budget_account(policy=version.policy, year="2025")
    firm = account_open(code="enterprise:stray", name="stray", kind=AccountKind.ENTERPRISE)
    transfer_create(key="grant:stray:1:2025", debit=envelope, credit=firm, amount=1_00, pending=True,
                    metadata={"grant": 999999})
    assert any("grant:stray:1:2025" in p and "no approved grant" in p for p in ledger_check())


def test_a_recovery_whose_receivable_is_missing_is_reported():
    _version, (grant,) = confirmed_grants(1)
    services.grant_approve(grant=grant)
    grant = services.grant_pay(grant=grant, bank=ScriptedBank())
    x, _y = officers()
    recovery = services.recovery_request(grant=grant, reason="a", actor=x)
    Recovery.objects.filter(pk=recovery.pk).update(state="recovering")  # approved without booking
    assert any(f"Recovery {recovery.pk}" in p for p in grant_ledger_problems())


def test_ledger_reservations_of_other_apps_are_not_the_grants_business():
    gas = account_open(code="budget:other", name="x", kind=AccountKind.BUDGET, debits_must_not_exceed_credits=True)
    treasury = account_open(code="treasury:x", name="x", kind=AccountKind.TREASURY)
    firm = account_open(code="enterprise:x", name="x", kind=AccountKind.ENTERPRISE)
    transfer_create(key="fund", debit=treasury, credit=gas, amount=10_00)
    transfer_create(key="grant:7", debit=gas, credit=firm, amount=1_00, pending=True)  # no metadata.grant
    assert ledger_check() == []
    assert Transfer.objects.count() == 2


def test_the_ledger_does_not_import_the_policy_funds_app_at_module_level():
    ledger = Path(__file__).resolve().parents[2] / "ledger"
    for path in ledger.glob("*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:  # top-level statements only
            if isinstance(node, ast.ImportFrom):
                assert "subsidies" not in (node.module or ""), path.name
            elif isinstance(node, ast.Import):
                assert not any("subsidies" in alias.name for alias in node.names), path.name


def test_many_problems_of_one_kind_are_listed_up_to_a_limit_and_counted(monkeypatch):
    from minsheng.subsidies import checks

    _version, grants = confirmed_grants(3)
    Grant.objects.filter(pk__in=[g.pk for g in grants]).update(state=GrantState.PAID)
    monkeypatch.setattr(checks, "LIMIT", 2)
    problems = grant_ledger_problems()
    assert len(problems) == 3 and "1 more" in problems[-1]


def test_the_finisher_leaves_a_grant_an_officer_approved_by_hand_for_a_second_officer_to_pay():
    version, (by_hand, by_rules) = confirmed_grants(2)
    x, y = officers()
    services.grant_approve(grant=by_hand, actor=x)
    services.grant_approve(grant=by_rules)
    result = tasks.subsidies_finish_payments.call()
    assert result["paid"] == 1
    by_hand.refresh_from_db()
    by_rules.refresh_from_db()
    assert (by_hand.state, by_rules.state) == (GrantState.APPROVED, GrantState.PAID)
    assert services.grant_batch_pay(policy=version.policy, actor=y, bank=ScriptedBank()).paid == 1
