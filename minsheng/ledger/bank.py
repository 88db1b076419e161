"""Paying out through a bank: the adapter interface, and the simulated bank that runs offline.

A real adapter (a bank's enterprise API, the treasury's payment system) implements ``pay`` and is
named in settings::

    MINSHENG_BANK_ADAPTER = "mybank.adapters.TreasuryBank"
    MINSHENG_BANK_OPTIONS = {"endpoint": "...", "timeout_s": 5}

The one promise an adapter must keep is that ``reference`` is idempotent at the bank: asking to
pay a reference again returns the first answer and moves no money. That is what lets a payment
batch be run again after a crash without paying anyone twice.
"""

import hashlib
import json
import random
import threading
import time
from dataclasses import asdict, dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

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
    ``moves`` counts payments that actually moved money, by reference (for tests).
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
        self._answers: dict[str, BankResult] = {}
        self._lock = threading.Lock()
        if self.journal and self.journal.exists():
            for line in self.journal.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    entry = json.loads(line)
                    self._answers[entry["reference"]] = BankResult(
                        entry["status"], entry["bank_reference"], entry["message"]
                    )

    def pay(self, *, reference: str, account_no: str, account_name: str, amount: int) -> BankResult:
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000)
        with self._lock:
            if reference in self._answers:
                return self._answers[reference]
            result = self._decide(reference=reference, account_no=account_no, amount=amount)
            self._answers[reference] = result
            if result.confirmed:
                self.moves[reference] = self.moves.get(reference, 0) + 1
            if self.journal:
                with self.journal.open("a", encoding="utf-8") as journal:
                    journal.write(json.dumps({"reference": reference, **asdict(result)}, ensure_ascii=False) + "\n")
                    journal.flush()
            return result

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
