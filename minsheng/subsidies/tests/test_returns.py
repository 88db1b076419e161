"""A payment the bank sends back (退汇): the grant becomes returned, the enterprise is told, and a funds officer
pays it again from the money that came back — to a registered account, once, never from the budget again."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from minsheng.conflicts import Conflict
from minsheng.ledger.bank import SimulatedBank
from minsheng.ledger.models import BankPayment, ReconciliationException
from minsheng.ledger.reconciliation.imports import statement_import
from minsheng.ledger.reconciliation.selectors import payments_to_repay
from minsheng.ledger.services import account_balance, ledger_check
from minsheng.org.choices import Role
from minsheng.org.tests.factories import person, region_tree
from minsheng.subsidies import services
from minsheng.subsidies.checks import grant_ledger_problems as funds_check
from minsheng.subsidies.choices import GrantState, NoticeKind
from minsheng.subsidies.models import EnterpriseNotice

from .factories import enterprise, published_policy, receiving_account
from .test_money_integrity import ACCOUNT, confirm

pytestmark = pytest.mark.django_db

NEW_ACCOUNT = "6222020200998877665"


class RefusingBank(SimulatedBank):
    """The simulated bank, refusing every payment to ``refused`` account numbers."""

    def __init__(self, *, refused=(), **kwargs):
        super().__init__(**kwargs)
        self.refused = set(refused)

    def pay(self, *, reference, account_no, account_name, amount):
        if account_no in self.refused:
            return super().pay(reference=reference, account_no="0", account_name=account_name, amount=amount)
        return super().pay(reference=reference, account_no=account_no, account_name=account_name, amount=amount)


@pytest.fixture
def returned(django_capture_on_commit_callbacks):
    """A 20,000-yuan grant paid to a 禅城区 enterprise, then returned on the bank's statement (AC04)."""
    owner = person(Role.ENTERPRISE)
    version = published_policy(budget=100_000_00)
    e = enterprise(facts={("gas_m3", "2025"): 200000}, user=owner)
    services.policy_match(version=version)
    bank = RefusingBank(seed=1)
    grant = confirm(e.grants.get(), owner, bank=bank)
    assert grant.state == GrantState.PAID and grant.payment_reference == grant.reserve_key
    day = dt.date(2026, 6, 16)
    with django_capture_on_commit_callbacks(execute=True):
        result = statement_import(content=bank.statement_csv(value_date=day, returns={grant.reserve_key: "AC04"}))
    assert result.returned == 1
    grant.refresh_from_db()
    return {"grant": grant, "owner": owner, "enterprise": e, "bank": bank, "version": version}


def envelope(world):
    return account_balance(services.budget_account(policy=world["version"].policy, year="2025"))


def test_a_payment_returned_on_the_statement_makes_the_grant_returned_and_tells_the_enterprise(returned):
    grant = returned["grant"]
    assert grant.state == GrantState.RETURNED
    assert "AC04" in grant.reason
    notice = EnterpriseNotice.objects.get(grant=grant, kind=NoticeKind.PAYMENT_RETURNED)
    assert "退回" in notice.text and "账户已销户" in notice.text  # in the site's language, the reason in words
    assert grant.events.last().detail["return_reason"] == "AC04"
    assert funds_check() == [] and ledger_check() == []


def test_the_hook_is_safe_to_call_again(returned):
    assert services.grant_payments_returned(references=[returned["grant"].reserve_key]) == 0
    assert EnterpriseNotice.objects.filter(kind=NoticeKind.PAYMENT_RETURNED).count() == 1


def test_paying_again_to_a_newly_registered_account_pays_once_from_the_money_that_came_back(returned):
    grant, bank = returned["grant"], returned["bank"]
    receiving_account(returned["enterprise"], user=returned["owner"], account_no=NEW_ACCOUNT)
    spent_before = envelope(returned).posted_debits
    officer = person(Role.FUNDS_OFFICER)
    grant = services.grant_payment_repay(grant=grant, actor=officer, bank_account_no=NEW_ACCOUNT, bank=bank)
    assert grant.state == GrantState.PAID
    assert (grant.bank_account_no, grant.payment_reference) == (NEW_ACCOUNT, f"{grant.reserve_key}:R1")
    assert envelope(returned).posted_debits == spent_before  # the budget is not charged twice
    again = BankPayment.objects.get(reference=grant.payment_reference)
    assert again.replaces.reference == grant.reserve_key and again.payee_account_no == NEW_ACCOUNT
    assert list(payments_to_repay()) == []
    assert ReconciliationException.objects.get(kind="returned").resolution == "repaid"
    assert sum(n for (account_no, _name), n in bank.moved_to.items() if account_no == NEW_ACCOUNT) == 1
    assert EnterpriseNotice.objects.filter(grant=grant, kind=NoticeKind.PAYMENT_REPAID).exists()
    assert funds_check() == [] and ledger_check() == []
    with pytest.raises(Conflict):  # a second press (another officer, a retried request) pays nothing more
        services.grant_payment_repay(grant=grant, actor=officer, bank_account_no=NEW_ACCOUNT, bank=bank)
    assert sum(bank.moved_to.values()) == 2  # the first payment and the one made again


def test_paying_again_is_only_to_a_registered_active_account(returned):
    with pytest.raises(ValidationError):
        services.grant_payment_repay(grant=returned["grant"], actor=person(Role.FUNDS_OFFICER),
                                     bank_account_no="6222999999999999999")
    returned["grant"].refresh_from_db()
    assert returned["grant"].state == GrantState.RETURNED


def test_a_refused_attempt_leaves_the_grant_returned_and_the_next_uses_a_new_reference(returned):
    grant, bank = returned["grant"], returned["bank"]
    bank.refused.add(ACCOUNT)
    officer = person(Role.FUNDS_OFFICER)
    grant = services.grant_payment_repay(grant=grant, actor=officer, bank_account_no=ACCOUNT, bank=bank)
    assert grant.state == GrantState.RETURNED and grant.events.last().detail["bank_message"]
    receiving_account(returned["enterprise"], user=returned["owner"], account_no=NEW_ACCOUNT)
    grant = services.grant_payment_repay(grant=grant, actor=officer, bank_account_no=NEW_ACCOUNT, bank=bank)
    assert (grant.state, grant.payment_reference) == (GrantState.PAID, f"{grant.reserve_key}:R2")
    assert ledger_check() == []


def test_an_officer_of_another_district_cannot_pay_a_returned_grant_again(returned):
    shunde = person(Role.FUNDS_OFFICER, region=region_tree()["shunde"])
    with pytest.raises(PermissionDenied):
        services.grant_payment_repay(grant=returned["grant"], actor=shunde, bank_account_no=ACCOUNT)


def test_the_officer_pays_again_from_the_grant_page_in_chinese(returned, client):
    officer = person(Role.FUNDS_OFFICER)
    client.force_login(officer)
    url = reverse("subsidies:grant_detail", args=[returned["grant"].pk])
    with translation.override("zh-hans"):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'id="repay"' in page and "returned" not in page.split('id="returned"')[1].split("</section>")[0]
    response = client.post(reverse("subsidies:grant_repay", args=[returned["grant"].pk]),
                           {"bank_account_no": ACCOUNT}, follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    returned["grant"].refresh_from_db()
    assert returned["grant"].state == GrantState.PAID
    bad = client.post(reverse("subsidies:grant_repay", args=[returned["grant"].pk]), {"bank_account_no": "x"},
                      follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert bad.status_code == 200  # a refusal on the page, never an error page
