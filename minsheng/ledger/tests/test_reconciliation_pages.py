
"""The reconciliation pages: who sees them, the upload with its errors, the queue's actions, the report."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from minsheng.ledger.bank import SimulatedBank
from minsheng.ledger.models import BankPayment, ReconciliationException, Statement
from minsheng.ledger.reconciliation.imports import statement_import
from minsheng.org.choices import Role
from minsheng.org.tests.factories import person

from .recon_helpers import csv_statement, paid

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 6, 15)
PAGES = ["ledger:reconciliation", "ledger:statement_upload", "ledger:exceptions", "ledger:bank_payments",
         "ledger:reconciliation_report"]

@pytest.fixture(autouse=True)
def _on_the_statement_day():
    """These tests read "today" as the statement's value date (15 June 2026), whatever day the suite runs."""
    with time_machine.travel(timezone.make_aware(dt.datetime(2026, 6, 15, 10)), tick=True):
        yield



@pytest.fixture
def officer(client):
    user = person(Role.FUNDS_OFFICER)
    client.force_login(user)
    return user


@pytest.fixture
def queue():
    """Two payments sent; a statement settling one, with a line for an unknown payee and a wrong amount."""
    bank = SimulatedBank(seed=5)
    paid(bank, [("g1", 100_00), ("g2", 200_00)])
    statement_import(content=csv_statement(
        "2026-06-15,g1,100.00,debit,6222000000001234,企业1,TX1,",
        "2026-06-15,g2,199.00,debit,6222000000001234,企业1,TX2,",
        "2026-06-15,,200.00,debit,6222999,某公司,TX3,",
    ))
    return {kind: ReconciliationException.objects.get(kind=kind) for kind in ("amount_differs", "unknown_line")}


@pytest.mark.parametrize("role", [Role.CITIZEN, Role.ENTERPRISE, Role.DISPATCHER, Role.PROJECT_OFFICER])
def test_other_roles_are_refused_every_reconciliation_page(client, queue, role):
    client.force_login(person(role))
    for name in PAGES:
        assert client.get(reverse(name)).status_code == 403, name
    item = queue["unknown_line"]
    assert client.get(reverse("ledger:exception", args=[item.pk])).status_code == 403
    assert client.post(reverse("ledger:exception_resolve", args=[item.pk]), {"resolve-note": "x"}).status_code == 403


def test_a_supervisor_reads_the_queue_but_cannot_act(client, queue):
    client.force_login(person(Role.SUPERVISOR))
    assert client.get(reverse("ledger:exceptions")).status_code == 200
    page = client.get(reverse("ledger:exception", args=[queue["unknown_line"].pk]))
    assert page.status_code == 200 and "备注说明后关闭" not in page.text
    assert client.get(reverse("ledger:statement_upload")).status_code == 403
    response = client.post(reverse("ledger:exception_resolve", args=[queue["unknown_line"].pk]),
                           {"resolve-note": "看过了"})
    assert response.status_code == 403
    assert ReconciliationException.objects.filter(state="open").count() == 2


def test_anonymous_visitors_are_sent_to_sign_in(client):
    assert client.get(reverse("ledger:exceptions")).status_code == 302


def test_the_overview_counts_what_waits(client, officer, queue):
    page = client.get(reverse("ledger:reconciliation"))
    assert page.status_code == 200
    assert "银行对账" in page.text and "200.00" in page.text  # g2 is still in clearing
    assert "金额不符" in page.text and "流水无对应付款" in page.text


def test_an_uploaded_statement_is_imported_and_shown(client, officer):
    bank = SimulatedBank(seed=5)
    paid(bank, [("g1", 100_00)])
    upload = SimpleUploadedFile("0615.xml", bank.statement_camt053(value_date=DAY), content_type="text/xml")
    response = client.post(reverse("ledger:statement_upload"), {"file": upload})
    statement = Statement.objects.get()
    assert response.status_code == 302 and response.url == reverse("ledger:statement", args=[statement.pk])
    page = client.get(response.url)
    assert "1 笔付款已结算" in page.text and "g1" in page.text and "核销付款" in page.text
    assert statement.imported_by == officer and statement.file_name == "0615.xml"


def test_the_same_statement_uploaded_again_says_so(client, officer):
    content = csv_statement("2026-06-15,,5.00,debit,,,FEE1,手续费")
    client.post(reverse("ledger:statement_upload"), {"file": SimpleUploadedFile("a.csv", content)})
    response = client.post(reverse("ledger:statement_upload"), {"file": SimpleUploadedFile("a.csv", content)},
                           follow=True)
    assert "该对账单已经导入过" in response.text
    assert Statement.objects.count() == 1


def test_a_refused_upload_lists_each_wrong_line_and_keeps_what_was_typed(client, officer):
    text = "\n".join(["value_date,reference,amount,direction,bank_transaction_id",
                      "2026-06-15,g1,100.00,debit,TX1", "2026-06-15,g2,abc,debit,TX2", "2026-06-31,g3,1.00,debit,TX3"])
    response = client.post(reverse("ledger:statement_upload"), {"text": text, "statement_id": "SHEET-0615"})
    assert response.status_code == 400
    assert "对账单未导入" in response.text
    assert "第 3 行：金额 abc 不是数字" in response.text
    assert "第 4 行：日期 2026-06-31 不是形如 2026-06-15 的日期" in response.text
    assert "2026-06-15,g2,abc,debit,TX2" in response.text  # the pasted text is still there
    assert 'value="SHEET-0615"' in response.text
    assert not Statement.objects.exists()


