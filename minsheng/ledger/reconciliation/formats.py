"""Bank statement files: read a CSV export or an ISO 20022 camt.053 statement into lines, and write
both (the simulated bank's statements, the tests and the benchmark).

Reading checks every line and reports every problem with its line (or entry) number; a file with
any problem is refused whole, so an import never stops half-way. Nothing here touches the database.

CSV: one header row, then one row per booking. UTF-8 (with or without BOM) or GB18030, the
encoding Chinese banks' online banking exports in. The columns (English or Chinese header; order
free; unknown columns ignored):

=====================  ============================  ======================================
column                 Chinese header                meaning
=====================  ============================  ======================================
value_date             起息日 / 交易日期              YYYY-MM-DD, YYYYMMDD or YYYY/MM/DD
reference              业务参考号 / 参考号            the reference we gave the bank (blank if none)
amount                 金额 / 交易金额                yuan, at most two decimals, > 0 (1,234.56)
direction              借贷方向 / 借贷标志            debit (D, DBIT, 借, 付) = money out; credit (C, CRDT, 贷, 收) = in
counterparty_account   对方账号                      optional
counterparty_name      对方户名                      optional
bank_transaction_id    银行流水号 / 流水号            the bank's own id of the booking (required)
remark                 备注 / 摘要                   optional
return_reason          退汇原因                      optional (a credit with one of our references is a return)
=====================  ============================  ======================================

camt.053 (any version 001.02 to 001.13): every booked ``Stmt/Ntry`` (status BOOK) gives one line
per ``NtryDtls/TxDtls`` (or one for an entry without details): ``Amt`` with ``Ccy`` (CNY only),
``CdtDbtInd``, ``ValDt`` (else ``BookgDt``), ``Refs/EndToEndId`` (our reference), ``Refs/AcctSvcrRef``
(else the entry's ``AcctSvcrRef``: the bank's transaction id), the creditor (for a debit) or debtor
(for a credit) under ``RltdPties``, ``RmtInf/Ustrd`` as the remark and ``RtrInf/Rsn`` as the return
reason. Parsed with lxml without entity resolution, DTD loading or network access; a document that
declares a DOCTYPE is refused.
"""

import copy
import csv
import datetime as dt
import functools
import hashlib
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from xml.sax.saxutils import escape, quoteattr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree

from ..choices import LineDirection, StatementFormat

# Defaults for the settings MINSHENG_STATEMENT_MAX_BYTES and MINSHENG_STATEMENT_MAX_LINES.
MAX_BYTES = 128 * 1024 * 1024
MAX_LINES = 200_000
# Problems listed in a refusal (a broken export would otherwise list every one of its lines).
ERRORS_SHOWN = 50
CAMT053 = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:camt\.053\.001\.\d\d$")
CURRENCY = "CNY"


@dataclass(slots=True)
class StatementLineData:
    line_no: int
    value_date: dt.date
    reference: str
    amount: int  # fen, > 0
    direction: str  # LineDirection
    bank_transaction_id: str
    counterparty_account: str = ""
    counterparty_name: str = ""
    remark: str = ""
    return_reason: str = ""


@dataclass
class StatementData:
    format: str  # StatementFormat
    lines: list[StatementLineData]
    statement_id: str = ""
    account_no: str = ""
    from_date: dt.date | None = None
    to_date: dt.date | None = None
    skipped: int = 0  # camt.053 entries not booked yet (pending, information)
    sha256: str = field(default="")


def max_bytes() -> int:
    return int(getattr(settings, "MINSHENG_STATEMENT_MAX_BYTES", MAX_BYTES))


def max_lines() -> int:
    return int(getattr(settings, "MINSHENG_STATEMENT_MAX_LINES", MAX_LINES))


