"""Who reads the ledger, through the pages and the API."""

import pytest
from django.urls import reverse

from minsheng.ledger.services import transfer_create
from minsheng.org.choices import Role
from minsheng.org.tests.factories import person

from .helpers import budget, enterprise

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid():
    gas, firm = budget(funded=500_00), enterprise(7)
    reservation = transfer_create(key="grant:7", debit=gas, credit=firm, amount=123_45, pending=True)
    return gas, firm, reservation


@pytest.mark.parametrize("role", [Role.FUNDS_OFFICER, Role.LEADER, Role.SUPERVISOR, Role.ADMIN])
def test_ledger_readers_see_the_accounts_page_with_balances(client, paid, role):
    client.force_login(person(role))
    response = client.get(reverse("ledger:accounts"))
    assert response.status_code == 200
    assert "budget:gas" in response.text
    assert "123.45" in response.text


@pytest.mark.parametrize("role", [Role.CITIZEN, Role.ENTERPRISE, Role.DISPATCHER])
def test_other_roles_are_refused_the_ledger_pages(client, paid, role):
    client.force_login(person(role))
    assert client.get(reverse("ledger:accounts")).status_code == 403
    assert client.get(reverse("ledger:account", args=["enterprise:7"])).status_code == 403


def test_the_account_page_lists_its_transfers(client, paid):
    client.force_login(person(Role.FUNDS_OFFICER))
    response = client.get(reverse("ledger:account", args=["enterprise:7"]))
    assert response.status_code == 200
    assert "grant:7" in response.text


def test_an_unknown_account_page_is_404(client):
    client.force_login(person(Role.FUNDS_OFFICER))
    assert client.get(reverse("ledger:account", args=["nope"])).status_code == 404


def test_the_accounts_page_filters_by_kind(client, paid):
    client.force_login(person(Role.FUNDS_OFFICER))
    response = client.get(reverse("ledger:accounts"), {"kind": "enterprise"})
    assert "enterprise:7" in response.text and "budget:gas" not in response.text


def test_the_api_lists_accounts_with_their_balances(client, paid):
    client.force_login(person(Role.LEADER))
    body = client.get("/api/ledger/accounts", {"kind": "budget"}).json()
    assert body["count"] == 1
    assert body["items"][0]["pending_debits"] == 123_45
    assert body["items"][0]["available"] == 500_00 - 123_45


def test_the_api_lists_an_accounts_transfers(client, paid):
    client.force_login(person(Role.FUNDS_OFFICER))
    body = client.get("/api/ledger/accounts/enterprise:7/transfers").json()
    assert [item["key"] for item in body["items"]] == ["grant:7"]
    assert body["items"][0]["debit_account"] == "budget:gas"


def test_the_api_shows_one_transfer_and_the_ledger_check(client, paid):
    client.force_login(person(Role.FUNDS_OFFICER))
    assert client.get("/api/ledger/transfers/grant:7").json()["amount"] == 123_45
    assert client.get("/api/ledger/check").json() == {"healthy": True, "problems": []}


def test_the_api_refuses_enterprise_users(client, paid):
    client.force_login(person(Role.ENTERPRISE))
    assert client.get("/api/ledger/accounts").status_code == 403
    assert client.get("/api/ledger/transfers/grant:7").status_code == 403


def test_the_api_answers_404_for_an_unknown_transfer(client):
    client.force_login(person(Role.FUNDS_OFFICER))
    assert client.get("/api/ledger/transfers/nope").status_code == 404


def test_the_api_offers_no_way_to_write(client, paid):
    client.force_login(person(Role.ADMIN))
    assert client.post("/api/ledger/accounts", {}, content_type="application/json").status_code == 405
