"""Reading statement files: CSV and camt.053, the problems they are refused for. No database."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from minsheng.ledger.reconciliation.formats import (
    StatementLineData,
    amount_fen,
    statement_camt053_write,
    statement_csv_write,
    statement_parse,
)

from .recon_helpers import csv_statement, english  # noqa: F401  (english: autouse)

DAY = dt.date(2026, 6, 15)


def refusal(content: bytes, **options) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        statement_parse(content, **options)
    return caught.value.message_dict["file"]


def camt(entries: str, *, namespace="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02", prolog="") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<Document xmlns="{namespace}"><BkToCstmrStmt>'
            "<GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-06-15T18:00:00</CreDtTm></GrpHdr>"
            "<Stmt><Id>STMT-0615</Id><Acct><Id><Othr><Id>44050100001</Id></Othr></Id></Acct>"
            f"{entries}</Stmt></BkToCstmrStmt></Document>").encode()


ENTRY_V02 = """<Ntry><Amt Ccy="CNY">1234.50</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>2026-06-15</Dt></BookgDt><ValDt><Dt>2026-06-16</Dt></ValDt><AcctSvcrRef>BK001</AcctSvcrRef>
<NtryDtls><TxDtls><Refs><EndToEndId>grant:7</EndToEndId></Refs>
<RltdPties><Cdtr><Nm>佛山市某某陶瓷有限公司</Nm></Cdtr><CdtrAcct><Id><Othr><Id>6222000000001234</Id></Othr></Id></CdtrAcct>
</RltdPties><RmtInf><Ustrd>燃气补贴</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"""


# --- CSV ----------------------------------------------------------------------------------------

def test_a_csv_statement_gives_one_line_per_row_in_fen():
    parsed = statement_parse(csv_statement(
        "2026-06-15,grant:1,\"1,234.56\",debit,6222000000001234,企业1,TX1,subsidy",
        "20260615,,5,C,,,TX2,",
    ))
    first, second = parsed.lines
    assert (first.value_date, first.reference, first.amount, first.direction) == (DAY, "grant:1", 123456, "debit")
    assert (first.counterparty_name, first.bank_transaction_id, first.remark) == ("企业1", "TX1", "subsidy")
    assert (second.reference, second.amount, second.direction) == ("", 500, "credit")
    assert parsed.format == "csv" and parsed.from_date == parsed.to_date == DAY
    assert len(parsed.sha256) == 64


def test_a_csv_with_chinese_headers_in_gb18030_is_read():
    text = ("起息日,业务参考号,金额,借贷方向,对方账号,对方户名,银行流水号,备注\n"
            "2026/06/15,grant:2,88.00,借,6222,某公司,流水9,补贴\n")
    parsed = statement_parse(text.encode("gb18030"))
    line = parsed.lines[0]
    assert (line.reference, line.amount, line.direction) == ("grant:2", 8800, "debit")
    assert line.bank_transaction_id == "流水9"


def test_a_csv_lacking_a_required_column_is_refused_naming_it():
    problems = refusal(b"value_date,reference,amount\n2026-06-15,x,1\n")
    assert "direction" in problems[0] and "bank_transaction_id" in problems[0]


def test_every_wrong_csv_row_is_listed_with_its_line_number():
    problems = refusal(csv_statement(
        "2026-06-15,grant:1,1.00,debit,,,TX1,",
        "2026-13-40,grant:2,1.00,debit,,,TX2,",
        "2026-06-15,grant:3,-1.00,debit,,,TX3,",
        "2026-06-15,grant:4,1.001,debit,,,TX4,",
        "2026-06-15,grant:5,1.00,sideways,,,TX5,",
        "2026-06-15,grant:6,1.00,debit,,,,",
    ))
    assert [problem.split(":")[0] for problem in problems] == ["Line 3", "Line 4", "Line 5", "Line 6", "Line 7"]


def test_an_empty_or_binary_file_is_refused():
    assert refusal(b"") == ["The file is empty."]
    assert refusal(b"\x00\x01binary") == ["This is not a CSV text file."]
    assert refusal(csv_statement()) == ["The statement has no booked lines."]


def test_a_file_above_the_size_limit_is_refused_before_reading(settings):
    settings.MINSHENG_STATEMENT_MAX_BYTES = 1000
    problems = refusal(csv_statement(*[f"2026-06-15,g{i},1.00,debit,,,T{i}," for i in range(100)]))
    assert "at most 0.0 MB" in problems[0]


def test_a_statement_with_too_many_lines_is_refused(settings):
    settings.MINSHENG_STATEMENT_MAX_LINES = 10
    problems = refusal(csv_statement(*[f"2026-06-15,g{i},1.00,debit,,,T{i}," for i in range(11)]))
    assert problems == ["The statement has more than 10 lines; split it."]


def test_a_long_list_of_problems_is_cut_short_with_a_count():
    problems = refusal(csv_statement(*[f"bad,g{i},1.00,debit,,,T{i}," for i in range(80)]))
    assert len(problems) == 51 and problems[-1] == "… and 30 more problems."


def test_amounts_are_exact_fen():
    assert amount_fen("0.01") == 1
    assert amount_fen("1,000,000.10") == 100000010
    assert amount_fen("3") == 300
    for wrong in ("0", "-5", "1.234", "abc", "NaN", "Infinity"):
        with pytest.raises(ValueError):
            amount_fen(wrong)


def test_written_csv_reads_back_the_same_lines():
    lines = [StatementLineData(1, DAY, "grant:1", 12345, "debit", "TX1", "6222", "企业, 有限", "a \"remark\""),
             StatementLineData(2, DAY, "grant:1", 12345, "credit", "TX1R", return_reason="AC04")]
    assert statement_parse(statement_csv_write(lines)).lines == lines


# --- camt.053 -------------------------------------------------------------------------------------

def test_a_camt053_v02_entry_is_read_with_our_reference_and_the_creditor():
    parsed = statement_parse(camt(ENTRY_V02))
    assert parsed.format == "camt053"
    assert (parsed.statement_id, parsed.account_no) == ("STMT-0615", "44050100001")
    line = parsed.lines[0]
    assert (line.reference, line.amount, line.direction, line.value_date) == ("grant:7", 123450, "debit",
                                                                              dt.date(2026, 6, 16))
    assert (line.bank_transaction_id, line.counterparty_name, line.counterparty_account, line.remark) == (
        "BK001", "佛山市某某陶瓷有限公司", "6222000000001234", "燃气补贴")


def test_a_batch_entry_gives_one_line_per_transaction_and_pending_entries_are_skipped():
    batch = """<Ntry><Amt Ccy="CNY">30.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
    <BookgDt><DtTm>2026-06-15T09:00:00+08:00</DtTm></BookgDt><AcctSvcrRef>BATCH1</AcctSvcrRef><NtryDtls>
    <TxDtls><Refs><EndToEndId>grant:1</EndToEndId></Refs><Amt Ccy="CNY">10.00</Amt></TxDtls>
    <TxDtls><Refs><AcctSvcrRef>B1-2</AcctSvcrRef><EndToEndId>grant:2</EndToEndId></Refs>
    <AmtDtls><TxAmt><Amt Ccy="CNY">20.00</Amt></TxAmt></AmtDtls></TxDtls></NtryDtls></Ntry>
    <Ntry><Amt Ccy="CNY">99.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>PDNG</Cd></Sts></Ntry>"""
    parsed = statement_parse(camt(batch, namespace="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"))
    assert [(line.reference, line.amount, line.bank_transaction_id) for line in parsed.lines] == [
        ("grant:1", 1000, "BATCH1/1"), ("grant:2", 2000, "B1-2")]
    assert parsed.lines[0].value_date == DAY and parsed.skipped == 1


def test_a_return_entry_carries_its_reason_and_the_debtor():
    entry = """<Ntry><Amt Ccy="CNY">1234.50</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
    <ValDt><Dt>2026-06-17</Dt></ValDt><AcctSvcrRef>BK001R</AcctSvcrRef><NtryDtls><TxDtls>
    <Refs><EndToEndId>grant:7</EndToEndId></Refs><RltdPties><Dbtr><Nm>某银行</Nm></Dbtr></RltdPties>
    <RtrInf><Rsn><Cd>AC04</Cd></Rsn><AddtlInf>账户已销户</AddtlInf></RtrInf></TxDtls></NtryDtls></Ntry>"""
    line = statement_parse(camt(entry)).lines[0]
    assert (line.direction, line.reference, line.return_reason, line.counterparty_name) == (
        "credit", "grant:7", "AC04 账户已销户", "某银行")


def test_a_written_camt053_reads_back_the_same_lines():
    lines = [StatementLineData(1, DAY, "grant:1", 12345, "debit", "TX1", "6222", "企业<1>&", "补贴"),
             StatementLineData(2, DAY, "", 500, "credit", "TX2"),
             StatementLineData(3, DAY, "grant:1", 12345, "credit", "TX1R", return_reason="AC04 closed")]
    content = statement_camt053_write(statement_id="S1", account_no="4405", lines=lines,
                                      created_at=dt.datetime(2026, 6, 15, 18, tzinfo=dt.UTC))
    parsed = statement_parse(content)
    assert parsed.statement_id == "S1"
    assert [(x.reference, x.amount, x.direction, x.counterparty_name, x.return_reason) for x in parsed.lines] == [
        (x.reference, x.amount, x.direction, x.counterparty_name, x.return_reason) for x in lines]


def test_malformed_xml_is_refused_with_its_line():
    problems = refusal(b'<?xml version="1.0"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">'
                       b"\n<BkToCstmrStmt><Stmt></BkToCstmrStmt>")
    assert problems[0].startswith("The XML is malformed at line 3")


def test_an_xml_file_that_is_not_a_camt053_statement_is_refused():
    assert refusal(b"<html><body>hello</body></html>") == [
        "This XML file is not an ISO 20022 camt.053 bank statement."]
    payment_order = camt(ENTRY_V02, namespace="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03")
    assert refusal(payment_order) == ["This XML file is not an ISO 20022 camt.053 bank statement."]


def test_a_document_with_entities_is_refused_without_expanding_them():
    bomb = ('<!DOCTYPE Document [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
            '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY x SYSTEM "file:///etc/passwd">]>')
    content = camt(ENTRY_V02.replace("燃气补贴", "&c;&x;"), prolog=bomb)
    assert refusal(content) == ["The XML file declares a DOCTYPE; a bank statement never does."]


def test_a_camt_entry_in_another_currency_or_without_an_id_is_refused_with_its_number():
    usd = ENTRY_V02.replace('Ccy="CNY"', 'Ccy="USD"')
    anonymous = ENTRY_V02.replace("<AcctSvcrRef>BK001</AcctSvcrRef>", "")
    problems = refusal(camt(ENTRY_V02 + usd + anonymous))
    assert problems == ["Entry 2: the currency is USD; only CNY is accepted",
                        "Entry 3: the bank transaction id is missing"]


def test_camt_entries_read_a_chunk_at_a_time_keep_their_numbers_and_order(monkeypatch):
    from minsheng.ledger.reconciliation import formats

    monkeypatch.setattr(formats, "CAMT_CHUNK", 2)
    entries = [ENTRY_V02.replace("BK001", f"BK00{n}").replace("grant:7", f"grant:{n}") for n in range(1, 6)]
    parsed = statement_parse(camt("".join(entries)))
    assert [(line.line_no, line.reference) for line in parsed.lines] == [(n, f"grant:{n}") for n in range(1, 6)]
    entries[3] = entries[3].replace('Ccy="CNY"', 'Ccy="HKD"')
    assert refusal(camt("".join(entries))) == ["Entry 4: the currency is HKD; only CNY is accepted"]


def test_repeated_remittance_lines_are_joined_and_white_space_inside_a_name_is_one_space():
    entry = ENTRY_V02.replace("<Ustrd>燃气补贴</Ustrd>", "<Ustrd>燃气补贴</Ustrd><Ustrd>\t2025年度 </Ustrd>").replace(
        "佛山市某某陶瓷有限公司", "佛山市某某\n  陶瓷有限公司")
    line = statement_parse(camt(entry)).lines[0]
    assert (line.remark, line.counterparty_name) == ("燃气补贴 2025年度", "佛山市某某 陶瓷有限公司")


def test_an_element_called_ntry_in_another_vocabulary_is_not_an_entry():
    stray = '<Ntry xmlns="urn:example:other"><Amt Ccy="CNY">5.00</Amt></Ntry>'
    parsed = statement_parse(camt(ENTRY_V02 + stray))
    assert [line.reference for line in parsed.lines] == ["grant:7"]


def test_a_long_statement_with_white_space_between_entries_is_read_whole():
    """Entries were once moved out of the tree while the parser was still writing the text after them, which
    corrupted its memory a few thousand entries in ("xmlSAX2Characters"): read a long pretty-printed file twice."""
    lines = [StatementLineData(n, DAY, f"grant:{n}", 100 + n, "debit", f"TX{n}", "6222", "企业", "补贴")
             for n in range(1, 12_001)]
    content = statement_camt053_write(statement_id="S1", account_no="4405", lines=lines,
                                      created_at=dt.datetime(2026, 6, 15, 18, tzinfo=dt.UTC))
    content = content.replace(b"</Ntry>\n", b"</Ntry>\n    \n  ")
    for _ in range(2):
        parsed = statement_parse(content)
        assert [line.reference for line in parsed.lines[-2:]] == ["grant:11999", "grant:12000"]
        assert len(parsed.lines) == 12_000
