"""Property test: random sequences of ledger operations against a simple in-memory model.

Keys come from a small pool so that retries (same request) and key reuse (different request)
happen often. After every sequence the real totals must equal the model's, no budget may be
over-spent, and ``ledger_check`` must find nothing.
"""

from dataclasses import dataclass, field

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minsheng.conflicts import Conflict
from minsheng.ledger.batches import CloseRequest, TransferRequest, pending_close_batch, transfer_batch
from minsheng.ledger.choices import TOTALS_EFFECT, AccountKind, TransferKind
from minsheng.ledger.models import Account, Transfer
from minsheng.ledger.services import (
    account_open,
    ledger_check,
    pending_post,
    pending_void,
    transfer_create,
    transfer_reverse,
)

ACCOUNTS = {"T": AccountKind.TREASURY, "B1": AccountKind.BUDGET, "B2": AccountKind.BUDGET,
            "E1": AccountKind.ENTERPRISE, "E2": AccountKind.ENTERPRISE, "C": AccountKind.CLEARING}
BUDGETS = {"B1", "B2"}
POSTED = {TransferKind.SINGLE, TransferKind.POST_PENDING}

keys = st.sampled_from([f"k{i}" for i in range(10)])
names = st.sampled_from(sorted(ACCOUNTS))
amounts = st.integers(min_value=1, max_value=400)
transfer_op = st.tuples(st.just("transfer"), keys, names, names, amounts, st.booleans())
fund_op = st.tuples(st.just("transfer"), keys, st.just("T"), st.sampled_from(sorted(BUDGETS)), amounts, st.just(False))
close_op = st.tuples(st.sampled_from(["post", "void", "reverse"]), keys, st.integers(min_value=0, max_value=30))
batch_op = st.tuples(st.just("batch"), st.lists(st.one_of(transfer_op, fund_op), min_size=1, max_size=5))
close_batch_op = st.tuples(st.just("close_batch"), st.lists(
    st.tuples(st.sampled_from(["post", "void"]), keys, st.integers(min_value=0, max_value=30)), min_size=1, max_size=5))
operations = st.lists(st.one_of(transfer_op, fund_op, fund_op, close_op, close_op, batch_op, close_batch_op),
                      max_size=40)


@dataclass
class Record:
    key: str
    kind: str
    debit: str
    credit: str
    amount: int
    pending: str | None = None
    reverses: str | None = None
    pk: int | None = None


@dataclass
class Model:
    totals: dict[str, list[int]] = field(default_factory=lambda: {name: [0, 0, 0, 0] for name in ACCOUNTS})
    by_key: dict[str, Record] = field(default_factory=dict)
    order: list[Record] = field(default_factory=list)
    closed: dict[str, str] = field(default_factory=dict)  # reservation key -> closing key
    reversed: dict[str, str] = field(default_factory=dict)

    def expect(self, wanted: Record):
        """What the ledger must do: a Record (new or the first for a retry), or the error class."""
        if wanted.debit == wanted.credit:
            return ValidationError
        if (first := self.by_key.get(wanted.key)) is not None:
            same = (first.kind, first.debit, first.credit, first.amount, first.pending, first.reverses) == (
                wanted.kind, wanted.debit, wanted.credit, wanted.amount, wanted.pending, wanted.reverses)
            return first if same else Conflict
        if wanted.pending is not None and wanted.pending in self.closed:
            return Conflict
        if wanted.reverses is not None and wanted.reverses in self.reversed:
            return Conflict
        debit = self.totals[wanted.debit]
        spends = wanted.kind in (TransferKind.SINGLE, TransferKind.PENDING)
        if spends and wanted.debit in BUDGETS and debit[0] + debit[2] + wanted.amount > debit[1]:
            return ValidationError
        return wanted

    def apply(self, record: Record) -> None:
        posted, pending = TOTALS_EFFECT[record.kind]
        self.totals[record.debit][0] += posted * record.amount
        self.totals[record.debit][2] += pending * record.amount
        self.totals[record.credit][1] += posted * record.amount
        self.totals[record.credit][3] += pending * record.amount
        self.by_key[record.key] = record
        self.order.append(record)
        if record.pending:
            self.closed[record.pending] = record.key
        if record.reverses:
            self.reversed[record.reverses] = record.key


def run(model: Model, accounts: dict[str, Account], wanted: Record, call) -> None:
    expected = model.expect(wanted)
    if isinstance(expected, type):
        with pytest.raises(expected):
            call()
        return
    transfer = call()
    if expected is wanted:
        wanted.pk = transfer.pk
        model.apply(wanted)
    else:
        assert transfer.pk == expected.pk  # a retry returns the first transfer


