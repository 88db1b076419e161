"""Accounting vouchers (记账凭证) of policy funds for the finance system, per day.

Every ledger transfer that touches a policy's budget envelope or an enterprise's receivable is one
business event of that policy: funding and returns, approvals (a reservation: the grant becomes
payable), payments (the reservation posted), failed payments (voided), recoveries and repayments. For
each day (in the city's zone) the transfers of one policy, budget year and kind of business make one
voucher: one debit line and one credit line of the same total, booked to the policy's account codes
(``Policy.*_account_code``, or the city's defaults in ``settings.SUBSIDIES_VOUCHER_ACCOUNTS``), with
the number of transfers behind it as its attachment count. A voucher is balanced by construction and
the vouchers of a day add up to that day's transfers; a test checks both.

The transfers are summed in the database (one grouped query per side of the envelope), so a day of
5,500 payments is one voucher line pair, not 5,500 rows read.
"""

import csv
import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from minsheng.ledger.choices import AccountKind, TransferKind
from minsheng.ledger.models import Account, Transfer
from minsheng.org.choices import Role
from minsheng.org.scope import user_scope

from .choices import VOUCHER_ENTRIES, VoucherAccount, VoucherBusiness
from .models import Policy

DEFAULT_ACCOUNTS = {"expenditure": "7101", "payable": "2307", "bank": "1011", "receivable": "1218", "funding": "4001"}
MAX_DAYS = 366  # one export covers at most a year

# (transfer kind, debit account kind, credit account kind) → business. Anything else is not policy funds.
BUSINESS = {
    (TransferKind.SINGLE, AccountKind.TREASURY, AccountKind.BUDGET): VoucherBusiness.FUNDING,
    (TransferKind.SINGLE, AccountKind.BUDGET, AccountKind.TREASURY): VoucherBusiness.RETURN,
    (TransferKind.PENDING, AccountKind.BUDGET, AccountKind.ENTERPRISE): VoucherBusiness.RESERVE,
    (TransferKind.POST_PENDING, AccountKind.BUDGET, AccountKind.ENTERPRISE): VoucherBusiness.PAY,
    (TransferKind.VOID_PENDING, AccountKind.BUDGET, AccountKind.ENTERPRISE): VoucherBusiness.VOID,
    (TransferKind.SINGLE, AccountKind.BUDGET, AccountKind.ENTERPRISE): VoucherBusiness.PAID_LATE,
    (TransferKind.SINGLE, AccountKind.ENTERPRISE, AccountKind.RECEIVABLE): VoucherBusiness.RECOVER,
    (TransferKind.SINGLE, AccountKind.RECEIVABLE, AccountKind.BUDGET): VoucherBusiness.REPAY,
}
BUSINESS_ORDER = list(VoucherBusiness.values)


@dataclass(frozen=True)
class VoucherLine:
    account: str  # a VoucherAccount
    account_code: str
    debit: int  # fen
    credit: int  # fen

    @property
    def account_name(self) -> str:
        return str(VoucherAccount(self.account).label)


@dataclass
class Voucher:
    day: dt.date
    number: str
    policy: Policy
    year: str
    business: str
    amount: int  # fen, on each side
    attachments: int  # the ledger transfers behind it
    lines: list[VoucherLine] = field(default_factory=list)

    @property
    def summary(self) -> str:
        return _("%(policy)s %(year)s: %(business)s, %(n)s transfers") % {
            "policy": self.policy.name, "year": self.year, "business": VoucherBusiness(self.business).label,
            "n": self.attachments}

    @property
    def debits(self) -> int:
        return sum(line.debit for line in self.lines)

    @property
    def credits(self) -> int:
        return sum(line.credit for line in self.lines)


def can_export_vouchers(user) -> bool:
    """City-level funds officers (no region) and administrators: a voucher sums a policy across every
    district, which a district's officer does not see."""
    scope = user_scope(user)
    if scope.is_superuser or Role.ADMIN in scope.roles:
        return True
    return any(g.role == Role.FUNDS_OFFICER and g.region_path is None for g in scope.grants)


def account_code(policy: Policy, account: str) -> str:
    """The finance system's code of ``account`` (a VoucherAccount) for ``policy``: its own, or the city's."""
    defaults = getattr(settings, "SUBSIDIES_VOUCHER_ACCOUNTS", None) or DEFAULT_ACCOUNTS
    return getattr(policy, f"{account}_account_code") or defaults.get(account, DEFAULT_ACCOUNTS[account])


def _envelopes() -> dict[int, tuple[Policy, str]]:
    """Every budget envelope account: id → (its policy, its year)."""
    policies = {p.budget_account_code or f"budget:{p.code}": p for p in Policy.objects.all()}
    envelopes = {}
    for pk, code in Account.objects.filter(kind=AccountKind.BUDGET).values_list("pk", "code"):
        base, _sep, year = code.rpartition(":")
        if base in policies:
            envelopes[pk] = (policies[base], year)
    return envelopes


