"""``__any_of``: the same rows as ``__in`` (one array parameter on PostgreSQL, ``IN`` elsewhere)."""

import pytest

from minsheng.ledger.batches import CloseRequest, TransferRequest, pending_close_batch, transfer_batch
from minsheng.ledger.models import Account, Transfer
from minsheng.ledger.tests.helpers import budget, enterprise

pytestmark = pytest.mark.django_db


@pytest.fixture
def transfers():
    gas = budget(funded=100_00)
    reserved = [o.transfer for o in transfer_batch(requests=[
        TransferRequest(key=f"grant:{i}", debit=gas, credit=enterprise(i), amount=1_00, pending=True)
        for i in range(4)])]
    pending_close_batch(requests=[CloseRequest(key=f"{r.key}:post", pending=r) for r in reserved[:2]])
    return reserved


def same_rows(**lookup):
    (name, values), = lookup.items()
    field = name.removesuffix("__any_of")
    found = set(Transfer.objects.filter(**lookup).values_list("pk", flat=True))
    assert found == set(Transfer.objects.filter(**{f"{field}__in": values}).values_list("pk", flat=True))
    return found


def test_any_of_matches_ids_like_in(transfers):
    assert len(same_rows(pk__any_of=[transfers[0].pk, transfers[2].pk, transfers[2].pk, 10**9])) == 2


def test_any_of_matches_text_like_in(transfers):
    assert len(same_rows(key__any_of=["grant:1", "grant:3", "grant:1:post", "nobody's \"key\" \\"])) == 3


def test_any_of_matches_a_foreign_key_like_in_and_ignores_none(transfers):
    assert len(same_rows(pending_id__any_of=[transfers[0].pk, transfers[3].pk, None])) == 1


def test_any_of_an_empty_list_finds_nothing(transfers):
    assert not Transfer.objects.filter(key__any_of=[]).exists()
    assert Account.objects.exclude(pk__any_of=[]).count() == Account.objects.count()


@pytest.mark.postgres_only
def test_on_postgresql_the_values_are_sent_as_one_array():
    sql, params = Transfer.objects.filter(key__any_of=[f"grant:{i}" for i in range(3000)]).query.sql_with_params()
    assert "= ANY(" in sql
    assert params == ([f"grant:{i}" for i in range(3000)],)
