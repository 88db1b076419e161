"""Who sees and does what: the authorization matrix, pages and the API."""

import json

import pytest
from django.test import Client

from minsheng.org.choices import Role
from minsheng.org.tests.factories import person, region_tree
from minsheng.subsidies import selectors, services
from minsheng.subsidies.choices import GrantState
from minsheng.subsidies.models import Grant

from .factories import GAS_RULE, enterprise, officers, published_policy

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world():
    regions = region_tree()
    author, approver = officers()
    owner, stranger = person(Role.ENTERPRISE), person(Role.ENTERPRISE)
    mine = enterprise(user=owner, facts={("gas_m3", "2025"): 200000})
    theirs = enterprise(user=stranger, facts={("gas_m3", "2025"): 300000}, region=regions["daliang"])
    version = published_policy(author=author, approver=approver)
    services.policy_match(version=version)
    return {"author": author, "approver": approver, "owner": owner, "stranger": stranger, "mine": mine,
            "theirs": theirs, "version": version, "regions": regions}


@pytest.mark.parametrize(("role", "sees_enterprises", "sees_grants", "writes_policies"), [
    (Role.FUNDS_OFFICER, 2, 2, True),
    (Role.LEADER, 2, 2, False),
    (Role.SUPERVISOR, 2, 2, False),
    (Role.ADMIN, 2, 2, True),
    (Role.ENTERPRISE, 1, 1, False),
    (Role.CITIZEN, 0, 0, False),
    (Role.DISPATCHER, 0, 0, False),
])
def test_authorization_matrix(world, role, sees_enterprises, sees_grants, writes_policies):
    user = world["owner"] if role == Role.ENTERPRISE else person(role)
    assert selectors.enterprise_list(user=user).count() == sees_enterprises
    assert selectors.grant_list(user=user).count() == sees_grants
    assert selectors.can_write_policies(user) is writes_policies


def test_a_funds_officer_of_a_district_sees_only_that_district(world):
    officer = person(Role.FUNDS_OFFICER, region=world["regions"]["shunde"])
    assert list(selectors.enterprise_list(user=officer)) == [world["theirs"]]


def test_an_enterprise_user_sees_only_their_own_enterprise_pages_and_api(world):
    client = client_for(world["owner"])
    assert client.get(f"/subsidies/enterprises/{world['mine'].pk}/").status_code == 200
    assert client.get(f"/subsidies/enterprises/{world['theirs'].pk}/").status_code == 404
    theirs = Grant.objects.get(enterprise=world["theirs"])
    assert client.get(f"/api/subsidies/grants/{theirs.pk}").status_code == 404
    assert [g["enterprise"] for g in client.get("/api/subsidies/grants").json()] == [world["mine"].uscc]
    assert client.get("/subsidies/policies/").status_code == 403


def test_the_mini_app_shows_the_offer_and_confirming_pays_it(world):
    client = client_for(world["owner"])
    page = client.get("/subsidies/my/").content.decode()
    assert "20,000.00" in page and "用气量达标" in page
    grant = Grant.objects.get(enterprise=world["mine"])
    response = client.post(f"/subsidies/grants/{grant.pk}/confirm/",
                           {"bank_account_no": "6222020200112233445", "bank_account_name": "测试"}, follow=True)
    assert response.status_code == 200
    grant.refresh_from_db()
    assert grant.state == GrantState.PAID


def test_api_confirm_pays_and_a_second_confirm_is_a_conflict(world):
    client = client_for(world["owner"])
    grant = Grant.objects.get(enterprise=world["mine"])
    body = json.dumps({"bank_account_no": "6222020200112233445", "bank_account_name": "测试"})
    first = client.post(f"/api/subsidies/grants/{grant.pk}/confirm", body, content_type="application/json")
    assert first.status_code == 200 and first.json()["state"] == "paid"
    second = client.post(f"/api/subsidies/grants/{grant.pk}/confirm", body, content_type="application/json")
    assert second.status_code == 409


