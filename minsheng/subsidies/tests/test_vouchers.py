"""Accounting vouchers (记账凭证): per day, the policy-funds transfers grouped into balanced vouchers booked to
each policy's account codes, as CSV and Excel, for the city's funds officers."""

import csv
import datetime as dt
import io
from collections import defaultdict
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.db.models import Q
from django.test import Client
from django.utils import translation

from minsheng.ledger.bank import BankStatus
from minsheng.ledger.choices import AccountKind, TransferKind
from minsheng.ledger.models import Transfer
from minsheng.org.choices import Role
from minsheng.org.tests.factories import person, region_tree
from minsheng.subsidies import services, vouchers
from minsheng.subsidies.choices import VoucherBusiness

from .factories import enterprise, officers, published_policy
from .test_money_integrity import ScriptedBank, confirm

pytestmark = pytest.mark.django_db
ZONE = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 6, 15)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def day_of_business():
    """On 2026-06-15: a policy funded with 100,000 yuan, two grants paid (20,000 and 30,000), one payment
    failed (25,000), one paid grant recovered and 5,000 yuan of it repaid."""
    with time_machine.travel(dt.datetime(2026, 6, 15, 9, 0, tzinfo=ZONE)):
        x, y = officers()
        version = published_policy(author=x, approver=y, budget=100_000_00, code="gas-v")
        owners = [person(Role.ENTERPRISE) for _ in range(3)]
        firms = [enterprise(facts={("gas_m3", "2025"): m3}, user=owner)
                 for m3, owner in zip((200000, 300000, 250000), owners, strict=True)]
        services.policy_match(version=version)
        grants = [confirm(f.grants.get(), o, bank=ScriptedBank(status))
                  for f, o, status in zip(firms, owners, (BankStatus.CONFIRMED, BankStatus.CONFIRMED,
                                                          BankStatus.FAILED), strict=True)]
        recovery = services.recovery_request(grant=grants[0], reason="数据有误", actor=x)
        services.recovery_decide(recovery=recovery, actor=y, approve=True)
        services.recovery_repayment_record(grant=grants[0], amount=5_000_00, reference="BK-1", actor=None)
    return {"policy": version.policy, "grants": grants, "x": x}


def by_business(found):
    return {v.business: v for v in found}


def test_a_day_of_business_becomes_balanced_vouchers_that_add_up_to_its_transfers(day_of_business):
    found = vouchers.voucher_list(start=DAY, end=DAY)
    assert all(v.debits == v.credits == v.amount for v in found)
    vs = by_business(found)
    assert vs[VoucherBusiness.FUNDING].amount == 100_000_00
    assert (vs[VoucherBusiness.RESERVE].amount, vs[VoucherBusiness.RESERVE].attachments) == (75_000_00, 3)
    assert (vs[VoucherBusiness.PAY].amount, vs[VoucherBusiness.PAY].attachments) == (50_000_00, 2)
    assert vs[VoucherBusiness.VOID].amount == 25_000_00
    assert vs[VoucherBusiness.RECOVER].amount == 20_000_00
    assert vs[VoucherBusiness.REPAY].amount == 5_000_00
    # every transfer of the day that moves policy funds is in exactly one voucher (the bank-side steps of the
    # same payments — to the clearing account, money coming back through the bank — are reconciliation's)
    bank_side = Q(credit_account__kind=AccountKind.CLEARING) | Q(debit_account__kind=AccountKind.SETTLED)
    assert sum(v.attachments for v in found) == Transfer.objects.exclude(bank_side).count()
    assert [v.number for v in found] == [f"记-20260615-{n:03d}" for n in range(1, len(found) + 1)]


def test_lines_are_booked_to_the_citys_default_codes_or_the_policys_own(day_of_business):
    pay = by_business(vouchers.voucher_list(start=DAY, end=DAY))[VoucherBusiness.PAY]
    assert [(line.account_code, line.debit, line.credit) for line in pay.lines] == [
        ("2307", 50_000_00, 0), ("1011", 0, 50_000_00)]
    services.policy_accounts_set(policy=day_of_business["policy"], actor=day_of_business["x"],
                                 payable_account_code="220101", bank_account_code="100201")
    pay = by_business(vouchers.voucher_list(start=DAY, end=DAY))[VoucherBusiness.PAY]
    assert [line.account_code for line in pay.lines] == ["220101", "100201"]


def test_a_bad_account_code_is_refused(day_of_business):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        services.policy_accounts_set(policy=day_of_business["policy"], actor=day_of_business["x"],
                                     bank_account_code="10 02")
    assert "bank_account_code" in caught.value.message_dict


