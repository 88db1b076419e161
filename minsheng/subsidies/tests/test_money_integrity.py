"""The right amount, once, to the enterprise, within the caps (issue 18, defects 1, 2, 4, 5 and 8): each test
fails on the code before the fix."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from minsheng.conflicts import Conflict
from minsheng.ledger.bank import BankResult, BankStatus
from minsheng.ledger.models import Transfer
from minsheng.ledger.services import account_balance
from minsheng.org.choices import Role
from minsheng.org.tests.factories import person
from minsheng.subsidies import services
from minsheng.subsidies.choices import GrantState, RefusalKind, VersionState

from .factories import GAS_RULE, enterprise, officers, published_policy

pytestmark = pytest.mark.django_db
ACCOUNT = "6222020200112233445"
STRICTER_RULE = GAS_RULE.replace(">= 100000", ">= 300000")


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


class ScriptedBank:
    """A bank that answers from a script and records every payment it is asked to make (counted before
    any de-duplication, so a test of 'never sent twice' can fail)."""

    answers_at_once = True

    def __init__(self, *answers: str, status: str | None = None):
        self.script = list(answers)
        self.sent: list[tuple[str, int]] = []
        self.known_status = status

    def pay(self, *, reference, account_no, account_name, amount):
        self.sent.append((reference, amount))
        status = self.script.pop(0) if self.script else BankStatus.CONFIRMED
        return BankResult(status, f"B-{len(self.sent)}", "paid" if status == BankStatus.CONFIRMED else "account frozen")

    def status(self, *, reference):
        if self.known_status is None:
            return None
        return BankResult(self.known_status, "B-LATE", "found")


def gas(e, value, period="2025"):
    services.facts_import(rows=[{"uscc": e.uscc, "fact": "gas_m3", "period": period, "value": str(value)}])


def confirm(grant, user, **kwargs):
    return services.grant_confirm(grant=grant, user=user, bank_account_no=ACCOUNT, **kwargs)


# --- defect 1: the amount paid is the rule's amount on the facts and version in force ---------------
def test_an_offer_made_on_200000_m3_is_not_paid_in_full_after_the_fact_is_corrected_to_100000():
    owner = person(Role.ENTERPRISE)
    version = published_policy()
    e = enterprise(facts={("gas_m3", "2025"): 200000}, user=owner)
    services.policy_match(version=version)
    grant = e.grants.get()
    assert grant.amount == 20_000_00
    gas(e, 100000)  # the statistics bureau corrects the figure
    bank = ScriptedBank()
    with pytest.raises(services.AmountChanged) as caught:
        confirm(grant, owner, bank=bank)
    assert "10,000.00" in str(caught.value)
    grant.refresh_from_db()
    assert (grant.state, grant.amount) == (GrantState.OFFERED, 10_000_00)
    assert bank.sent == []
    paid = confirm(grant, owner, bank=bank)
    assert paid.state == GrantState.PAID
    assert bank.sent == [(paid.reserve_key, 10_000_00)]


def test_the_batch_approval_offers_again_when_the_facts_changed_after_confirmation():
    owner = person(Role.ENTERPRISE)
    version = published_policy()
    e = enterprise(facts={("gas_m3", "2025"): 200000}, user=owner)
    services.policy_match(version=version)
    confirm(e.grants.get(), owner, settle=False)
    gas(e, 100000)
    result = services.grant_batch_approve(policy=version.policy)
    assert (result.approved, result.reoffered) == (0, 1)
    grant = e.grants.get()
    assert (grant.state, grant.amount) == (GrantState.OFFERED, 10_000_00)
    assert not Transfer.objects.filter(key=grant.reserve_key).exists()  # nothing reserved at the old amount


def test_a_stricter_version_withdraws_the_open_offers_of_the_old_one_and_says_why():
    owner = person(Role.ENTERPRISE)
    author, approver = officers()
    version = published_policy(author=author, approver=approver)
    e = enterprise(facts={("gas_m3", "2025"): 200000}, user=owner)
    services.policy_match(version=version)
    grant = e.grants.get()
    stricter = services.policy_version_save(policy=version.policy, actor=author, rule_text=STRICTER_RULE,
                                            period="2025", budget=version.budget, legal_reference="佛府办〔2025〕2号")
    services.policy_publish(version=stricter, approver=approver, reviewed_hash=stricter.terms_hash)
    grant.refresh_from_db()
    assert grant.state == GrantState.WITHDRAWN
    assert "version 2" in grant.reason
    with pytest.raises(ValidationError):
        confirm(grant, owner, bank=ScriptedBank())
    assert services.policy_match(version=stricter).reoffered == 0  # 200,000 m³ no longer qualifies
    version.refresh_from_db()
    assert version.state == VersionState.SUPERSEDED


def test_a_confirmed_grant_of_a_superseded_version_is_withdrawn_not_paid():
    owner = person(Role.ENTERPRISE)
    author, approver = officers()
    version = published_policy(author=author, approver=approver)
    e = enterprise(facts={("gas_m3", "2025"): 400000}, user=owner)
    services.policy_match(version=version)
    confirm(e.grants.get(), owner, settle=False)
    v2 = services.policy_version_save(policy=version.policy, actor=author, rule_text=STRICTER_RULE, period="2025",
                                      budget=version.budget, legal_reference="佛府办〔2025〕2号")
    services.policy_publish(version=v2, approver=approver, reviewed_hash=v2.terms_hash)
    assert services.grant_batch_approve(policy=version.policy).approved == 0
    assert e.grants.get().state == GrantState.WITHDRAWN
    assert services.policy_match(version=v2).reoffered == 1  # still qualifies under v2: offered again
    grant = e.grants.get()
    assert (grant.state, grant.version_id) == (GrantState.OFFERED, v2.pk)


# --- defect 2 (part): a superuser does not confirm on an enterprise's behalf ------------------------
def test_a_superuser_cannot_confirm_an_enterprises_grant(django_user_model):
    root = django_user_model.objects.create_superuser(username="root", password="x" * 12)
    version = published_policy()
    e = enterprise(facts={("gas_m3", "2025"): 200000})
    services.policy_match(version=version)
    with pytest.raises(PermissionDenied):
        confirm(e.grants.get(), root, bank=ScriptedBank())


# --- defect 4: the yearly cap holds per year in a batch that spans years -------------------------------
def test_a_2025_grant_first_in_a_batch_does_not_let_a_2026_grant_exceed_the_years_cap():
    owner = person(Role.ENTERPRISE)
    group = services.cap_group_create(code="tech", name="技改", year_cap=30_000_00)
    author, approver = officers()
    e = enterprise(facts={("gas_m3", "2025"): 100000, ("gas_m3", "2026"): 100000}, user=owner)
    # Another policy of the group has paid the enterprise 25,000 yuan for 2026 already.
    other = published_policy(author=author, approver=approver, period="2026", cap_group=group)
    gas(e, 250000, "2026")
    services.policy_match(version=other)
    confirm(e.grants.get(policy=other.policy), owner, bank=ScriptedBank())
    gas(e, 100000, "2026")
    # This policy runs for 2025 and 2026 at once (one version in force per period).
    v2025 = published_policy(author=author, approver=approver, period="2025", cap_group=group, code="boiler")
    v2026 = services.policy_version_save(policy=v2025.policy, actor=author, rule_text=GAS_RULE, period="2026",
                                        budget=v2025.budget, legal_reference="佛府办〔2026〕1号")
    services.policy_publish(version=v2026, approver=approver, reviewed_hash=v2026.terms_hash)
    for version in (v2025, v2026):
        services.policy_match(version=version)
    for grant in e.grants.filter(policy=v2025.policy).order_by("period"):
        confirm(grant, owner, settle=False)
    result = services.grant_batch_approve(policy=v2025.policy)
    states = dict(e.grants.filter(policy=v2025.policy).values_list("period", "state"))
    assert states == {"2025": GrantState.APPROVED, "2026": GrantState.REFUSED}
    assert (result.approved, result.refused) == (1, 1)
    refused = e.grants.get(policy=v2025.policy, period="2026")
    assert refused.refusal == RefusalKind.CAP and "2026" in refused.reason
    # Each year's grants draw on that year's envelope.
    assert account_balance(services.budget_account(policy=v2025.policy, year="2025")).pending_debits == 10_000_00
    assert account_balance(services.budget_account(policy=v2025.policy, year="2026")).pending_debits == 0


# --- defect 5: a failed payment is paid again, never twice -------------------------------------------------
def _failed_grant():
    owner = person(Role.ENTERPRISE)
    version = published_policy()
    e = enterprise(facts={("gas_m3", "2025"): 200000}, user=owner)
    services.policy_match(version=version)
    grant = confirm(e.grants.get(), owner, bank=ScriptedBank(BankStatus.FAILED))
    assert grant.state == GrantState.FAILED
    return grant


def test_a_failed_payment_is_sent_again_with_a_new_reference_after_asking_the_bank():
    grant = _failed_grant()
    first_reference = grant.reserve_key
    officer = person(Role.FUNDS_OFFICER)
    bank = ScriptedBank(status=BankStatus.FAILED)
    paid = services.grant_payment_retry(grant=grant, actor=officer, bank=bank)
    assert paid.state == GrantState.PAID and paid.attempt == 2
    assert bank.sent == [(paid.reserve_key, 20_000_00)] and paid.reserve_key != first_reference
    assert paid.events.filter(to_state=GrantState.APPROVED).last().detail["previous_reference"] == first_reference
    enterprise_account = account_balance(services.core._enterprise_account(paid.enterprise))
    assert enterprise_account.posted_credits == 20_000_00  # once: the failed attempt was voided


def test_a_failed_payment_the_bank_did_make_after_all_is_recorded_not_sent_again():
    grant = _failed_grant()
    bank = ScriptedBank(status=BankStatus.CONFIRMED)
    paid = services.grant_payment_retry(grant=grant, actor=person(Role.FUNDS_OFFICER), bank=bank)
    assert paid.state == GrantState.PAID and paid.bank_reference == "B-LATE"
    assert bank.sent == []
    assert account_balance(services.core._enterprise_account(paid.enterprise)).posted_credits == 20_000_00


def test_only_a_failed_payment_can_be_retried_and_only_by_a_funds_officer():
    grant = _failed_grant()
    with pytest.raises(PermissionDenied):
        services.grant_payment_retry(grant=grant, actor=person(Role.LEADER), bank=ScriptedBank())
    paid = services.grant_payment_retry(grant=grant, actor=person(Role.FUNDS_OFFICER), bank=ScriptedBank())
    with pytest.raises(Conflict):
        services.grant_payment_retry(grant=paid, actor=person(Role.FUNDS_OFFICER), bank=ScriptedBank())


# --- defect 8: four eyes bound to what was reviewed ---------------------------------------------------------
def test_nobody_who_edited_a_version_may_approve_it():
    a, b = officers()
    c = person(Role.FUNDS_OFFICER)
    version = services.policy_create(code="gas-x", name="用气", mode="auto_grant", actor=a, rule_text=GAS_RULE,
                                     period="2025", budget=1_000_000_00, legal_reference="文件")
    # B "adds a comment" to A's draft: B is an editor now, and A stays one.
    version = services.policy_version_save(policy=version.policy, actor=b, rule_text=GAS_RULE + "# 复核意见\n",
                                           period="2025", budget=1_000_000_00, legal_reference="文件")
    for editor in (a, b):
        with pytest.raises(ValidationError):
            services.policy_publish(version=version, approver=editor, reviewed_hash=version.terms_hash)
    assert services.policy_publish(version=version, approver=c, reviewed_hash=version.terms_hash).state == "published"


def test_approval_is_bound_to_the_exact_text_reviewed():
    a, c = officers()
    version = services.policy_create(code="gas-y", name="用气", mode="auto_grant", actor=a, rule_text=GAS_RULE,
                                     period="2025", budget=1_000_000_00, legal_reference="文件")
    reviewed = version.terms_hash
    services.policy_version_save(policy=version.policy, actor=a, rule_text=GAS_RULE.replace("0.1", "0.5"),
                                 period="2025", budget=1_000_000_00, legal_reference="文件")
    version.refresh_from_db()
    with pytest.raises(Conflict):
        services.policy_publish(version=version, approver=c, reviewed_hash=reviewed)
    version.refresh_from_db()
    assert version.state == VersionState.DRAFT


def test_the_officer_who_approved_a_batch_cannot_pay_it():
    owner = person(Role.ENTERPRISE)
    version = published_policy()
    e = enterprise(facts={("gas_m3", "2025"): 200000}, user=owner)
    services.policy_match(version=version)
    confirm(e.grants.get(), owner, settle=False)
    x, y = officers()
    assert services.grant_batch_approve(policy=version.policy, actor=x).approved == 1
    bank = ScriptedBank()
    with pytest.raises(PermissionDenied):
        services.grant_batch_pay(policy=version.policy, actor=x, bank=bank)
    assert bank.sent == []
    assert services.grant_batch_pay(policy=version.policy, actor=y, bank=bank).paid == 1


# --- defects 5 and 6: budgets per year, changed with four eyes; refusals for budget looked at again -------
def test_a_grant_refused_for_budget_is_approved_after_a_top_up_decided_by_a_second_officer(
        django_capture_on_commit_callbacks):
    owner = person(Role.ENTERPRISE)
    version = published_policy(budget=15_000_00)  # less than the 20,000 yuan the enterprise qualifies for
    e = enterprise(facts={("gas_m3", "2025"): 200000}, user=owner)
    services.policy_match(version=version)
    grant = confirm(e.grants.get(), owner, bank=ScriptedBank())
    assert (grant.state, grant.refusal) == (GrantState.REFUSED, RefusalKind.BUDGET)
    x, y = officers()
    change = services.budget_change_request(policy=version.policy, year="2025", kind="top_up", amount=10_000_00,
                                            reason="追加预算（佛财〔2025〕9号）", actor=x)
    with pytest.raises(PermissionDenied):
        services.budget_change_decide(change=change, actor=x, approve=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.budget_change_decide(change=change, actor=y, approve=True)
    grant.refresh_from_db()
    assert grant.state == GrantState.APPROVED
    envelope = account_balance(services.budget_account(policy=version.policy, year="2025"))
    assert envelope.posted_credits == 25_000_00 and envelope.pending_debits == 20_000_00


def test_a_reduction_cannot_take_money_already_reserved_or_paid():
    owner = person(Role.ENTERPRISE)
    version = published_policy(budget=30_000_00)
    e = enterprise(facts={("gas_m3", "2025"): 200000}, user=owner)
    services.policy_match(version=version)
    confirm(e.grants.get(), owner, bank=ScriptedBank())  # 20,000 paid
    x, y = officers()
    too_much = services.budget_change_request(policy=version.policy, year="2025", kind="return", amount=10_000_01,
                                              reason="年末结余退回", actor=x)
    with pytest.raises(ValidationError):
        services.budget_change_decide(change=too_much, actor=y, approve=True)
    unspent = services.budget_change_request(policy=version.policy, year="2025", kind="return", amount=10_000_00,
                                             reason="年末结余退回", actor=x)
    assert services.budget_change_decide(change=unspent, actor=y, approve=True).state == "approved"
    assert account_balance(services.budget_account(policy=version.policy, year="2025")).available == 0


@pytest.mark.parametrize("amount", [0, -5, 10**30])
def test_a_budget_change_of_a_silly_amount_is_refused(amount):
    version = published_policy()
    with pytest.raises(ValidationError):
        services.budget_change_request(policy=version.policy, year="2025", kind="top_up", amount=amount,
                                       reason="x", actor=person(Role.FUNDS_OFFICER))


# --- defect 2: money goes only to a registered account in the enterprise's name ------------------------------
def test_an_account_in_another_name_is_refused_and_an_unregistered_one_is_never_paid():
    owner = person(Role.ENTERPRISE)
    version = published_policy()
    e = enterprise(facts={("gas_m3", "2025"): 200000})
    services.enterprise_link_user(enterprise=e, user=owner)
    with pytest.raises(ValidationError) as caught:
        services.receiving_account_request(enterprise=e, user=owner, bank_name="某银行", account_no="6222000011112222",
                                           account_name="任意个人")
    assert "account_name" in caught.value.message_dict
    services.policy_match(version=version)
    bank = ScriptedBank()
    with pytest.raises(ValidationError):
        services.grant_confirm(grant=e.grants.get(), user=owner, bank_account_no="6222000011112222", bank=bank)
    assert bank.sent == [] and e.grants.get().state == GrantState.OFFERED


def test_an_account_awaiting_approval_or_retired_is_not_paid_and_its_requester_cannot_approve_it():
    owner = person(Role.ENTERPRISE)
    version = published_policy()
    e = enterprise(facts={("gas_m3", "2025"): 200000})
    services.enterprise_link_user(enterprise=e, user=owner)
    account = services.receiving_account_request(enterprise=e, user=owner, bank_name="工商银行",
                                                 account_no=ACCOUNT, account_name=e.name)
    services.policy_match(version=version)
    with pytest.raises(ValidationError):
        confirm(e.grants.get(), owner, bank=ScriptedBank())
    with pytest.raises(PermissionDenied):
        services.receiving_account_decide(account=account, actor=owner, approve=True)
    services.receiving_account_decide(account=account, actor=person(Role.FUNDS_OFFICER), approve=True)
    services.receiving_account_retire(account=account, actor=owner)
    with pytest.raises(ValidationError):
        confirm(e.grants.get(), owner, bank=ScriptedBank())


def test_the_grant_is_paid_to_the_registered_account_under_the_registered_name():
    owner = person(Role.ENTERPRISE)
    version = published_policy()
    e = enterprise(facts={("gas_m3", "2025"): 200000}, user=owner)
    services.policy_match(version=version)
    grant = confirm(e.grants.get(), owner, bank=ScriptedBank())
    assert (grant.bank_account_no, grant.bank_account_name) == (ACCOUNT, e.name)


def test_a_funds_officer_of_another_district_cannot_approve_the_account():
    from minsheng.org.tests.factories import region_tree

    owner = person(Role.ENTERPRISE)
    e = enterprise(facts={("gas_m3", "2025"): 200000})  # in 禅城区
    services.enterprise_link_user(enterprise=e, user=owner)
    account = services.receiving_account_request(enterprise=e, user=owner, bank_name="工商银行",
                                                 account_no=ACCOUNT, account_name=e.name)
    from minsheng.org.scope import scope_forget
    from minsheng.org.services import membership_grant

    shunde = person(Role.FUNDS_OFFICER, region=region_tree()["shunde"])
    # also a leader for 禅城: a role that reads there, so the write must still come from the officer's grant
    membership_grant(user=shunde, role=Role.LEADER, region=region_tree()["chancheng"])
    scope_forget(shunde)
    with pytest.raises(PermissionDenied):
        services.receiving_account_decide(account=account, actor=shunde, approve=True)
    account.refresh_from_db()
    assert account.state == "pending"
