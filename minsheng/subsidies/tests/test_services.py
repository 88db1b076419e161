"""Services on the database: imports, policies, four eyes, matching, confirm → approve → pay, caps, budget."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation

from minsheng.conflicts import Conflict
from minsheng.ledger.bank import BankResult, BankStatus, SimulatedBank
from minsheng.ledger.models import Transfer
from minsheng.ledger.services import account_balance, ledger_check
from minsheng.org.choices import Role
from minsheng.org.tests.factories import person, region_tree
from minsheng.subsidies import services
from minsheng.subsidies.choices import GrantState, PolicyMode, VersionState
from minsheng.subsidies.models import Enterprise, EnterpriseFact, Grant, GrantEvent

from .factories import GAS_RULE, enterprise, new_uscc, officers, published_policy

pytestmark = pytest.mark.django_db
ACCOUNT = "6222020200112233445"


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English (the msgids); the UI default is zh-Hans."""
    with translation.override("en"):
        yield


@pytest.fixture
def bank():
    return SimulatedBank(seed=1)


def gas_enterprise(user=None, gas=200000, **kwargs):
    return enterprise(facts={("gas_m3", "2025"): gas}, user=user, **kwargs)


# --- enterprises and facts --------------------------------------------------------------------------

def test_register_refuses_a_malformed_credit_code():
    with pytest.raises(ValidationError) as caught:
        services.enterprise_register(uscc="91440604MA00000010", name="x", region=region_tree()["zumiao"],
                                     industry_code="3360", scale="规上", registered_on=date(2020, 1, 1))
    assert "uscc" in caught.value.message_dict


def test_register_refuses_an_unknown_industry_code():
    with pytest.raises(ValidationError) as caught:
        services.enterprise_register(uscc=new_uscc(), name="x", region=region_tree()["zumiao"], industry_code="9999",
                                     scale="规上", registered_on=date(2020, 1, 1))
    assert "industry_code" in caught.value.message_dict


def test_register_finds_the_district_of_a_town():
    e = enterprise()
    assert e.district == region_tree()["chancheng"]
    assert e.industry.code == "33" and e.industry.section == "C"


def test_facts_import_reports_every_bad_row_and_writes_nothing():
    e = enterprise()
    rows = [
        {"uscc": e.uscc, "fact": "gas_m3", "period": "2025", "value": "1000"},
        {"uscc": "91440604MA00000010", "fact": "gas_m3", "period": "2025", "value": "1"},
        {"uscc": e.uscc, "fact": "unknown_fact", "period": "2025", "value": "1"},
        {"uscc": e.uscc, "fact": "gas_m3", "period": "2025Q1", "value": "1"},
        {"uscc": e.uscc, "fact": "tax_paid", "period": "2025", "value": "-5"},
        {"uscc": e.uscc, "fact": "tax_paid", "period": "2099", "value": "5"},
        {"uscc": e.uscc, "fact": "tax_paid", "period": "2025", "value": "abc"},
    ]
    with pytest.raises(ValidationError) as caught:
        services.facts_import(rows=rows)
    errors = caught.value.message_dict["file"]
    assert [m.split(":")[0] for m in errors] == ["Row 3", "Row 4", "Row 5", "Row 6", "Row 7", "Row 8"]
    assert not EnterpriseFact.objects.exists()


def test_facts_import_replaces_a_value_reported_again():
    e = enterprise(facts={("gas_m3", "2025"): 1000})
    result = services.facts_import(rows=[{"uscc": e.uscc, "fact": "gas_m3", "period": "2025", "value": "2000.5"}])
    assert (result.created, result.updated) == (0, 1)
    assert EnterpriseFact.objects.get(enterprise=e).value == pytest.approx(2000.5)


def test_enterprises_import_is_all_or_nothing():
    good = {"uscc": new_uscc(), "name": "好企业", "region": "440604012", "industry_code": "3360", "scale": "规上",
            "registered_on": "2012-03-04"}
    bad = {**good, "uscc": new_uscc(), "industry_code": "X1"}
    region_tree()
    with pytest.raises(ValidationError) as caught:
        services.enterprises_import(rows=[good, bad])
    assert caught.value.message_dict["file"][0].startswith("Row 3")
    assert not Enterprise.objects.exists()
    assert services.enterprises_import(rows=[good]).created == 1


# --- policies -----------------------------------------------------------------------------------------