def test_days_are_the_citys_days_not_utc():
    x, y = officers()
    with time_machine.travel(dt.datetime(2026, 6, 15, 23, 30, tzinfo=ZONE)):  # 15:30 UTC
        published_policy(author=x, approver=y, budget=10_00, code="late")
    with time_machine.travel(dt.datetime(2026, 6, 16, 0, 30, tzinfo=ZONE)):  # still the 15th in UTC
        published_policy(author=x, approver=y, budget=20_00, code="early")
    assert [v.amount for v in vouchers.voucher_list(start=DAY, end=DAY)] == [10_00]
    assert [v.amount for v in vouchers.voucher_list(start=dt.date(2026, 6, 16), end=dt.date(2026, 6, 16))] == [20_00]


def test_csv_and_excel_carry_the_same_balanced_lines(day_of_business):
    found = vouchers.voucher_list(start=DAY, end=DAY)
    with translation.override("zh-hans"):
        text = vouchers.vouchers_csv(found)
        book = openpyxl.load_workbook(io.BytesIO(vouchers.vouchers_xlsx(found)))
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["日期", "凭证号", "摘要"]
    sheet = list(book.active.iter_rows(values_only=True))
    assert len(sheet) == len(rows) == 1 + 2 * len(found)
    totals = defaultdict(lambda: [0, 0])
    for row in rows[1:]:
        totals[row[1]][0] += round(float(row[5] or 0) * 100)
        totals[row[1]][1] += round(float(row[6] or 0) * 100)
    assert all(debit == credit for debit, credit in totals.values())
    assert sheet[1][0] == dt.datetime(2026, 6, 15) and float(sheet[1][5]) == float(rows[1][5])


def test_a_posted_payment_counts_once_whatever_the_kind_of_transfer(day_of_business):
    posted = Transfer.objects.filter(kind=TransferKind.POST_PENDING).count()
    assert by_business(vouchers.voucher_list(start=DAY, end=DAY))[VoucherBusiness.PAY].attachments == posted


# --- the page --------------------------------------------------------------------------------------

def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_city_funds_officer_downloads_csv_and_excel(day_of_business):
    client = client_for(person(Role.FUNDS_OFFICER))
    assert client.get("/subsidies/vouchers/").status_code == 200
    response = client.get("/subsidies/vouchers/", {"start": "2026-06-15", "end": "2026-06-15", "format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "vouchers-20260615-20260615.csv" in response["Content-Disposition"]
    assert "记-20260615-001" in response.content.decode("utf-8-sig")
    response = client.get("/subsidies/vouchers/", {"start": "2026-06-01", "end": "2026-06-30", "format": "xlsx"})
    assert response.status_code == 200 and response.content[:2] == b"PK"


@pytest.mark.parametrize(("start", "end"), [("2026-06-30", "2026-06-01"), ("2024-01-01", "2026-06-01"),
                                            ("2026-02-30", "2026-03-01"), ("", "")])
def test_a_bad_range_is_told_on_the_page_not_a_500(day_of_business, start, end):
    client = client_for(person(Role.FUNDS_OFFICER))
    response = client.get("/subsidies/vouchers/", {"start": start, "end": end, "format": "csv"})
    assert response.status_code == 400
    assert b"errorlist" in response.content


def test_a_district_officer_an_enterprise_and_a_leader_cannot_export():
    for user in (person(Role.FUNDS_OFFICER, region=region_tree()["shunde"]), person(Role.ENTERPRISE),
                 person(Role.LEADER)):
        assert client_for(user).get("/subsidies/vouchers/").status_code == 403
        assert client_for(user).get("/api/subsidies/vouchers", {"start": "2026-06-15",
                                                                "end": "2026-06-15"}).status_code == 403


def test_the_api_gives_the_vouchers_as_json(day_of_business):
    client = client_for(person(Role.FUNDS_OFFICER))
    body = client.get("/api/subsidies/vouchers", {"start": "2026-06-15", "end": "2026-06-15"}).json()
    assert {v["business"] for v in body} >= {"funding", "pay", "recover", "repay"}
    assert all(sum(line["debit"] for line in v["lines"]) == sum(line["credit"] for line in v["lines"]) for v in body)
    assert client.get("/api/subsidies/vouchers", {"start": "2026-06-15", "end": "2026-06-01"}).status_code == 422


def test_a_policy_name_that_looks_like_a_formula_stays_text_in_the_csv(day_of_business):
    from minsheng.subsidies.models import Policy

    Policy.objects.filter(pk=day_of_business["policy"].pk).update(name='=HYPERLINK("http://x","y")')
    text = vouchers.vouchers_csv(vouchers.voucher_list(start=DAY, end=DAY))
    summaries = [row[2] for row in csv.reader(io.StringIO(text.lstrip("\ufeff")))][1:]
    assert all(summary.startswith("'=") for summary in summaries)