def voucher_list(*, start: dt.date, end: dt.date) -> list[Voucher]:
    """The vouchers of each day from ``start`` to ``end`` (inclusive, the city's dates), in date order,
    numbered per day (记-YYYYMMDD-001 …). Callers check ``can_export_vouchers`` first."""
    zone = timezone.get_default_timezone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=zone)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    transfers = Transfer.objects.filter(created_at__gte=since, created_at__lt=until).order_by()
    envelopes = _envelopes()
    policies = {p.code: p for p, _year in envelopes.values()}
    totals: dict[tuple[dt.date, int, str, str], list[int]] = defaultdict(lambda: [0, 0])

    def add(day, policy, year, business, amount, count):
        total = totals[day, policy.pk, year, business]
        total[0] += amount
        total[1] += count

    # the envelope on the debit side (payments, approvals, returns), then on the credit side (funding, repayments)
    for envelope_side, other_kind in (("debit_account", "credit_account__kind"),
                                      ("credit_account", "debit_account__kind")):
        rows = (transfers.filter(**{f"{envelope_side}__kind": AccountKind.BUDGET})
                .values_list(TruncDate("created_at", tzinfo=zone), "kind", f"{envelope_side}_id", other_kind)
                .annotate(total=Sum("amount"), n=Count("id")))
        for day, kind, envelope_id, other, amount, count in rows:
            sides = (AccountKind.BUDGET, other) if envelope_side == "debit_account" else (other, AccountKind.BUDGET)
            business = BUSINESS.get((kind, *sides))
            if business is None or envelope_id not in envelopes:
                continue
            policy, year = envelopes[envelope_id]
            add(day, policy, year, business, amount, count)
    # recoveries: the enterprise's account → its receivable; the policy is in the transfer's metadata
    for created_at, amount, metadata in transfers.filter(
            kind=TransferKind.SINGLE, debit_account__kind=AccountKind.ENTERPRISE,
            credit_account__kind=AccountKind.RECEIVABLE).values_list("created_at", "amount", "metadata"):
        policy = policies.get((metadata or {}).get("policy")) or \
            Policy.objects.filter(code=(metadata or {}).get("policy")).first()
        if policy is None:
            continue
        policies[policy.code] = policy
        add(timezone.localtime(created_at, zone).date(), policy, str((metadata or {}).get("period", ""))[:4],
            VoucherBusiness.RECOVER, amount, 1)
    by_pk = {p.pk: p for p in policies.values()}
    vouchers: list[Voucher] = []
    numbers: dict[dt.date, int] = defaultdict(int)
    for (day, policy_id, year, business), (amount, count) in sorted(
            totals.items(), key=lambda item: (item[0][0], by_pk[item[0][1]].code, item[0][2],
                                              BUSINESS_ORDER.index(item[0][3]))):
        numbers[day] += 1
        policy = by_pk[policy_id]
        debit, credit = VOUCHER_ENTRIES[business]
        vouchers.append(Voucher(
            day=day, number=f"记-{day:%Y%m%d}-{numbers[day]:03d}", policy=policy, year=year, business=business,
            amount=amount, attachments=count,
            lines=[VoucherLine(debit, account_code(policy, debit), amount, 0),
                   VoucherLine(credit, account_code(policy, credit), 0, amount)]))
    return vouchers


def _yuan(fen: int) -> Decimal:
    return Decimal(fen).scaleb(-2)


def voucher_header() -> list[str]:
    return [_("Date"), _("Voucher number"), pgettext("voucher", "Summary"), _("Account code"), _("Account name"),
            _("Debit (yuan)"),
            _("Credit (yuan)"), _("Attachments"), _("Policy code")]


def voucher_rows(vouchers: list[Voucher]):
    """One row per voucher line, the voucher's date, number, summary and attachments repeated on each."""
    for voucher in vouchers:
        for line in voucher.lines:
            yield [voucher.day, voucher.number, voucher.summary, line.account_code, line.account_name,
                   _yuan(line.debit) if line.debit else None, _yuan(line.credit) if line.credit else None,
                   voucher.attachments, voucher.policy.code]


def vouchers_csv(vouchers: list[Voucher]) -> str:
    """CSV for the finance system: UTF-8 with a byte-order mark (Excel reads the Chinese right), amounts in
    yuan with two decimals, dates as 2026-06-15."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(voucher_header())
    for row in voucher_rows(vouchers):
        writer.writerow([_csv_cell(value) for value in row])
    return buffer.getvalue()


def _csv_cell(value) -> str:
    """Amounts with two decimals; a text that a spreadsheet would run as a formula (a policy named
    "=HYPERLINK(…)") is kept as text with a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    text = str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def vouchers_xlsx(vouchers: list[Voucher]) -> bytes:
    """The same rows as an Excel workbook (amounts as numbers, dates as dates)."""
    from minsheng.projects.xlsx import workbook_bytes

    return workbook_bytes([(_("Vouchers"), [voucher_header(), *voucher_rows(vouchers)])])