def test_a_bad_rule_is_refused_at_save_time_with_its_line():
    author, _ = officers()
    with pytest.raises(ValidationError) as caught:
        services.policy_create(code="bad", name="坏规则", mode=PolicyMode.AUTO_GRANT, actor=author,
                               rule_text='clause a: scale == "规上"\nclause b: fact("nope") > 1\namount: 1',
                               period="2025", budget=100, legal_reference="文件")
    assert caught.value.message_dict["rule_text"][0].startswith("Line 2:")


def test_the_author_cannot_publish_their_own_version():
    author, _ = officers()
    version = services.policy_create(code="gas", name="用气", mode=PolicyMode.AUTO_GRANT, actor=author,
                                     rule_text=GAS_RULE, period="2025", budget=100_00, legal_reference="文件")
    with pytest.raises(ValidationError):
        services.policy_publish(version=version, approver=author, reviewed_hash=version.terms_hash)


def test_a_leader_cannot_create_policies():
    with pytest.raises(PermissionDenied):
        services.policy_create(code="gas", name="用气", mode=PolicyMode.AUTO_GRANT, actor=person(Role.LEADER),
                               rule_text=GAS_RULE, period="2025", budget=100_00, legal_reference="文件")


def test_publishing_funds_the_budget_and_freezes_the_version():
    author, approver = officers()
    version = published_policy(author=author, approver=approver, budget=5_000_00)
    assert version.state == VersionState.PUBLISHED and version.approval.approver == approver
    assert account_balance(services.budget_account(policy=version.policy, year=version.period)).available == 5_000_00
    changed = services.policy_version_save(policy=version.policy, actor=author, rule_text=GAS_RULE, period="2025",
                                           budget=6_000_00, legal_reference="文件")
    assert changed.number == 2 and changed.state == VersionState.DRAFT
    version.refresh_from_db()
    assert version.rule_text == GAS_RULE and version.budget == 5_000_00
    services.policy_publish(version=changed, approver=approver, reviewed_hash=changed.terms_hash)
    version.refresh_from_db()
    assert version.state == VersionState.SUPERSEDED
    assert account_balance(services.budget_account(policy=version.policy, year=version.period)).available == 6_000_00
    assert ledger_check() == []


def test_simulation_counts_totals_and_explains_named_enterprises():
    author, _approver = officers()
    yes = gas_enterprise(gas=200000)
    no = gas_enterprise(gas=100, scale="规下")
    version = services.policy_create(code="gas", name="用气", mode=PolicyMode.AUTO_GRANT, actor=author,
                                     rule_text=GAS_RULE, period="2025", budget=10_000_00, legal_reference="文件")
    simulation = services.policy_simulate(version=version, named=[yes.uscc, no.uscc, "NOTACODE"])
    assert (simulation.eligible, simulation.total) == (1, 2_000_000)
    assert not simulation.within_budget
    assert simulation.by_district == [("禅城区", 1, 2_000_000)]
    assert [t["eligible"] for t in simulation.traces] == [True, False]
    assert [c["result"] for c in simulation.traces[1]["clauses"]] == ["false", "false"]
    assert simulation.unknown == ["NOTACODE"]


# --- grants --------------------------------------------------------------------------------------------

def test_match_offers_once_with_trace_and_hash_and_is_safe_to_rerun():
    version = published_policy()
    e = gas_enterprise()
    gas_enterprise(gas=10)
    assert services.policy_match(version=version).offered == 1
    again = services.policy_match(version=version)
    assert (again.offered, again.existing) == (0, 1)
    grant = Grant.objects.get()
    assert grant.enterprise == e and grant.amount == 2_000_000 and grant.state == GrantState.OFFERED
    assert len(grant.facts_hash) == 64 and grant.trace["clauses"][1]["seen"] == {'fact("gas_m3", "2025")': "200000.00"}


def test_confirm_approves_and_pays_in_one_step(bank):
    owner = person(Role.ENTERPRISE)
    version = published_policy()
    e = gas_enterprise(user=owner)
    services.policy_match(version=version)
    grant = services.grant_confirm(grant=Grant.objects.get(enterprise=e),
                                   user=owner, bank_account_no=ACCOUNT, bank=bank)
    assert grant.state == GrantState.PAID and grant.paid_at >= grant.approved_at >= grant.confirmed_at
    assert list(GrantEvent.objects.filter(grant=grant).values_list("to_state", flat=True)) == [
        "offered", "confirmed", "approved", "paying", "paid"]
    assert bank.moves == {grant.reserve_key: 1}
    assert list(bank.moved_to.values()) == [1]  # one payee, paid once
    assert ledger_check() == []