def test_api_refuses_a_bad_rule_with_422_and_the_line(world):
    client = client_for(world["author"])
    response = client.post("/api/subsidies/policies", json.dumps({
        "code": "bad", "name": "坏", "rule_text": 'clause a: fact("nope") > 1\namount: 1', "period": "2025",
        "budget": 100, "legal_reference": "x"}), content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"]["rule_text"][0].startswith(("Line 1", "第 1 行"))


def test_a_leader_cannot_create_a_policy_through_the_api(world):
    client = client_for(person(Role.LEADER))
    response = client.post("/api/subsidies/policies", json.dumps({
        "code": "x", "name": "x", "rule_text": GAS_RULE, "period": "2025", "budget": 100,
        "legal_reference": "x"}), content_type="application/json")
    assert response.status_code == 403


def test_officer_pages_render(world):
    client = client_for(world["author"])
    policy = world["version"].policy
    for url in ["/subsidies/policies/", "/subsidies/policies/new/", f"/subsidies/policies/{policy.pk}/",
                f"/subsidies/policies/{policy.pk}/edit/",
                f"/subsidies/versions/{world['version'].pk}/simulate/?named={world['mine'].uscc}",
                "/subsidies/enterprises/", "/subsidies/enterprises/new/", "/subsidies/enterprises/import/",
                "/subsidies/stats/", f"/subsidies/grants/{Grant.objects.first().pk}/"]:
        assert client.get(url).status_code == 200, url


def test_the_policy_form_shows_rule_errors_at_their_line(world):
    client = client_for(world["author"])
    response = client.post("/subsidies/policies/new/", {
        "code": "bad", "name": "坏", "mode": "auto_grant", "period": "2025", "budget": "100",
        "legal_reference": "x", "rule_text": 'clause a: scale == "规上"\nclause b: foo(1)\namount: 1'})
    assert response.status_code == 200
    assert "foo" in response.content.decode() and ("Line 2" in response.content.decode()
                                                   or "第 2 行" in response.content.decode())


def test_facts_upload_with_a_bad_row_lists_it_and_imports_nothing(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(world["author"])
    csv = f"uscc,fact,period,value\n{world['mine'].uscc},tax_paid,2025,100\n{world['mine'].uscc},tax_paid,2025,-1\n"
    response = client.post("/subsidies/enterprises/import/", {
        "kind": "facts", "source": "税务局",
        "file": SimpleUploadedFile("facts.csv", csv.encode(), content_type="text/csv")})
    assert response.status_code == 200
    assert "3" in response.content.decode()
    assert not world["mine"].facts.filter(definition__name="tax_paid").exists()


def test_stats_count_the_paid_grant(world):
    grant = Grant.objects.get(enterprise=world["mine"])
    services.grant_confirm(grant=grant, user=world["owner"], bank_account_no="6222020200112233445")
    stats = selectors.policy_stats(user=person(Role.LEADER), policy=world["version"].policy)
    assert (stats["eligible"], stats["confirmed"], stats["paid"], stats["paid_amount"]) == (2, 1, 1, 2_000_000)
    assert stats["median_seconds_to_paid"] is not None


def test_a_funds_officer_removes_an_enterprise_user_but_has_no_way_to_add_one(world):
    client = client_for(world["author"])
    mine = world["mine"]
    assert client.post(f"/subsidies/enterprises/{mine.pk}/link/", {"username": "x"}).status_code == 404
    response = client.post(f"/subsidies/enterprises/{mine.pk}/users/{world['owner'].pk}/remove/")
    assert response.status_code == 302
    assert not mine.users.filter(pk=world["owner"].pk).exists()
    assert client_for(world["owner"]).post(
        f"/subsidies/enterprises/{mine.pk}/users/{world['owner'].pk}/remove/").status_code == 404


def test_the_policy_life_cycle_through_the_api(world):
    author, approver = client_for(world["author"]), client_for(world["approver"])
    created = author.post("/api/subsidies/policies", json.dumps({
        "code": "gas-api", "name": "用气", "rule_text": GAS_RULE, "period": "2025", "budget": 10_000_000_00,
        "legal_reference": "文件", "per_enterprise_cap": 1_500_000}), content_type="application/json")
    assert created.status_code == 201
    version_id, reviewed = created.json()["id"], json.dumps({"reviewed_hash": created.json()["terms_hash"]})
    assert author.post(f"/api/subsidies/versions/{version_id}/publish", reviewed,
                       content_type="application/json").status_code == 422  # four eyes
    simulation = approver.get(f"/api/subsidies/versions/{version_id}/simulate?named={world['mine'].uscc}").json()
    assert (simulation["eligible"], simulation["total"]) == (2, 3_000_000)
    assert simulation["traces"][0]["granted"] == 1_500_000
    assert approver.post(f"/api/subsidies/versions/{version_id}/publish", json.dumps({"reviewed_hash": "0" * 64}),
                         content_type="application/json").status_code == 409  # not what was reviewed
    assert approver.post(f"/api/subsidies/versions/{version_id}/publish", reviewed,
                         content_type="application/json").json()["state"] == "published"
    assert approver.post(f"/api/subsidies/versions/{version_id}/match").json()["offered"] == 2
    stats = client_for(person(Role.LEADER)).get(f"/api/subsidies/policies/{created.json()['policy_id']}/stats")
    assert stats.json()["eligible"] == 2


# --- rules that could crash the evaluator are refused where they are written, never a 500 -------------

def _create(client, rule_text):
    return client.post("/api/subsidies/policies", json.dumps({
        "code": "bad", "name": "坏", "rule_text": rule_text, "period": "2025", "budget": 100,
        "legal_reference": "x"}), content_type="application/json")


@pytest.mark.parametrize(("rule_text", "line"), [
    ("clause 深: " + "not " * 4000 + "1 > 0\namount: 1", 1),
    ("clause 深: " + "not " * 250_000 + "1 > 0\namount: 1", 1),
    ('clause 营收: fact("revenue") > 0\namount: 1e309', 2),
    ('clause 营收: fact("revenue") > 0\namount: 10000000000000000000', 2),
    ('clause 营收: fact("revenue") > 0\namount: fact("revenue") * fact("revenue") * fact("revenue")', 2),
], ids=["4000 nots", "1 MB", "1e309", "1e19", "three facts multiplied"])
def test_api_refuses_a_rule_that_could_crash_the_evaluator_with_422_and_the_line(world, rule_text, line):
    response = _create(client_for(world["author"]), rule_text)
    assert response.status_code == 422
    assert response.json()["errors"]["rule_text"][0].startswith((f"Line {line}:", f"第 {line} 行"))


def test_the_policy_form_shows_a_too_deeply_nested_rule_at_its_line(world):
    response = client_for(world["author"]).post("/subsidies/policies/new/", {
        "code": "deep", "name": "深", "mode": "auto_grant", "period": "2025", "budget": "100",
        "legal_reference": "x", "rule_text": "amount: 1\nclause 深: " + "not " * 4000 + "1 > 0"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Line 2" in page or "第 2 行" in page


def test_a_stored_rule_that_is_refused_now_gives_422_or_a_page_that_says_why_never_a_500(world):
    """A version saved before the limits existed: simulating or matching it explains, never crashes."""
    version = world["version"]
    confirmed = services.grant_confirm(grant=Grant.objects.get(enterprise=world["theirs"]), user=world["stranger"],
                                       bank_account_no="6222020200112233445", settle=False)
    type(version).objects.filter(pk=version.pk).update(rule_text="amount: 1e309")
    author = client_for(world["author"])
    api = author.get(f"/api/subsidies/versions/{version.pk}/simulate")
    assert api.status_code == 422 and "1e309" in json.dumps(api.json(), ensure_ascii=False)
    assert author.post(f"/api/subsidies/versions/{version.pk}/match").status_code == 422
    page = author.get(f"/subsidies/versions/{version.pk}/simulate/")
    assert page.status_code == 400 and "1e309" in page.content.decode()
    grant = Grant.objects.get(enterprise=world["mine"])
    confirm = client_for(world["owner"]).post(f"/api/subsidies/grants/{grant.pk}/confirm", json.dumps({
        "bank_account_no": "6222020200112233445"}), content_type="application/json")
    assert confirm.status_code == 422
    grant.refresh_from_db()
    assert grant.state == GrantState.OFFERED
    assert author.post(f"/api/subsidies/policies/{version.policy_id}/approve").status_code == 422  # re-checks
    confirmed.refresh_from_db()
    assert confirmed.state == GrantState.CONFIRMED