def test_a_refused_file_is_named_so_it_can_be_chosen_again(client, officer):
    upload = SimpleUploadedFile("broken.xml", b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">'
                                              b"<BkToCstmrStmt><Stmt><Id>1</Id>")
    response = client.post(reverse("ledger:statement_upload"), {"file": upload})
    assert response.status_code == 400
    assert "broken.xml" in response.text and "XML 格式错误" in response.text


def test_an_upload_without_a_file_or_text_asks_for_one(client, officer):
    response = client.post(reverse("ledger:statement_upload"), {})
    assert response.status_code == 400 and "请上传对账单文件或粘贴其内容" in response.text


def test_the_queue_lists_open_exceptions_with_their_kind(client, officer, queue):
    page = client.get(reverse("ledger:exceptions"))
    assert page.status_code == 200
    assert page.text.count('class="button"') == 2 and "处理" in page.text
    only = client.get(reverse("ledger:exceptions"), {"state": "open", "kind": "unknown_line"})
    assert "流水无对应付款" in only.text and "g2" not in only.text


def test_an_officer_resolves_an_exception_with_a_note_from_its_page(client, officer, queue):
    item = queue["amount_differs"]
    page = client.get(reverse("ledger:exception", args=[item.pk]))
    assert "备注说明后关闭" in page.text and "标记为退汇" in page.text
    response = client.post(reverse("ledger:exception_resolve", args=[item.pk]), {"resolve-note": "银行已更正"})
    assert response.status_code == 302 and response.url == reverse("ledger:exceptions")
    item.refresh_from_db()
    assert (item.state, item.note, item.resolved_by) == ("resolved", "银行已更正", officer)
    assert BankPayment.objects.get(reference="g2").state == "outstanding"


def test_an_action_without_a_note_shows_the_page_again_with_the_error(client, officer, queue):
    item = queue["unknown_line"]
    response = client.post(reverse("ledger:exception_resolve", args=[item.pk]), {"resolve-note": ""})
    assert response.status_code == 400 and "errorlist" in response.text
    item.refresh_from_db()
    assert item.state == "open"


def test_an_officer_matches_a_line_to_a_payment_offered_by_amount(client, officer, queue):
    item = queue["unknown_line"]
    page = client.get(reverse("ledger:exception", args=[item.pk]))
    assert "<code>g2</code>" in page.text  # the payment of the same amount still in clearing
    response = client.post(reverse("ledger:exception_match", args=[item.pk]),
                           {"match-reference": "g2", "match-note": "银行漏填参考号"})
    assert response.status_code == 302
    assert BankPayment.objects.get(reference="g2").state == "settled"
    assert not ReconciliationException.objects.filter(state="open").exists()  # g2's amount exception too


def test_matching_an_unknown_reference_shows_the_error_on_the_field(client, officer, queue):
    item = queue["unknown_line"]
    response = client.post(reverse("ledger:exception_match", args=[item.pk]),
                           {"match-reference": "nope", "match-note": "试试"})
    assert response.status_code == 400 and "没有以参考号 nope 发出的付款" in response.text


def test_an_officer_marks_a_payment_returned(client, officer, queue):
    item = queue["amount_differs"]
    response = client.post(reverse("ledger:exception_return", args=[item.pk]), {"return-note": "收款账户已销户"})
    assert response.status_code == 302
    assert BankPayment.objects.get(reference="g2").state == "returned"
    assert "已退汇待重新支付" in client.get(reverse("ledger:reconciliation")).text


def test_the_payments_page_filters_by_state(client, officer, queue):
    page = client.get(reverse("ledger:bank_payments"), {"state": "settled"})
    assert "g1" in page.text and "g2" not in page.text


def test_the_daily_report_shows_sent_settled_and_in_clearing(client, officer, queue):
    page = client.get(reverse("ledger:reconciliation_report"), {"date_from": "2026-06-14", "date_to": "2026-06-15"})
    assert page.status_code == 200 and "对账日报" in page.text
    report = page.context["report"]
    today = report.days[-1]
    assert (today.day, today.sent_count, today.sent_amount) == (DAY, 2, 300_00)
    assert (today.settled_count, today.settled_amount, today.outstanding_amount) == (1, 100_00, 200_00)
    assert today.exceptions == {"amount_differs": 1, "unknown_line": 1}
    assert report.days[0].sent_count == 0 and report.totals.outstanding_amount == 200_00


def test_the_daily_report_downloads_as_csv_in_yuan(client, officer, queue):
    response = client.get(reverse("ledger:reconciliation_report"),
                          {"date_from": "2026-06-15", "date_to": "2026-06-15", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert "reconciliation-2026-06-15-2026-06-15.csv" in response["Content-Disposition"]
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("起息日,已发送,已发送（元）,已结算")
    assert lines[1].startswith("2026-06-15,2,300.00,1,100.00,0,0.00,1,200.00,1,1,0,0,0,399.00")
    assert lines[2].startswith("合计,2,300.00")


def test_a_report_period_backwards_is_refused_on_the_page(client, officer):
    response = client.get(reverse("ledger:reconciliation_report"), {"date_from": "2026-06-15", "date_to": "2026-06-01"})
    assert response.status_code == 400 and "结束日期早于开始日期" in response.text


def test_a_file_above_the_size_limit_is_refused_on_the_page(client, officer, settings):
    settings.MINSHENG_STATEMENT_MAX_BYTES = 100
    upload = SimpleUploadedFile("big.csv", csv_statement(*[f"2026-06-15,g{i},1.00,debit,,,T{i}," for i in range(9)]))
    response = client.post(reverse("ledger:statement_upload"), {"file": upload})
    assert response.status_code == 400 and "最多接受 0.0 MB" in response.text
    assert not Statement.objects.exists()