def test_a_double_confirm_is_refused(bank):
    owner = person(Role.ENTERPRISE)
    version = published_policy()
    e = gas_enterprise(user=owner)
    services.policy_match(version=version)
    grant = Grant.objects.get(enterprise=e)
    services.grant_confirm(grant=grant, user=owner, bank_account_no=ACCOUNT, bank=bank)
    with pytest.raises(Conflict):
        services.grant_confirm(grant=grant, user=owner, bank_account_no=ACCOUNT, bank=bank)
    assert bank.moves == {grant.reserve_key: 1}
    assert list(bank.moved_to.values()) == [1]  # one payee, paid once


def test_another_enterprise_cannot_confirm_my_grant(bank):
    version = published_policy()
    e = gas_enterprise(user=person(Role.ENTERPRISE))
    services.policy_match(version=version)
    with pytest.raises(PermissionDenied):
        services.grant_confirm(grant=Grant.objects.get(enterprise=e), user=person(Role.ENTERPRISE),
                               bank_account_no=ACCOUNT, bank=bank)


def test_confirm_refuses_a_bad_bank_account_and_writes_nothing(bank):
    owner = person(Role.ENTERPRISE)
    version = published_policy()
    e = gas_enterprise(user=owner)
    services.policy_match(version=version)
    grant = Grant.objects.get(enterprise=e)
    with pytest.raises(ValidationError):
        services.grant_confirm(grant=grant, user=owner, bank_account_no="12ab", bank=bank)
    grant.refresh_from_db()
    assert grant.state == GrantState.OFFERED and grant.events.count() == 1


def test_confirm_refuses_when_the_enterprise_no_longer_qualifies(bank):
    owner = person(Role.ENTERPRISE)
    version = published_policy()
    e = gas_enterprise(user=owner)
    services.policy_match(version=version)
    services.facts_import(rows=[{"uscc": e.uscc, "fact": "gas_m3", "period": "2025", "value": "5"}])
    with pytest.raises(ValidationError) as caught:
        services.grant_confirm(grant=Grant.objects.get(enterprise=e), user=owner, bank_account_no=ACCOUNT, bank=bank)
    assert "用气量达标" in caught.value.messages[0]


def test_application_for_a_policy_the_enterprise_does_not_qualify_for_is_refused(bank):
    owner = person(Role.ENTERPRISE)
    version = published_policy(mode=PolicyMode.APPLICATION)
    e = gas_enterprise(user=owner, gas=10)
    with pytest.raises(ValidationError):
        services.grant_apply(version=version, enterprise=e, user=owner, bank_account_no=ACCOUNT, bank=bank)
    assert not Grant.objects.exists()


def test_application_when_eligible_is_paid_and_a_retry_returns_the_first_grant(bank):
    owner = person(Role.ENTERPRISE)
    version = published_policy(mode=PolicyMode.APPLICATION)
    e = gas_enterprise(user=owner)
    grant = services.grant_apply(version=version, enterprise=e, user=owner, bank_account_no=ACCOUNT, bank=bank)
    assert grant.state == GrantState.PAID
    assert services.grant_offer(version=version, enterprise=e) == grant


def test_an_application_retried_after_the_facts_changed_offers_the_new_amount():
    version = published_policy(mode=PolicyMode.APPLICATION)
    e = gas_enterprise()
    first = services.grant_offer(version=version, enterprise=e)
    services.facts_import(rows=[{"uscc": e.uscc, "fact": "gas_m3", "period": "2025", "value": "300000"}])
    again = services.grant_offer(version=version, enterprise=e)
    assert again.pk == first.pk and again.amount == 30_000_00 and again.state == GrantState.OFFERED
    assert again.events.last().detail["old_amount"] == first.amount


def test_a_retry_at_a_different_amount_after_approval_is_refused(bank):
    owner = person(Role.ENTERPRISE)
    version = published_policy(mode=PolicyMode.APPLICATION)
    e = gas_enterprise(user=owner)
    services.grant_apply(version=version, enterprise=e, user=owner, bank_account_no=ACCOUNT, bank=bank)
    services.facts_import(rows=[{"uscc": e.uscc, "fact": "gas_m3", "period": "2025", "value": "300000"}])
    with pytest.raises(Conflict):
        services.grant_offer(version=version, enterprise=e)


