"""Every rule and refusal of the ledger services."""

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import translation

from minsheng.audit.models import AuditEvent
from minsheng.conflicts import Conflict
from minsheng.ledger.choices import AccountKind, TransferKind
from minsheng.ledger.models import Account, Transfer
from minsheng.ledger.services import (
    ReservationClosed,
    account_balance,
    account_open,
    ledger_check,
    pending_post,
    pending_void,
    transfer_create,
    transfer_reverse,
)
from minsheng.ledger.tasks import ledger_verify

from .helpers import budget, enterprise, treasury

pytestmark = pytest.mark.django_db


def test_account_open_is_idempotent_by_code():
    first = account_open(code="budget:gas", name="燃气", kind="budget", debits_must_not_exceed_credits=True)
    again = account_open(code="budget:gas", name="改名", kind="budget", debits_must_not_exceed_credits=True)
    assert again.pk == first.pk
    assert Account.objects.count() == 1


def test_account_open_with_the_same_code_but_another_kind_is_a_conflict():
    account_open(code="x", name="x", kind=AccountKind.BUDGET)
    with pytest.raises(Conflict):
        account_open(code="x", name="x", kind=AccountKind.ENTERPRISE)


def test_account_open_with_an_unknown_kind_is_refused():
    with pytest.raises(ValidationError):
        account_open(code="x", name="x", kind="piggy_bank")


def test_single_transfer_moves_posted_totals_of_both_accounts():
    source, gas = treasury(), budget()
    transfer_create(key="fund-1", debit=source, credit=gas, amount=100_00)
    assert account_balance(gas).posted_credits == 100_00
    assert account_balance(gas).available == 100_00
    assert account_balance(source).posted_debits == 100_00
    assert ledger_check() == []


def test_retry_with_the_same_key_returns_the_first_transfer():
    source, gas = treasury(), budget()
    first = transfer_create(key="fund-1", debit=source, credit=gas, amount=100_00)
    again = transfer_create(key="fund-1", debit=source, credit=gas, amount=100_00, memo="retried")
    assert again.pk == first.pk
    assert account_balance(gas).posted_credits == 100_00


@pytest.mark.parametrize("change", ["amount", "accounts", "pending"])
def test_retry_with_the_same_key_but_different_fields_is_a_conflict(change):
    source, gas = treasury(), budget()
    transfer_create(key="fund-1", debit=source, credit=gas, amount=100_00)
    request = {"key": "fund-1", "debit": source, "credit": gas, "amount": 100_00}
    if change == "amount":
        request["amount"] = 200_00
    elif change == "accounts":
        request["credit"] = enterprise()
    else:
        request["pending"] = True
    with pytest.raises(Conflict):
        transfer_create(**request)
    assert Transfer.objects.count() == 1
    assert account_balance(gas).posted_credits == 100_00


@pytest.mark.parametrize("amount", [0, -5, 1.5, "100", True, None, 2**62])
def test_amounts_that_are_not_whole_positive_fen_are_refused(amount):
    with pytest.raises(ValidationError):
        transfer_create(key="bad", debit=treasury(), credit=budget(), amount=amount)
    assert not Transfer.objects.exists()


@pytest.mark.parametrize("key", ["", "   ", None, "k" * 201])
def test_missing_or_overlong_keys_are_refused(key):
    with pytest.raises(ValidationError):
        transfer_create(key=key, debit=treasury(), credit=budget(), amount=1)


def test_a_transfer_to_the_same_account_is_refused():
    gas = budget()
    with pytest.raises(ValidationError):
        transfer_create(key="self", debit=gas, credit=gas, amount=1)


def test_a_budget_cannot_spend_more_than_it_was_funded_with():
    gas = budget(funded=100_00)
    with pytest.raises(ValidationError):
        transfer_create(key="too-much", debit=gas, credit=enterprise(), amount=100_01)
    assert not Transfer.objects.filter(key="too-much").exists()
    assert account_balance(gas).posted_debits == 0