def statement_parse(content: bytes, *, format: str | None = None) -> StatementData:
    """The statement in ``content`` (CSV or camt.053; guessed from the first character when
    ``format`` is None). Raises ``ValidationError({"file": [...]})`` listing the problems."""
    if len(content) > max_bytes():
        raise _refused([_("The file is %(size)s MB; at most %(max)s MB is accepted.")
                        % {"size": _megabytes(len(content)), "max": _megabytes(max_bytes())}])
    if not content.strip():
        raise _refused([_("The file is empty.")])
    if format is None:
        format = StatementFormat.CAMT053 if content.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<") \
            else StatementFormat.CSV
    parsed = _camt_parse(content) if format == StatementFormat.CAMT053 else _csv_parse(content)
    if not parsed.lines:
        raise _refused([_("The statement has no booked lines.")])
    parsed.sha256 = hashlib.sha256(content).hexdigest()
    dates = [line.value_date for line in parsed.lines]
    parsed.from_date = parsed.from_date or min(dates)
    parsed.to_date = parsed.to_date or max(dates)
    return parsed


def _refused(problems: list[str], more: int = 0) -> ValidationError:
    messages = list(problems[:ERRORS_SHOWN])
    hidden = len(problems) - len(messages) + more
    if hidden > 0:
        messages.append(_("… and %(n)s more problems.") % {"n": hidden})
    return ValidationError({"file": messages})


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}"


# --- values -----------------------------------------------------------------------------------

DEBIT_WORDS = {"debit", "d", "dbit", "dr", "借", "借方", "付", "付款", "支出"}
CREDIT_WORDS = {"credit", "c", "crdt", "cr", "贷", "贷方", "收", "收款", "收入"}