def test_approve_and_pay_are_idempotent(bank):
    owner = person(Role.ENTERPRISE)
    version = published_policy()
    e = gas_enterprise(user=owner)
    services.policy_match(version=version)
    grant = services.grant_confirm(grant=Grant.objects.get(enterprise=e),
                                   user=owner, bank_account_no=ACCOUNT, settle=False)
    first = services.grant_approve(grant=grant)
    assert services.grant_approve(grant=grant).state == first.state == GrantState.APPROVED
    services.grant_pay(grant=grant, bank=bank)
    assert services.grant_pay(grant=grant, bank=bank).state == GrantState.PAID
    assert services.grant_batch_pay(policy=version.policy, bank=bank).paid == 0
    assert bank.moves == {grant.reserve_key: 1}
    assert list(bank.moved_to.values()) == [1]  # one payee, paid once
    assert ledger_check() == []


def test_the_budget_is_never_exceeded(bank):
    version = published_policy(budget=3_000_000)  # room for one grant of 20,000 yuan, not two
    owners = [person(Role.ENTERPRISE) for _ in range(3)]
    for owner in owners:
        gas_enterprise(user=owner)
    services.policy_match(version=version)
    states = [services.grant_confirm(grant=g, user=g.enterprise.users.get(), bank_account_no=ACCOUNT, bank=bank).state
              for g in Grant.objects.order_by("id")]
    assert states == [GrantState.PAID, GrantState.REFUSED, GrantState.REFUSED]
    assert "budget" in Grant.objects.filter(state=GrantState.REFUSED).first().reason
    balance = account_balance(services.budget_account(policy=version.policy, year=version.period))
    assert balance.posted_debits + balance.pending_debits <= balance.posted_credits
    assert ledger_check() == []


def test_the_policy_cap_bounds_each_grant():
    version = published_policy(cap=1_000_000)
    gas_enterprise()
    services.policy_match(version=version)
    assert Grant.objects.get().amount == 1_000_000


def test_the_year_cap_across_policies_is_enforced(bank):
    group = services.cap_group_create(code="tech", name="技术改造", year_cap=3_000_000)
    author, approver = officers()
    first = published_policy(author=author, approver=approver, cap_group=group)
    second = published_policy(author=author, approver=approver, cap_group=group)
    owner = person(Role.ENTERPRISE)
    gas_enterprise(user=owner)  # 20,000 yuan under each policy; the group allows 30,000 a year
    for version in (first, second):
        services.policy_match(version=version)
    grants = [services.grant_confirm(grant=g, user=owner, bank_account_no=ACCOUNT, bank=bank)
              for g in Grant.objects.order_by("id")]
    assert [g.state for g in grants] == [GrantState.PAID, GrantState.REFUSED]
    assert "cap" in grants[1].reason


def test_a_failed_payment_voids_the_reservation():
    owner = person(Role.ENTERPRISE)
    version = published_policy()
    e = gas_enterprise(user=owner)
    services.policy_match(version=version)
    grant = services.grant_confirm(grant=Grant.objects.get(enterprise=e),
                                   user=owner, bank_account_no=ACCOUNT, bank=SimulatedBank(failure_rate=1.0, seed=3))
    assert grant.state == GrantState.FAILED and grant.reason
    balance = account_balance(services.budget_account(policy=version.policy, year=version.period))
    assert balance.pending_debits == balance.posted_debits == 0
    assert ledger_check() == []


def test_batch_approve_and_pay_after_a_crash_pays_nobody_twice(bank):
    version = published_policy()
    owners = [person(Role.ENTERPRISE) for _ in range(6)]
    for owner in owners:
        gas_enterprise(user=owner)
    services.policy_match(version=version)
    for grant in Grant.objects.all():
        services.grant_confirm(grant=grant, user=grant.enterprise.users.get(), bank_account_no=ACCOUNT, settle=False)
    assert services.grant_batch_approve(policy=version.policy, chunk=4).approved == 6

    class Crash(Exception):
        pass

    class CrashingBank:
        """Pays three, then the process 'dies' mid-batch (after the claim, before posting)."""

        def __init__(self):
            self.calls = 0

        def pay(self, **kwargs):
            self.calls += 1
            if self.calls > 3:
                raise Crash
            return bank.pay(**kwargs)

    with pytest.raises(Crash):
        services.grant_batch_pay(policy=version.policy, bank=CrashingBank(), chunk=6)
    assert Grant.objects.filter(state=GrantState.PAYING).count() == 6
    result = services.grant_batch_pay(policy=version.policy, bank=bank)
    assert result.paid == 6
    assert set(bank.moved_to.values()) == {1} and len(bank.moved_to) == 6  # each payee paid once
    assert ledger_check() == []