def test_a_budget_can_spend_exactly_what_it_was_funded_with():
    gas = budget(funded=100_00)
    transfer_create(key="all", debit=gas, credit=enterprise(), amount=100_00)
    assert account_balance(gas).available == 0


def test_reservations_count_against_the_budget():
    gas = budget(funded=100_00)
    transfer_create(key="r1", debit=gas, credit=enterprise(1), amount=60_00, pending=True)
    with pytest.raises(ValidationError):
        transfer_create(key="r2", debit=gas, credit=enterprise(2), amount=50_00, pending=True)
    assert account_balance(gas).available == 40_00


def test_pending_credits_are_not_yet_funds():
    source, gas = treasury(), budget()
    transfer_create(key="promise", debit=source, credit=gas, amount=100_00, pending=True)
    with pytest.raises(ValidationError):
        transfer_create(key="spend", debit=gas, credit=enterprise(), amount=1)


def test_an_account_without_the_budget_rule_may_go_into_debit():
    source = treasury()
    transfer_create(key="t", debit=source, credit=enterprise(), amount=5)
    assert account_balance(source).available == -5


def test_posting_a_reservation_moves_it_from_pending_to_posted():
    gas, firm = budget(funded=100_00), enterprise()
    reservation = transfer_create(key="r", debit=gas, credit=firm, amount=30_00, pending=True)
    assert account_balance(firm).pending_credits == 30_00
    post = pending_post(key="r:post", pending=reservation)
    assert post.kind == TransferKind.POST_PENDING and post.amount == 30_00
    assert account_balance(gas).pending_debits == 0
    assert account_balance(gas).posted_debits == 30_00
    assert account_balance(firm).posted_credits == 30_00
    assert ledger_check() == []


def test_voiding_a_reservation_releases_the_budget():
    gas = budget(funded=100_00)
    reservation = transfer_create(key="r", debit=gas, credit=enterprise(), amount=100_00, pending=True)
    pending_void(key="r:void", pending=reservation)
    assert account_balance(gas).available == 100_00
    transfer_create(key="r2", debit=gas, credit=enterprise(2), amount=100_00)
    assert ledger_check() == []


def test_posting_twice_with_the_same_key_returns_the_first_post():
    gas = budget(funded=100_00)
    reservation = transfer_create(key="r", debit=gas, credit=enterprise(), amount=10_00, pending=True)
    first = pending_post(key="r:post", pending=reservation)
    assert pending_post(key="r:post", pending=reservation).pk == first.pk
    assert account_balance(gas).posted_debits == 10_00


def test_posting_again_under_another_key_is_refused():
    gas = budget(funded=100_00)
    reservation = transfer_create(key="r", debit=gas, credit=enterprise(), amount=10_00, pending=True)
    first = pending_post(key="r:post", pending=reservation)
    with pytest.raises(ReservationClosed) as refused:
        pending_post(key="r:post-again", pending=reservation)
    assert refused.value.resolution.pk == first.pk


def test_posting_a_voided_reservation_is_refused():
    gas = budget(funded=100_00)
    reservation = transfer_create(key="r", debit=gas, credit=enterprise(), amount=10_00, pending=True)
    pending_void(key="r:void", pending=reservation)
    with pytest.raises(ReservationClosed):
        pending_post(key="r:post", pending=reservation)
    assert account_balance(gas).posted_debits == 0


def test_voiding_a_posted_reservation_is_refused():
    gas = budget(funded=100_00)
    reservation = transfer_create(key="r", debit=gas, credit=enterprise(), amount=10_00, pending=True)
    pending_post(key="r:post", pending=reservation)
    with pytest.raises(ReservationClosed):
        pending_void(key="r:void", pending=reservation)
    assert account_balance(gas).posted_debits == 10_00


def test_a_post_key_reused_for_a_void_is_a_conflict():
    gas = budget(funded=100_00)
    reservation = transfer_create(key="r", debit=gas, credit=enterprise(), amount=10_00, pending=True)
    pending_post(key="r:close", pending=reservation)
    with pytest.raises(Conflict):
        pending_void(key="r:close", pending=reservation)


