"""Recovery (追回) of a grant found wrong after payment: four eyes, a receivable on the ledger, repayments by
bank reference back into the year's envelope, the enterprise told and barred from the policy until repaid."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import translation

from minsheng.conflicts import Conflict
from minsheng.ledger.choices import AccountKind
from minsheng.ledger.models import Transfer
from minsheng.ledger.services import account_balance, ledger_check
from minsheng.org.choices import Role
from minsheng.org.services import membership_grant
from minsheng.org.tests.factories import person, region_tree
from minsheng.subsidies import services
from minsheng.subsidies.choices import GrantState, NoticeKind, PolicyMode, RecoveryState
from minsheng.subsidies.models import EnterpriseNotice, Recovery

from .factories import GAS_RULE, enterprise, officers, published_policy
from .test_money_integrity import ScriptedBank, confirm

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def paid():
    """A 20,000-yuan grant paid to an enterprise in 禅城区, and two city funds officers."""
    owner = person(Role.ENTERPRISE)
    version = published_policy(budget=100_000_00)
    e = enterprise(facts={("gas_m3", "2025"): 200000}, user=owner)
    services.policy_match(version=version)
    grant = confirm(e.grants.get(), owner, bank=ScriptedBank())
    assert grant.state == GrantState.PAID
    x, y = officers()
    return {"grant": grant, "owner": owner, "version": version, "enterprise": e, "x": x, "y": y}


def recovering(world):
    recovery = services.recovery_request(grant=world["grant"], reason="用气量数据造假（燃气集团复核）",
                                         actor=world["x"])
    return services.recovery_decide(recovery=recovery, actor=world["y"], approve=True)


def envelope(world):
    return account_balance(services.budget_account(policy=world["version"].policy, year="2025"))


def test_asking_moves_nothing_until_a_second_officer_approves(paid):
    recovery = services.recovery_request(grant=paid["grant"], reason="数据有误", actor=paid["x"])
    paid["grant"].refresh_from_db()
    assert (recovery.state, paid["grant"].state) == (RecoveryState.PENDING, GrantState.PAID)
    assert not Transfer.objects.filter(key=recovery.ledger_key).exists()
    with pytest.raises(PermissionDenied):
        services.recovery_decide(recovery=recovery, actor=paid["x"], approve=True)
    services.recovery_decide(recovery=recovery, actor=paid["y"], approve=True)
    paid["grant"].refresh_from_db()
    assert paid["grant"].state == GrantState.RECOVERING
    assert paid["grant"].events.last().detail["recovery"] == recovery.pk


def test_an_approved_recovery_is_a_receivable_on_the_ledger_and_the_books_still_balance(paid):
    recovery = recovering(paid)
    receivable = services._receivable_account(paid["enterprise"])
    assert receivable.kind == AccountKind.RECEIVABLE
    assert account_balance(receivable).posted_credits == 20_000_00
    firm = account_balance(services.core._enterprise_account(paid["enterprise"]))
    # granted 20,000, sent through the bank 20,000, owes 20,000 back: the account shows what is owed
    assert firm.posted_credits - firm.posted_debits == -20_000_00
    assert Transfer.objects.get(key=recovery.ledger_key).amount == 20_000_00
    assert ledger_check() == []


def test_the_enterprise_is_told_why_in_chinese_whatever_language_the_officer_uses(paid):
    recovering(paid)
    notice = EnterpriseNotice.objects.get(enterprise=paid["enterprise"])
    assert notice.kind == NoticeKind.RECOVERY
    assert "追回" in notice.text and "20,000.00" in notice.text and "用气量数据造假" in notice.text


def test_partial_repayments_go_back_into_the_years_envelope_and_the_last_one_settles(paid):
    before = envelope(paid).available
    recovery = recovering(paid)
    grant = paid["grant"]
    services.recovery_repayment_record(grant=grant, amount=5_000_00, reference="BK20260615001", actor=paid["x"])
    recovery.refresh_from_db()
    assert (recovery.repaid, recovery.outstanding, recovery.state) == (5_000_00, 15_000_00, RecoveryState.RECOVERING)
    assert envelope(paid).available == before + 5_000_00
    services.recovery_repayment_record(grant=grant, amount=15_000_00, reference="BK20260615002", actor=paid["x"])
    recovery.refresh_from_db()
    grant.refresh_from_db()
    assert (recovery.state, grant.state) == (RecoveryState.SETTLED, GrantState.RECOVERED)
    assert envelope(paid).available == before + 20_000_00
    assert account_balance(services._receivable_account(paid["enterprise"])).posted_debits == 20_000_00
    kinds = list(EnterpriseNotice.objects.filter(grant=grant).order_by("id").values_list("kind", flat=True))
    assert kinds == [NoticeKind.RECOVERY, NoticeKind.REPAYMENT, NoticeKind.RECOVERY_SETTLED]
    assert ledger_check() == []


def test_a_repayment_sent_again_under_the_same_reference_is_recorded_once(paid):
    recovering(paid)
    first = services.recovery_repayment_record(grant=paid["grant"], amount=5_000_00, reference="BK-1", actor=None)
    again = services.recovery_repayment_record(grant=paid["grant"], amount=5_000_00, reference="BK-1",
                                               actor=paid["y"])
    assert again.pk == first.pk
    # the receivable, and one repayment (back to the envelope, and in through the bank)
    assert Transfer.objects.filter(key__startswith="recovery:").count() == 3
    with pytest.raises(Conflict):
        services.recovery_repayment_record(grant=paid["grant"], amount=4_000_00, reference="BK-1", actor=None)


def test_a_repayment_after_settlement_is_refused_but_its_retry_returns_the_first(paid):
    recovering(paid)
    last = services.recovery_repayment_record(grant=paid["grant"], amount=20_000_00, reference="BK-9", actor=None)
    assert services.recovery_repayment_record(grant=paid["grant"], amount=20_000_00, reference="BK-9",
                                              actor=None).pk == last.pk
    with pytest.raises(ValidationError):
        services.recovery_repayment_record(grant=paid["grant"], amount=1, reference="BK-10", actor=None)


@pytest.mark.parametrize(("amount", "reference", "field"), [
    (20_000_01, "BK-2", "amount"), (0, "BK-2", "amount"), (-5, "BK-2", "amount"), ("100", "BK-2", "amount"),
    (100, "", "reference"), (100, "has space", "reference"), (100, "x" * 65, "reference"),
])
def test_a_bad_repayment_is_refused_with_its_field_and_nothing_is_written(paid, amount, reference, field):
    recovering(paid)
    count = Transfer.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.recovery_repayment_record(grant=paid["grant"], amount=amount, reference=reference, actor=None)
    assert field in caught.value.message_dict
    assert Transfer.objects.count() == count


def test_only_a_paid_grant_can_be_recovered_and_only_once_at_a_time(paid):
    services.recovery_request(grant=paid["grant"], reason="a", actor=paid["x"])
    with pytest.raises(Conflict):  # the same form sent twice
        services.recovery_request(grant=paid["grant"], reason="a", actor=paid["x"])
    assert Recovery.objects.count() == 1
    owner = person(Role.ENTERPRISE)
    e = enterprise(facts={("gas_m3", "2025"): 200000}, user=owner)
    services.policy_match(version=paid["version"])
    offered = e.grants.get()
    with pytest.raises(ValidationError):
        services.recovery_request(grant=offered, reason="a", actor=paid["x"])


def test_a_refused_recovery_needs_a_note_keeps_the_grant_paid_and_may_be_asked_again(paid):
    recovery = services.recovery_request(grant=paid["grant"], reason="a", actor=paid["x"])
    with pytest.raises(ValidationError):
        services.recovery_decide(recovery=recovery, actor=paid["y"], approve=False)
    services.recovery_decide(recovery=recovery, actor=paid["y"], approve=False, note="数据无误")
    paid["grant"].refresh_from_db()
    assert paid["grant"].state == GrantState.PAID
    with pytest.raises(Conflict):
        services.recovery_decide(recovery=recovery, actor=paid["y"], approve=True)
    assert services.recovery_request(grant=paid["grant"], reason="b", actor=paid["y"]).state == RecoveryState.PENDING


def test_an_officer_of_another_district_cannot_ask_decide_or_record(paid):
    shunde = person(Role.FUNDS_OFFICER, region=region_tree()["shunde"])
    with pytest.raises(PermissionDenied):
        services.recovery_request(grant=paid["grant"], reason="a", actor=shunde)
    recovery = services.recovery_request(grant=paid["grant"], reason="a", actor=paid["x"])
    with pytest.raises(PermissionDenied):
        services.recovery_decide(recovery=recovery, actor=shunde, approve=True)
    chancheng = person(Role.FUNDS_OFFICER, region=region_tree()["chancheng"])
    services.recovery_decide(recovery=recovery, actor=chancheng, approve=True)
    with pytest.raises(PermissionDenied):
        services.recovery_repayment_record(grant=paid["grant"], amount=100, reference="BK-3", actor=shunde)


def test_an_officer_who_also_acts_for_the_enterprise_cannot_decide_its_recovery(paid):
    recovery = services.recovery_request(grant=paid["grant"], reason="a", actor=paid["x"])
    membership_grant(user=paid["y"], role=Role.ENTERPRISE, unit=None, region=None)
    paid["y"].__dict__.pop("_minsheng_scope", None)
    services.enterprise_link_user(enterprise=paid["enterprise"], user=paid["y"])
    with pytest.raises(PermissionDenied):
        services.recovery_decide(recovery=recovery, actor=paid["y"], approve=True)
    with pytest.raises(PermissionDenied):  # nor a leader, who reads but never writes
        services.recovery_decide(recovery=recovery, actor=person(Role.LEADER), approve=True)


def test_an_enterprise_owing_money_back_gets_no_new_offer_of_that_policy_until_repaid(paid):
    author, approver = officers()
    v2026 = services.policy_version_save(policy=paid["version"].policy, actor=author, rule_text=GAS_RULE,
                                         period="2026", budget=100_000_00, legal_reference="佛府办〔2026〕1号")
    services.policy_publish(version=v2026, approver=approver, reviewed_hash=v2026.terms_hash)
    services.facts_import(rows=[{"uscc": paid["enterprise"].uscc, "fact": "gas_m3", "period": "2026",
                                 "value": "200000"}])
    recovering(paid)
    result = services.policy_match(version=v2026)
    assert (result.offered, result.barred) == (0, 1)
    assert not paid["enterprise"].grants.filter(period="2026").exists()
    services.recovery_repayment_record(grant=paid["grant"], amount=20_000_00, reference="BK-4", actor=None)
    assert services.policy_match(version=v2026).offered == 1


def test_an_offer_made_before_the_recovery_cannot_be_confirmed_until_repaid(paid):
    author, approver = officers()
    v2026 = services.policy_version_save(policy=paid["version"].policy, actor=author, rule_text=GAS_RULE,
                                         period="2026", budget=100_000_00, legal_reference="佛府办〔2026〕1号")
    services.policy_publish(version=v2026, approver=approver, reviewed_hash=v2026.terms_hash)
    services.facts_import(rows=[{"uscc": paid["enterprise"].uscc, "fact": "gas_m3", "period": "2026",
                                 "value": "200000"}])
    services.policy_match(version=v2026)
    recovering(paid)
    offer = paid["enterprise"].grants.get(period="2026")
    with pytest.raises(ValidationError) as caught:
        confirm(offer, paid["owner"], bank=ScriptedBank())
    assert "repaid in full" in caught.value.messages[0] and "20,000.00" in caught.value.messages[0]


def test_an_application_is_refused_with_the_reason_while_money_is_owed():
    owner = person(Role.ENTERPRISE)
    x, y = officers()
    version = published_policy(author=x, approver=y, mode=PolicyMode.APPLICATION, code="digital")
    e = enterprise(facts={("gas_m3", "2025"): 200000}, user=owner)
    grant = services.grant_apply(version=version, enterprise=e, user=owner,
                                 bank_account_no="6222020200112233445", bank=ScriptedBank())
    recovery = services.recovery_request(grant=grant, reason="a", actor=x)
    services.recovery_decide(recovery=recovery, actor=y, approve=True)
    v2026 = services.policy_version_save(policy=version.policy, actor=x, rule_text=GAS_RULE, period="2026",
                                         budget=100_000_00, legal_reference="文件")
    v2026 = services.policy_publish(version=v2026, approver=y, reviewed_hash=v2026.terms_hash)
    with pytest.raises(ValidationError) as caught:
        services.grant_apply(version=v2026, enterprise=e, user=owner,
                             bank_account_no="6222020200112233445", bank=ScriptedBank())
    assert "paused" in caught.value.messages[0]


@override_settings(SUBSIDIES_BAR_UNTIL_RECOVERED=False)
def test_the_bar_can_be_switched_off(paid):
    recovering(paid)
    assert services._bar_owed(paid["version"].policy) == {}


def test_repaid_money_is_not_counted_as_funding_when_the_next_version_is_published(paid):
    recovering(paid)
    services.recovery_repayment_record(grant=paid["grant"], amount=20_000_00, reference="BK-5", actor=None)
    author, approver = officers()
    v2 = services.policy_version_save(policy=paid["version"].policy, actor=author, rule_text=GAS_RULE, period="2025",
                                      budget=100_000_00, legal_reference="佛府办〔2025〕3号")
    services.policy_publish(version=v2, approver=approver, reviewed_hash=v2.terms_hash)  # not "below funded"
    assert envelope(paid).posted_credits == 120_000_00


def test_a_recovering_grant_still_counts_against_the_cap_group():
    owner = person(Role.ENTERPRISE)
    group = services.cap_group_create(code="tech-r", name="技改", year_cap=30_000_00)
    x, y = officers()
    first = published_policy(author=x, approver=y, cap_group=group, code="first")
    e = enterprise(facts={("gas_m3", "2025"): 200000}, user=owner)
    services.policy_match(version=first)
    grant = confirm(e.grants.get(), owner, bank=ScriptedBank())
    recovery = services.recovery_request(grant=grant, reason="a", actor=x)
    services.recovery_decide(recovery=recovery, actor=y, approve=True)
    second = published_policy(author=x, approver=y, cap_group=group, code="second")
    services.policy_match(version=second)
    refused = confirm(e.grants.get(policy=second.policy), owner, bank=ScriptedBank())
    assert refused.state == GrantState.REFUSED  # 20,000 still held + 20,000 > 30,000


def test_a_recovery_repaid_in_full_leaves_the_enterprise_owing_nothing_and_the_bank_side_even(paid):
    from minsheng.ledger.reconciliation.sent import settled_account

    recovering(paid)
    services.recovery_repayment_record(grant=paid["grant"], amount=20_000_00, reference="BK-FULL", actor=paid["x"])
    firm = account_balance(services.core._enterprise_account(paid["enterprise"]))
    assert firm.posted_credits - firm.posted_debits == 0
    receivable = account_balance(services._receivable_account(paid["enterprise"]))
    assert receivable.posted_credits == receivable.posted_debits == 20_000_00
    assert account_balance(settled_account()).posted_debits == 20_000_00  # the money came in through the bank
    assert ledger_check() == []


def test_the_notice_goes_out_through_the_outbox_with_no_amount_or_reason_in_it(paid):
    from minsheng.notifications.choices import Channel
    from minsheng.notifications.models import OutboxMessage

    e = paid["enterprise"]
    paid["owner"].mobile = "13712345678"
    paid["owner"].save(update_fields=["mobile"])
    type(e).objects.filter(pk=e.pk).update(administrator=paid["owner"])
    recovering(paid)
    messages = list(OutboxMessage.objects.filter(event_key__startswith="funds-notice:"))
    assert {m.channel for m in messages} == {Channel.SITE, Channel.SMS}
    assert len([m for m in messages if m.channel == Channel.SITE]) == e.users.count()
    sms = next(m for m in messages if m.channel == Channel.SMS)
    assert sms.recipient == "13712345678"
    assert "工业用气补贴" in sms.body and "20,000" not in sms.body and "用气量数据造假" not in sms.body