class Teller:
    """A bank that fails every third payment it is asked for, answering at once or not (``instant``),
    so that the one-transaction and the two-transaction payment paths can be compared."""

    def __init__(self, *, instant: bool):
        self.answers_at_once = instant
        self.asked: list[str] = []

    def pay(self, *, reference, account_no, account_name, amount):
        self.asked.append(reference)
        if len(self.asked) % 3 == 0:
            return BankResult(BankStatus.FAILED, f"T{len(self.asked)}", "account frozen")
        return BankResult(BankStatus.CONFIRMED, f"T{len(self.asked)}", "paid")


def approved_batch(count: int):
    version = published_policy()
    for _ in range(count):
        gas_enterprise(user=person(Role.ENTERPRISE))
    services.policy_match(version=version)
    for grant in Grant.objects.filter(policy=version.policy):
        services.grant_confirm(grant=grant, user=grant.enterprise.users.get(), bank_account_no=ACCOUNT, settle=False)
    assert services.grant_batch_approve(policy=version.policy).approved == count
    return version


def paid_batch_record(*, instant: bool) -> dict:
    """Approve and pay 7 grants in chunks of 3 with a Teller; what was recorded (ids left out), rolled back."""
    class Done(Exception):
        pass

    record = {}
    with pytest.raises(Done), transaction.atomic():
        version = approved_batch(7)
        result = services.grant_batch_pay(policy=version.policy, bank=Teller(instant=instant), chunk=3)
        grants = list(Grant.objects.filter(policy=version.policy).order_by("id"))
        record["result"] = result
        record["grants"] = [(g.state, g.bank_reference, g.reason, g.paid_at is not None) for g in grants]
        # (a row id in an event differs between the two runs' rows, not in what was recorded)
        record["events"] = [[(e.from_state, e.to_state, {k: v for k, v in e.detail.items() if k != "receiving_account"})
                             for e in GrantEvent.objects.filter(grant=g).order_by("occurred_at", "id")]
                            for g in grants]
        record["closings"] = [(t.kind, t.amount, t.memo, t.metadata) for t in Transfer.objects.filter(
            pending__isnull=False, pending__key__startswith=f"grant:{version.policy.code}:").order_by("id")]
        record["budget"] = account_balance(services.budget_account(policy=version.policy, year=version.period))
        record["check"] = ledger_check()
        raise Done
    return record


def test_paying_with_a_bank_that_answers_at_once_records_what_the_two_step_path_records():
    at_once, two_steps = paid_batch_record(instant=True), paid_batch_record(instant=False)
    assert at_once == two_steps
    assert (at_once["result"].paid, at_once["result"].failed) == (5, 2)
    assert at_once["events"][0][-2:] == [(GrantState.APPROVED, GrantState.PAYING, {}),
                                         (GrantState.PAYING, GrantState.PAID, {"bank_reference": "T1"})]
    assert at_once["check"] == []


def test_a_batch_that_dies_inside_the_one_transaction_path_is_finished_by_a_rerun_without_paying_twice(bank):
    version = approved_batch(5)

    class Crash(Exception):
        pass

    class DyingBank:
        """Answers at once; pays three, then the process 'dies' before anything is recorded."""
        answers_at_once = True

        def __init__(self):
            self.calls = 0

        def pay(self, **payment):
            self.calls += 1
            if self.calls > 3:
                raise Crash
            return bank.pay(**payment)

    with pytest.raises(Crash):
        services.grant_batch_pay(policy=version.policy, bank=DyingBank(), chunk=5)
    assert Grant.objects.filter(state=GrantState.APPROVED).count() == 5  # the claim went with the transaction
    assert services.grant_batch_pay(policy=version.policy, bank=bank).paid == 5
    assert set(bank.moved_to.values()) == {1} and len(bank.moved_to) == 5  # each payee paid once
    assert ledger_check() == []