def test_only_a_reservation_can_be_posted_or_voided():
    gas = budget(funded=100_00)
    single = transfer_create(key="s", debit=gas, credit=enterprise(), amount=10_00)
    with pytest.raises(ValidationError):
        pending_post(key="s:post", pending=single)
    with pytest.raises(ValidationError):
        pending_void(key="s:void", pending=single)


def test_reversal_is_a_new_transfer_moving_the_amount_back():
    gas, firm = budget(funded=100_00), enterprise()
    paid = transfer_create(key="pay", debit=gas, credit=firm, amount=40_00)
    reversal = transfer_reverse(key="pay:reverse", original=paid, memo="wrong enterprise")
    assert (reversal.debit_account_id, reversal.credit_account_id) == (firm.pk, gas.pk)
    assert reversal.reverses_id == paid.pk
    assert account_balance(gas).available == 100_00
    assert Transfer.objects.filter(key="pay").exists()  # the original stays
    assert ledger_check() == []


def test_reversal_is_idempotent_by_key_and_happens_once():
    gas = budget(funded=100_00)
    paid = transfer_create(key="pay", debit=gas, credit=enterprise(), amount=40_00)
    first = transfer_reverse(key="pay:reverse", original=paid)
    assert transfer_reverse(key="pay:reverse", original=paid).pk == first.pk
    with pytest.raises(Conflict):
        transfer_reverse(key="pay:reverse-2", original=paid)
    assert account_balance(gas).available == 100_00


def test_a_reservation_cannot_be_reversed():
    gas = budget(funded=100_00)
    reservation = transfer_create(key="r", debit=gas, credit=enterprise(), amount=10_00, pending=True)
    with pytest.raises(ValidationError):
        transfer_reverse(key="r:reverse", original=reservation)


def test_reversing_funding_that_was_already_spent_is_refused():
    source, gas = treasury(), budget()
    funding = transfer_create(key="fund", debit=source, credit=gas, amount=100_00)
    transfer_create(key="spend", debit=gas, credit=enterprise(), amount=60_00)
    with pytest.raises(ValidationError):
        transfer_reverse(key="fund:reverse", original=funding)


def test_a_posted_reservation_can_be_reversed():
    gas = budget(funded=100_00)
    reservation = transfer_create(key="r", debit=gas, credit=enterprise(), amount=10_00, pending=True)
    post = pending_post(key="r:post", pending=reservation)
    transfer_reverse(key="r:reverse", original=post)
    assert account_balance(gas).available == 100_00
    assert ledger_check() == []


def test_transfers_cannot_be_changed_or_deleted_in_the_database():
    paid = transfer_create(key="pay", debit=treasury(), credit=enterprise(), amount=1)
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        Transfer.objects.filter(pk=paid.pk).update(amount=2)
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        Transfer.objects.filter(pk=paid.pk).delete()


def test_the_database_refuses_an_over_spent_budget_even_past_the_services():
    gas = budget(funded=10)
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=gas.pk).update(posted_debits=11)


def test_ledger_check_finds_totals_that_do_not_match_the_transfers():
    gas = budget(funded=100_00)
    Account.objects.filter(pk=gas.pk).update(posted_credits=200_00)
    with translation.override("en"):
        problems = ledger_check()
    assert any("budget:gas" in problem for problem in problems)
    assert any("posted credits" in problem for problem in problems)


@pytest.mark.parametrize("metadata", [["not", "an", "object"], {"when": object()}])
def test_metadata_that_is_not_a_json_object_is_refused(metadata):
    with pytest.raises(ValidationError):
        transfer_create(key="m", debit=treasury(), credit=enterprise(), amount=1, metadata=metadata)
    assert not Transfer.objects.exists()


def test_the_verify_task_reports_a_broken_ledger_to_the_audit_trail():
    gas = budget(funded=100_00)
    assert ledger_verify.enqueue().return_value["healthy"] is True
    Account.objects.filter(pk=gas.pk).update(posted_credits=1)
    result = ledger_verify.enqueue().return_value
    assert result["healthy"] is False
    assert AuditEvent.objects.filter(action="ledger.check_failed").exists()