def amount_fen(text: str) -> int:
    """Yuan as written by a bank ("1,234.56", "1234.5", "1234") as integer fen; ValueError when it
    is not a positive amount with at most two decimals."""
    cleaned = (text or "").strip().replace(",", "").replace("，", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(_("the amount %(value)s is not a number") % {"value": text}) from None
    if not value.is_finite() or value <= 0:
        raise ValueError(_("the amount must be more than zero (the direction says which way)"))
    fen = value * 100
    if fen != fen.to_integral_value():
        raise ValueError(_("the amount %(value)s has more than two decimals") % {"value": text})
    if fen >= 10**17:
        raise ValueError(_("the amount %(value)s is too large") % {"value": text})
    return int(fen)


def direction_of(text: str) -> str:
    word = (text or "").strip().lower()
    if word in DEBIT_WORDS:
        return LineDirection.DEBIT
    if word in CREDIT_WORDS:
        return LineDirection.CREDIT
    raise ValueError(_("the direction %(value)s is neither debit nor credit") % {"value": text})


def date_of(text: str) -> dt.date:
    cleaned = (text or "").strip()[:10] if "T" in (text or "") else (text or "").strip()
    if len(cleaned) == 10 and cleaned[4] == "-":
        try:
            return dt.date.fromisoformat(cleaned)  # the usual form, read in C
        except ValueError:
            pass
    for pattern in ("%Y%m%d", "%Y/%m/%d"):
        try:
            return dt.datetime.strptime(cleaned, pattern).date()
        except ValueError:
            continue
    raise ValueError(_("the date %(value)s is not a date such as 2026-06-15") % {"value": text})


def _clip(text: str | None, size: int) -> str:
    return (text or "").strip()[:size]


# --- CSV ----------------------------------------------------------------------------------------

COLUMNS: dict[str, set[str]] = {
    "value_date": {"value_date", "value date", "起息日", "交易日期"},
    "reference": {"reference", "bank_reference", "bank reference", "业务参考号", "参考号", "客户参考号"},
    "amount": {"amount", "金额", "交易金额"},
    "direction": {"direction", "借贷方向", "借贷标志"},
    "counterparty_account": {"counterparty_account", "counterparty account", "对方账号"},
    "counterparty_name": {"counterparty_name", "counterparty name", "对方户名"},
    "bank_transaction_id": {"bank_transaction_id", "bank transaction id", "transaction id", "银行流水号", "流水号"},
    "remark": {"remark", "备注", "摘要"},
    "return_reason": {"return_reason", "return reason", "退汇原因"},
}
REQUIRED_COLUMNS = ("value_date", "reference", "amount", "direction", "bank_transaction_id")


def _csv_text(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return content.decode("gb18030")
        except UnicodeDecodeError:
            raise _refused([_("The file is neither UTF-8 nor GB18030 text.")]) from None


def _csv_parse(content: bytes) -> StatementData:
    if b"\x00" in content:
        raise _refused([_("This is not a CSV text file.")])
    reader = csv.reader(io.StringIO(_csv_text(content), newline=""))
    try:
        header = [cell.strip().lower() for cell in next(reader, [])]
    except csv.Error as exc:
        raise _refused([_("Line 1: %(problem)s") % {"problem": exc}]) from None
    position: dict[str, int] = {}
    for index, name in enumerate(header):
        for column, names in COLUMNS.items():
            if name in names and column not in position:
                position[column] = index
    missing = [column for column in REQUIRED_COLUMNS if column not in position]
    if missing:
        raise _refused([_("The header lacks the columns: %(columns)s. Expected: %(expected)s.")
                        % {"columns": ", ".join(missing), "expected": ", ".join(COLUMNS)}])
    indices = tuple(position.get(column) for column in COLUMNS)
    lines: list[StatementLineData] = []
    problems: list[str] = []
    limit = max_lines()
    try:
        for row_no, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            if len(lines) + len(problems) >= limit:
                raise _refused([_("The statement has more than %(n)s lines; split it.") % {"n": f"{limit:,}"}])
            try:
                lines.append(_csv_line(len(lines) + 1, row, indices))
            except ValueError as exc:
                problems.append(_("Line %(n)s: %(problem)s") % {"n": row_no, "problem": exc})
    except csv.Error as exc:
        problems.append(_("Line %(n)s: %(problem)s") % {"n": reader.line_num, "problem": exc})
    if problems:
        raise _refused(problems)
    return StatementData(format=StatementFormat.CSV, lines=lines)


def _csv_line(line_no: int, row: list[str], indices: tuple[int | None, ...]) -> StatementLineData:
    """``indices``: where each of COLUMNS is in the row (None: the file has no such column, read as "")."""
    width = len(row)
    (value_date, reference, amount, direction, counterparty_account, counterparty_name, transaction_id, remark,
     return_reason) = [row[i].strip() if i is not None and i < width else "" for i in indices]
    if not transaction_id:
        raise ValueError(_("the bank transaction id is missing"))
    if len(reference) > 200 or len(transaction_id) > 100:
        raise ValueError(_("a reference has at most 200 characters, a transaction id at most 100"))
    return StatementLineData(
        line_no, date_of(value_date), reference, amount_fen(amount), direction_of(direction), transaction_id,
        counterparty_account[:64], counterparty_name[:200], remark[:300], return_reason[:200],
    )


def statement_csv_write(lines: Iterable[StatementLineData]) -> bytes:
    """A CSV statement in the columns above (UTF-8, English header)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(list(COLUMNS))
    for line in lines:
        writer.writerow([
            line.value_date.isoformat(), line.reference, _yuan_text(line.amount), line.direction,
            line.counterparty_account, line.counterparty_name, line.bank_transaction_id, line.remark,
            line.return_reason,
        ])
    return out.getvalue().encode("utf-8")


def _yuan_text(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


# --- camt.053 -----------------------------------------------------------------------------------


def _camt_parse(content: bytes) -> StatementData:
    """Stream the document: lxml builds each ``Ntry`` in C, the entries are copied a chunk at a time into a
    small document of their own and read there by one XSLT (libxslt, C) into tab-separated records, which
    Python checks. Reading every element from Python costs three times as much at 100,000 entries; the
    whole document as one tree costs ten times the memory."""
    parsed = StatementData(format=StatementFormat.CAMT053, lines=[])
    problems: list[str] = []
    ids: list[str] = []
    namespace = ""
    entries = 0  # entries read so far (their numbers in a refusal)
    box, boxed = None, 0
    limit = max_lines()
    events = etree.iterparse(
        io.BytesIO(content), events=("end",), tag=("{*}Stmt", "{*}Ntry"), resolve_entities=False, no_network=True,
        load_dtd=False, huge_tree=False, remove_comments=True, remove_pis=True,
    )

    def read_box() -> None:
        nonlocal box, entries
        entries = _camt_records(str(_camt_reader(namespace)(box)), parsed, problems, first_entry=entries + 1)
        box = None
        if len(parsed.lines) > limit:
            raise _refused([_("The statement has more than %(n)s lines; split it.") % {"n": f"{limit:,}"}])

    try:
        for _event, element in events:
            if not namespace:  # the first statement or entry: is this a camt.053 document?
                tree = element.getroottree()
                if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
                    raise _refused([_("The XML file declares a DOCTYPE; a bank statement never does.")])
                root = etree.QName(tree.getroot())
                if root.localname != "Document" or not CAMT053.match(root.namespace or ""):
                    raise _refused([_("This XML file is not an ISO 20022 camt.053 bank statement.")])
                namespace = root.namespace
                prefix = f"{{{namespace}}}"
            if not element.tag.startswith(prefix):
                continue  # an element of another vocabulary that happens to be called Ntry or Stmt
            local = element.tag[len(prefix):]
            if local == "Ntry":
                if box is None:
                    box, boxed = etree.Element(f"{{{namespace}}}Entries"), 0
                # A copy (C, cheap): the parser is still writing the original's tail, and moving it would corrupt
                # the parser's memory. The original is emptied, as it always was.
                entry = copy.deepcopy(element)
                entry.tail = None
                box.append(entry)
                element.clear(keep_tail=True)
                boxed += 1  # (len(box) would count the children one by one)
                if boxed == CAMT_CHUNK:
                    read_box()
            elif local == "Stmt":
                found = _flatten(element, len(namespace) + 2, skip="Ntry")
                ids.append(found.get("Id", ""))
                parsed.account_no = parsed.account_no or _account(found, "Acct/")
                parsed.from_date = parsed.from_date or _optional_date(found.get("FrToDt/FrDtTm", ""))
                parsed.to_date = _optional_date(found.get("FrToDt/ToDtTm", "")) or parsed.to_date
                element.clear(keep_tail=True)
        if box is not None:
            read_box()
    except etree.XMLSyntaxError as exc:
        raise _refused([_("The XML is malformed at line %(line)s: %(problem)s")
                        % {"line": exc.lineno, "problem": exc.msg}]) from None
    if not namespace:
        raise _refused([_("This XML file is not an ISO 20022 camt.053 bank statement.")])
    if problems:
        raise _refused(problems)
    parsed.statement_id = "+".join(i for i in ids if i)[:200]
    return parsed


CAMT_CHUNK = 1000  # entries read by one pass of the XSLT

# What is read of an entry and of each of its transactions, by name, with the path (relative, ``c:`` the
# statement's namespace) it is read from. Every value is the element's text with white space normalised;
# the elements the schema lets repeat have their texts joined with a space. ``count(…)`` is a number.
ENTRY_FIELDS = {
    "status": "c:Sts", "amounts": "count(c:Amt)", "amount": "c:Amt", "currency": "c:Amt[1]/@Ccy",
    "indicator": "c:CdtDbtInd", "value_date": "c:ValDt/c:Dt", "value_time": "c:ValDt/c:DtTm",
    "booking_date": "c:BookgDt/c:Dt", "booking_time": "c:BookgDt/c:DtTm", "bank_ref": "c:AcctSvcrRef",
    "entry_ref": "c:NtryRef", "remark": "c:AddtlNtryInf", "details": "count(c:NtryDtls/c:TxDtls)",
}
TX_FIELDS = {
    "amount": "c:Amt", "tx_amount": "c:AmtDtls/c:TxAmt/c:Amt", "reference": "c:Refs/c:EndToEndId",
    "bank_ref": "c:Refs/c:AcctSvcrRef", "tx_id": "c:Refs/c:TxId", "debtor": "count(c:RltdPties/c:Dbtr/*)",
    "Dbtr": "c:RltdPties/c:Dbtr/c:Nm", "Dbtr_party": "c:RltdPties/c:Dbtr/c:Pty/c:Nm",
    "DbtrAcct_iban": "c:RltdPties/c:DbtrAcct/c:Id/c:IBAN", "DbtrAcct_other": "c:RltdPties/c:DbtrAcct/c:Id/c:Othr/c:Id",
    "Cdtr": "c:RltdPties/c:Cdtr/c:Nm", "Cdtr_party": "c:RltdPties/c:Cdtr/c:Pty/c:Nm",
    "CdtrAcct_iban": "c:RltdPties/c:CdtrAcct/c:Id/c:IBAN", "CdtrAcct_other": "c:RltdPties/c:CdtrAcct/c:Id/c:Othr/c:Id",
    "unstructured": "c:RmtInf/c:Ustrd", "tx_remark": "c:AddtlTxInf", "returned": "count(c:RtrInf)",
    "return_code": "c:RtrInf/c:Rsn/c:Cd", "return_proprietary": "c:RtrInf/c:Rsn/c:Prtry",
    "return_info": "c:RtrInf/c:AddtlInf",
}
REPEATABLE = frozenset({"c:RmtInf/c:Ustrd", "c:RtrInf/c:AddtlInf"})


def _xslt_fields(fields: dict[str, str], prefix: str) -> str:
    parts = []
    for index, path in enumerate(fields.values()):
        if path.startswith("count("):
            parts.append(f'<xsl:value-of select="{path}"/>')
        elif path in REPEATABLE:  # every occurrence, joined with one space
            parts.append(f'<xsl:variable name="{prefix}{index}"><xsl:for-each select="{path}"><xsl:value-of '
                         'select="."/><xsl:text> </xsl:text></xsl:for-each></xsl:variable>'
                         f'<xsl:value-of select="normalize-space(${prefix}{index})"/>')
        else:  # the first occurrence (the schema allows one)
            parts.append(f'<xsl:value-of select="normalize-space({path})"/>')
    return "<xsl:text>&#9;</xsl:text>".join(parts)


@functools.lru_cache(maxsize=16)
def _camt_reader(namespace: str) -> etree.XSLT:
    """The XSLT that turns a chunk of entries of a statement in ``namespace`` into records: a line
    ``E<tab>…`` per entry, then a line ``T<tab>…`` per transaction of it (fields as named above)."""
    stylesheet = (
        '<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform" '
        f'xmlns:c={quoteattr(namespace)}><xsl:output method="text" encoding="UTF-8"/>'
        '<xsl:template match="/"><xsl:for-each select="*/c:Ntry"><xsl:text>E&#9;</xsl:text>'
        + _xslt_fields(ENTRY_FIELDS, "entry") + '<xsl:text>&#10;</xsl:text>'
        '<xsl:for-each select="c:NtryDtls/c:TxDtls"><xsl:text>T&#9;</xsl:text>'
        + _xslt_fields(TX_FIELDS, "tx") + '<xsl:text>&#10;</xsl:text></xsl:for-each></xsl:for-each>'
        '</xsl:template></xsl:stylesheet>'
    )
    return etree.XSLT(etree.XML(stylesheet.encode()), access_control=etree.XSLTAccessControl.DENY_ALL)


def _camt_records(text: str, parsed: StatementData, problems: list[str], *, first_entry: int) -> int:
    """Check the records of a chunk of entries and add their lines to ``parsed`` (or their problems to
    ``problems``). Returns the number of the last entry read."""
    number = first_entry - 1
    records = [line.split("\t") for line in text.split("\n") if line]
    at = 0
    while at < len(records):
        number += 1
        entry = dict(zip(ENTRY_FIELDS, records[at][1:], strict=True))
        count = int(entry["details"])
        details = [dict(zip(TX_FIELDS, record[1:], strict=True)) for record in records[at + 1:at + 1 + count]]
        at += 1 + len(details)
        try:
            lines = _camt_entry(entry, details, first_line_no=len(parsed.lines) + 1)
        except ValueError as exc:
            problems.append(_("Entry %(n)s: %(problem)s") % {"n": number, "problem": exc})
            continue
        if lines is None:
            parsed.skipped += 1
        else:
            parsed.lines.extend(lines)
    return number


def _flatten(element, strip: int, *, skip: str = "") -> dict[str, str]:
    """The text of every element below ``element`` by its path ("FrToDt/FrDtTm"), and each attribute as
    "path@name"; repeated elements are joined with a space (the statement's own header)."""
    found: dict[str, str] = {}

    def walk(parent, prefix: str) -> None:
        for child in parent:
            name = prefix + child.tag[strip:]
            if name == skip:
                continue
            if len(child):
                walk(child, name + "/")
                continue
            text = (child.text or "").strip()
            found[name] = f"{found[name]} {text}" if name in found and text else text or found.get(name, "")
            if child.attrib:
                for key, value in child.attrib.items():
                    found.setdefault(f"{name}@{key}", value)

    walk(element, "")
    return found


def _optional_date(text: str) -> dt.date | None:
    try:
        return date_of(text) if text else None
    except ValueError:
        return None


def _account(found: dict[str, str], prefix: str) -> str:
    """An account's number: the IBAN or the bank's own (``Othr/Id``) identification."""
    return _clip(found.get(f"{prefix}Id/IBAN") or found.get(f"{prefix}Id/Othr/Id", ""), 64)


def _camt_entry(entry: dict[str, str], details: list[dict[str, str]], *,
                first_line_no: int) -> list[StatementLineData] | None:
    """The lines of one entry; None for an entry that is not booked."""
    status = entry["status"]
    if status and status.upper() not in ("BOOK", "BOOKED"):
        return None
    if entry["amounts"] == "0":
        raise ValueError(_("the entry has no amount"))
    currency = entry["currency"]
    if currency != CURRENCY:
        raise ValueError(_("the currency is %(ccy)s; only CNY is accepted") % {"ccy": currency or "?"})
    entry_amount = amount_fen(entry["amount"])
    indicator = entry["indicator"].upper()
    if indicator not in ("DBIT", "CRDT"):
        raise ValueError(_("the entry's CdtDbtInd must be DBIT or CRDT"))
    direction = LineDirection.DEBIT if indicator == "DBIT" else LineDirection.CREDIT
    value_date = date_of(entry["value_date"] or entry["value_time"] or entry["booking_date"] or entry["booking_time"])
    entry_ref = entry["bank_ref"] or entry["entry_ref"]
    remark = entry["remark"]
    if not details:
        if not entry_ref:
            raise ValueError(_("the bank transaction id is missing"))
        return [StatementLineData(first_line_no, value_date, "", entry_amount, direction, entry_ref[:100],
                                  remark=_clip(remark, 300))]
    single = len(details) == 1
    return [_camt_transaction(tx, line_no=first_line_no + index, value_date=value_date, direction=direction,
                              entry_amount=entry_amount if single else None,
                              entry_ref=entry_ref if single else (f"{entry_ref}/{index + 1}" if entry_ref else ""),
                              remark=remark)
            for index, tx in enumerate(details)]


def _camt_transaction(tx: dict[str, str], *, line_no: int, value_date: dt.date, direction: str,
                      entry_amount: int | None, entry_ref: str, remark: str) -> StatementLineData:
    amount_text = tx["amount"] or tx["tx_amount"]
    if amount_text:
        amount = amount_fen(amount_text)
    elif entry_amount is not None:
        amount = entry_amount
    else:
        raise ValueError(_("a transaction of a batch entry has no amount"))
    reference = tx["reference"]
    if reference.upper() == "NOTPROVIDED":
        reference = ""
    transaction_id = tx["bank_ref"] or tx["tx_id"] or entry_ref
    if not transaction_id:
        raise ValueError(_("the bank transaction id is missing"))
    if len(reference) > 200 or len(transaction_id) > 100:
        raise ValueError(_("a reference has at most 200 characters, a transaction id at most 100"))
    # the counterparty: the creditor of a debit; the debtor of a credit (a return may name only the creditor)
    party = "Dbtr" if direction == LineDirection.CREDIT and tx["debtor"] != "0" else "Cdtr"
    name = tx[party] or tx[f"{party}_party"]
    reason = ""
    if tx["returned"] != "0":
        code = tx["return_code"] or tx["return_proprietary"]
        reason = " ".join(part for part in (code, tx["return_info"]) if part) or "RTRN"
    return StatementLineData(
        line_no, value_date, reference, amount, direction, transaction_id,
        _clip(tx[f"{party}Acct_iban"] or tx[f"{party}Acct_other"], 64), _clip(name, 200),
        _clip(tx["unstructured"] or tx["tx_remark"] or remark, 300), _clip(reason, 200),
    )


def statement_camt053_write(
    *, statement_id: str, account_no: str, lines: Iterable[StatementLineData], created_at: dt.datetime,
    account_name: str = "",
) -> bytes:
    """A camt.053.001.08 statement with one entry per line (returns carry ``RtrInf``)."""
    lines = list(lines)
    dates = [line.value_date for line in lines] or [timezone.localtime(created_at).date()]  # the city's day
    return "".join(_camt_chunks(statement_id, account_no, account_name, lines, created_at, min(dates),
                                max(dates))).encode("utf-8")


def _camt_chunks(statement_id, account_no, account_name, lines, created_at, first, last) -> Iterator[str]:
    stamp = created_at.replace(microsecond=0).isoformat()
    yield ('<?xml version="1.0" encoding="UTF-8"?>\n'
           '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>'
           f"<GrpHdr><MsgId>{escape(statement_id)}</MsgId><CreDtTm>{stamp}</CreDtTm></GrpHdr>"
           f"<Stmt><Id>{escape(statement_id)}</Id><CreDtTm>{stamp}</CreDtTm>"
           f"<FrToDt><FrDtTm>{first.isoformat()}T00:00:00+08:00</FrDtTm>"
           f"<ToDtTm>{last.isoformat()}T23:59:59+08:00</ToDtTm></FrToDt>"
           f"<Acct><Id><Othr><Id>{escape(account_no)}</Id></Othr></Id><Ccy>CNY</Ccy>"
           f"<Nm>{escape(account_name)}</Nm></Acct>\n")
    for line in lines:
        debit = line.direction == LineDirection.DEBIT
        party, party_account = ("Cdtr", "CdtrAcct") if debit else ("Dbtr", "DbtrAcct")
        returned = ""
        if line.return_reason:
            code, _sep, extra = line.return_reason.partition(" ")
            returned = (f"<RtrInf><Rsn><Cd>{escape(code)}</Cd></Rsn>"
                        + (f"<AddtlInf>{escape(extra)}</AddtlInf>" if extra else "") + "</RtrInf>")
        value_date = line.value_date.isoformat()
        yield (f"<Ntry><Amt Ccy={quoteattr(CURRENCY)}>{_yuan_text(line.amount)}</Amt>"
               f"<CdtDbtInd>{'DBIT' if debit else 'CRDT'}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>"
               f"<BookgDt><Dt>{value_date}</Dt></BookgDt><ValDt><Dt>{value_date}</Dt></ValDt>"
               f"<AcctSvcrRef>{escape(line.bank_transaction_id)}</AcctSvcrRef>"
               "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>" + ("ICDT" if debit else "RCDT") + "</Cd>"
               "<SubFmlyCd>" + ("ESCT" if not line.return_reason else "RRTN") + "</SubFmlyCd></Fmly></Domn></BkTxCd>"
               "<NtryDtls><TxDtls><Refs>"
               f"<AcctSvcrRef>{escape(line.bank_transaction_id)}</AcctSvcrRef>"
               f"<EndToEndId>{escape(line.reference or 'NOTPROVIDED')}</EndToEndId></Refs>"
               f"<Amt Ccy={quoteattr(CURRENCY)}>{_yuan_text(line.amount)}</Amt>"
               f"<CdtDbtInd>{'DBIT' if debit else 'CRDT'}</CdtDbtInd>"
               f"<RltdPties><{party}><Pty><Nm>{escape(line.counterparty_name)}</Nm></Pty></{party}>"
               f"<{party_account}><Id><Othr><Id>{escape(line.counterparty_account)}</Id></Othr></Id>"
               f"</{party_account}></RltdPties>"
               + (f"<RmtInf><Ustrd>{escape(line.remark)}</Ustrd></RmtInf>" if line.remark else "")
               + returned + "</TxDtls></NtryDtls></Ntry>\n")
    yield "</Stmt></BkToCstmrStmt></Document>\n"
