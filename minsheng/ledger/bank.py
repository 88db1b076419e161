"""Paying out through a bank: the adapter interface, and the simulated bank that runs offline.

A real adapter (a bank's enterprise API, the treasury's payment system) implements ``pay`` and
``status`` and is named in settings::

    MINSHENG_BANK_ADAPTER = "mybank.adapters.TreasuryBank"
    MINSHENG_BANK_OPTIONS = {"endpoint": "...", "timeout_s": 5}

The one promise an adapter must keep is that ``reference`` is idempotent at the bank: asking to
pay a reference again returns the first answer and moves no money. That is what lets a payment
batch be run again after a crash without paying anyone twice. ``status`` tells what the bank knows
about a reference without paying (reconciliation asks it about payments missing from the statements).
"""

import datetime as dt
import hashlib
import json
import random
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from .reconciliation.formats import StatementLineData

DEFAULT_ADAPTER = "minsheng.ledger.bank.SimulatedBank"


class BankStatus(StrEnum):
    CONFIRMED = "confirmed"
    FAILED = "failed"


@dataclass(frozen=True)
class BankResult:
    status: str  # "confirmed" | "failed"
    bank_reference: str
    message: str

    @property
    def confirmed(self) -> bool:
        return self.status == BankStatus.CONFIRMED


class BankAdapter(Protocol):
    def pay(self, *, reference: str, account_no: str, account_name: str, amount: int) -> BankResult: ...

    def status(self, *, reference: str) -> BankResult | None:
        """What the bank knows about a payment with this reference: its answer when it was asked to
        pay it (confirmed or failed), None when it never was. Moves no money."""
        ...


def bank_status(bank: BankAdapter, *, reference: str) -> BankResult | None:
    """``bank.status`` for an adapter that has it; None for an older adapter with ``pay`` only."""
    status = getattr(bank, "status", None)
    return status(reference=reference) if callable(status) else None


@dataclass(frozen=True)
class PaidRecord:
    """What the simulated bank paid: enough to write the statement line for it."""

    reference: str
    bank_reference: str
    account_no: str
    account_name: str
    amount: int


def answers_at_once(bank: BankAdapter) -> bool:
    """Whether the bank answers without waiting on a network (an adapter says so with a true
    ``answers_at_once`` attribute; the simulated bank at 0 ms does). A payment batch may then ask it
    while the grants are locked, in the transaction that records the answers; a bank that does not
    say so is asked outside any transaction, so no row stays locked for network round trips."""
    return getattr(bank, "answers_at_once", False) is True