def target(model: Model, index: int) -> Record | None:
    return model.order[index % len(model.order)] if model.order else None


@pytest.mark.django_db
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(operations)
def test_the_ledger_agrees_with_a_simple_model(ops):
    with transaction.atomic():
        accounts = {name: account_open(code=name, name=name, kind=kind, debits_must_not_exceed_credits=name in BUDGETS)
                    for name, kind in ACCOUNTS.items()}
        model = Model()
        for op in ops:
            verb = op[0]
            if verb == "transfer":
                _, key, debit, credit, amount, pending = op
                kind = TransferKind.PENDING if pending else TransferKind.SINGLE
                run(model, accounts, Record(key, kind, debit, credit, amount),
                    lambda: transfer_create(key=key, debit=accounts[debit], credit=accounts[credit],  # noqa: B023
                                            amount=amount, pending=pending))  # noqa: B023
            elif verb == "close_batch":
                requests, expectations = [], []
                before = list(model.order)  # a batch closes transfers that existed before it
                for close_verb, key, index in op[1]:
                    if not before:
                        break
                    original = before[index % len(before)]
                    requests.append(CloseRequest(key=key, pending=Transfer.objects.get(pk=original.pk),
                                                 post=close_verb == "post"))
                    if original.kind != TransferKind.PENDING:
                        expectations.append(ValidationError)
                        continue
                    kind = TransferKind.POST_PENDING if close_verb == "post" else TransferKind.VOID_PENDING
                    wanted = Record(key, kind, original.debit, original.credit, original.amount, pending=original.key)
                    expected = model.expect(wanted)
                    if expected is wanted:
                        model.apply(wanted)
                    expectations.append(expected)
                for expected, outcome in zip(expectations, pending_close_batch(requests=requests), strict=True):
                    assert outcome.ok == (not isinstance(expected, type)), outcome.error
                    if outcome.ok:
                        if expected.pk is None:
                            expected.pk = outcome.transfer.pk
                        assert outcome.transfer.pk == expected.pk
            elif verb == "batch":
                requests = [TransferRequest(key=key, debit=accounts[d], credit=accounts[c], amount=amount, pending=p)
                            for _, key, d, c, amount, p in op[1]]
                expectations = []
                for _, key, debit, credit, amount, pending in op[1]:
                    kind = TransferKind.PENDING if pending else TransferKind.SINGLE
                    wanted = Record(key, kind, debit, credit, amount)
                    expected = model.expect(wanted)
                    if expected is wanted:
                        model.apply(wanted)
                    expectations.append(expected)
                outcomes = transfer_batch(requests=requests)
                for expected, outcome in zip(expectations, outcomes, strict=True):
                    assert outcome.ok == (not isinstance(expected, type)), outcome.error
                    if outcome.ok:
                        if expected.pk is None:
                            expected.pk = outcome.transfer.pk
                        assert outcome.transfer.pk == expected.pk
            else:
                _, key, index = op
                original = target(model, index)
                if original is None:
                    continue
                row = Transfer.objects.get(pk=original.pk)
                if verb == "reverse":
                    if original.kind not in POSTED:
                        with pytest.raises(ValidationError):
                            transfer_reverse(key=key, original=row)
                        continue
                    wanted = Record(key, TransferKind.SINGLE, original.credit, original.debit, original.amount,
                                    reverses=original.key)
                    run(model, accounts, wanted, lambda: transfer_reverse(key=key, original=row))  # noqa: B023
                else:
                    service = pending_post if verb == "post" else pending_void
                    if original.kind != TransferKind.PENDING:
                        with pytest.raises(ValidationError):
                            service(key=key, pending=row)
                        continue
                    kind = TransferKind.POST_PENDING if verb == "post" else TransferKind.VOID_PENDING
                    wanted = Record(key, kind, original.debit, original.credit, original.amount, pending=original.key)
                    run(model, accounts, wanted, lambda: service(key=key, pending=row))  # noqa: B023

        for name, account in accounts.items():
            account.refresh_from_db()
            real = [account.posted_debits, account.posted_credits, account.pending_debits, account.pending_credits]
            assert real == model.totals[name], name
            if name in BUDGETS:
                assert account.posted_debits + account.pending_debits <= account.posted_credits
        assert ledger_check() == []
        transaction.set_rollback(True)