class SimulatedBank:
    """A bank in memory: answers after ``latency_ms``, fails a ``failure_rate`` share of payments.

    Which payments fail is decided by a hash of (``seed``, reference), so with a seed the same
    references fail on every run, in any order and from any thread. Account numbers that are not
    8 to 30 digits fail like at a real bank. Each reference is paid at most once; with a
    ``journal`` file the bank remembers its answers across processes (a crashed batch re-run).
    For tests: ``sends`` counts every request to pay, by reference, before the bank looks the reference
    up (a retry counts); ``moves`` counts payments that moved money, by reference; ``moved_to`` counts them
    by payee (account number and name) — a payment made twice under two references shows there.

    It also writes statements of what it paid (``statement``, then ``statement_csv`` or
    ``statement_camt053``), each payment on the first statement made after it, with returns,
    repeated lines and missing payments on request — for the tests, the demo and the benchmark.
    """

    def __init__(self, latency_ms: int = 0, failure_rate: float = 0.0, seed: int | None = None,
                 journal: str | Path | None = None):
        if not 0.0 <= failure_rate <= 1.0:
            raise ValueError("failure_rate is a share between 0 and 1")
        self.latency_ms = max(0, int(latency_ms))
        self.answers_at_once = self.latency_ms == 0
        self.failure_rate = failure_rate
        self.seed = seed if seed is not None else random.SystemRandom().randrange(2**32)
        self.journal = Path(journal) if journal else None
        self.moves: dict[str, int] = {}
        self.sends: dict[str, int] = {}
        self.moved_to: dict[tuple[str, str], int] = {}
        self._answers: dict[str, BankResult] = {}
        self._paid: dict[str, PaidRecord] = {}  # confirmed payments not on a statement yet, in order
        self._amounts_paid: dict[str, int] = {}  # every confirmed payment's amount (a return gives it back)
        self._statements = 0
        self._lock = threading.Lock()
        if self.journal and self.journal.exists():
            for line in self.journal.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    entry = json.loads(line)
                    self._answers[entry["reference"]] = result = BankResult(
                        entry["status"], entry["bank_reference"], entry["message"]
                    )
                    if result.confirmed and "amount" in entry:
                        self._amounts_paid[entry["reference"]] = entry["amount"]
                        self._paid[entry["reference"]] = PaidRecord(
                            entry["reference"], result.bank_reference, entry.get("account_no", ""),
                            entry.get("account_name", ""), entry["amount"])

    def pay(self, *, reference: str, account_no: str, account_name: str, amount: int) -> BankResult:
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000)
        with self._lock:
            self.sends[reference] = self.sends.get(reference, 0) + 1
            if reference in self._answers:
                return self._answers[reference]
            result = self._decide(reference=reference, account_no=account_no, amount=amount)
            self._answers[reference] = result
            if result.confirmed:
                self.moves[reference] = self.moves.get(reference, 0) + 1
                payee = ((account_no or "").replace(" ", ""), account_name)
                self.moved_to[payee] = self.moved_to.get(payee, 0) + 1
                self._amounts_paid[reference] = amount
                self._paid[reference] = PaidRecord(reference, result.bank_reference, account_no, account_name, amount)
            if self.journal:
                with self.journal.open("a", encoding="utf-8") as journal:
                    entry = {"reference": reference, **asdict(result), "account_no": account_no,
                             "account_name": account_name, "amount": amount}
                    journal.write(json.dumps(entry, ensure_ascii=False) + "\n")
                    journal.flush()
            return result

    def status(self, *, reference: str) -> BankResult | None:
        with self._lock:
            return self._answers.get(reference)

    def statement(
        self,
        *,
        value_date: dt.date,
        returns: Mapping[str, str] | Iterable[str] = (),
        duplicates: Iterable[str] = (),
        missing: Iterable[str] = (),
    ) -> "list[StatementLineData]":
        """The lines of the next statement: a debit for each payment confirmed since the last
        statement, dated ``value_date``, except the ``missing`` references (they stay for a later
        statement); a second identical line for each of ``duplicates``; and a credit giving the
        money back for each of ``returns`` (a reference → reason code mapping, or references:
        reason AC04, account closed), which may be paid on this statement or an earlier one."""
        from .reconciliation.formats import StatementLineData

        reasons = dict(returns) if isinstance(returns, Mapping) else dict.fromkeys(returns, "AC04")
        missing, duplicates = set(missing), set(duplicates)
        lines: list[StatementLineData] = []
        with self._lock:
            self._statements += 1
            for reference, paid in list(self._paid.items()):
                if reference in missing:
                    continue
                del self._paid[reference]
                for _copy in range(2 if reference in duplicates else 1):
                    lines.append(StatementLineData(
                        line_no=len(lines) + 1, value_date=value_date, reference=reference, amount=paid.amount,
                        direction="debit", bank_transaction_id=paid.bank_reference,
                        counterparty_account=paid.account_no, counterparty_name=paid.account_name,
                        remark="subsidy payment"))
            for reference, reason in reasons.items():
                answer = self._answers.get(reference)
                if answer is None or not answer.confirmed:
                    raise ValueError(f"the bank never paid {reference}; it cannot return it")
                amount = self._amounts_paid[reference]
                lines.append(StatementLineData(
                    line_no=len(lines) + 1, value_date=value_date, reference=reference, amount=amount,
                    direction="credit", bank_transaction_id=f"{answer.bank_reference}R",
                    remark="returned", return_reason=reason or "AC04"))
        return lines

    def statement_csv(self, **options) -> bytes:
        """``statement(**options)`` as a CSV file."""
        from .reconciliation.formats import statement_csv_write

        return statement_csv_write(self.statement(**options))

    def statement_camt053(self, *, statement_id: str | None = None, account_no: str = "44050100000000000001",
                          **options) -> bytes:
        """``statement(**options)`` as an ISO 20022 camt.053 file."""
        from django.utils import timezone

        from .reconciliation.formats import statement_camt053_write

        lines = self.statement(**options)
        return statement_camt053_write(
            statement_id=statement_id or f"SIM-{self.seed}-{self._statements}", account_no=account_no,
            lines=lines, created_at=timezone.localtime(), account_name="财政资金零余额账户")

    def _decide(self, *, reference: str, account_no: str, amount: int) -> BankResult:
        digest = hashlib.sha256(f"{self.seed}:{reference}".encode()).hexdigest()
        bank_reference = f"SIM{digest[:16].upper()}"
        account_no = (account_no or "").replace(" ", "")
        if not (account_no.isdigit() and 8 <= len(account_no) <= 30):
            return BankResult(BankStatus.FAILED, bank_reference, "account number not valid")
        if amount <= 0:
            return BankResult(BankStatus.FAILED, bank_reference, "amount not valid")
        if int(digest[16:24], 16) / 0xFFFFFFFF < self.failure_rate:
            return BankResult(BankStatus.FAILED, bank_reference, "simulated failure: account frozen")
        return BankResult(BankStatus.CONFIRMED, bank_reference, "paid")


def bank_adapter() -> BankAdapter:
    """The configured adapter: one instance per process, so a simulated bank keeps its memory."""
    path = getattr(settings, "MINSHENG_BANK_ADAPTER", DEFAULT_ADAPTER)
    options = getattr(settings, "MINSHENG_BANK_OPTIONS", {}) or {}
    return _adapter(path, json.dumps(options, sort_keys=True, default=str))


@lru_cache(maxsize=8)
def _adapter(path: str, options_json: str) -> BankAdapter:
    return import_string(path)(**json.loads(options_json))


bank_adapter_forget = _adapter.cache_clear
