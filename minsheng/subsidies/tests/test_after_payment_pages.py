"""Recovery and objections through the pages and the API: who may do what, messages in the user's language,
retried requests recorded once, bad input refused without a 500 or a half-written record."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from minsheng.ledger.models import Transfer
from minsheng.org.choices import Role
from minsheng.org.services import membership_grant
from minsheng.org.tests.factories import person, region_tree
from minsheng.subsidies import services
from minsheng.subsidies.choices import GrantState, ObjectionState, RecoveryState
from minsheng.subsidies.models import EnterpriseNotice, Objection, Recovery, RecoveryRepayment
from minsheng.uploads import Upload

from .factories import GAS_RULE, enterprise, officers, published_policy
from .test_money_integrity import ScriptedBank, confirm, gas

pytestmark = pytest.mark.django_db
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"0" * 200


def client_for(user, language="zh-hans") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    regions = region_tree()
    owner = person(Role.ENTERPRISE)
    x, y = officers()
    version = published_policy(author=x, approver=y)
    e = enterprise(facts={("gas_m3", "2025"): 200000}, user=owner)
    services.policy_match(version=version)
    grant = confirm(e.grants.get(), owner, bank=ScriptedBank())
    return {"owner": owner, "x": x, "y": y, "version": version, "enterprise": e, "grant": grant, "regions": regions}


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


# --- recovery through the pages -----------------------------------------------------------------------

def test_two_officers_recover_a_grant_through_the_pages_and_the_enterprise_reads_it_on_its_phone(world):
    grant = world["grant"]
    page = client_for(world["x"]).get(f"/subsidies/grants/{grant.pk}/")
    assert 'id="ask-recovery"' in page.content.decode()
    response = client_for(world["x"]).post(f"/subsidies/grants/{grant.pk}/recovery/", {"reason": "用气量数据造假"},
                                           follow=True)
    assert "第二位" in messages_of(response) or "另一位" in messages_of(response)
    recovery = Recovery.objects.get()
    # the one who asked sees that another officer must decide; the other decides
    assert 'id="decide-recovery"' not in client_for(world["x"]).get(f"/subsidies/grants/{grant.pk}/").content.decode()
    response = client_for(world["y"]).post(f"/subsidies/recoveries/{recovery.pk}/decide/", {"decision": "approve"},
                                           follow=True)
    assert response.status_code == 200
    grant.refresh_from_db()
    assert grant.state == GrantState.RECOVERING
    home = client_for(world["owner"]).get("/subsidies/my/").content.decode()
    assert "应退回" in home or "退回" in home
    assert "20,000.00" in home and "用气量数据造假" in home
    assert 'class="miniapp"' in home


def test_a_repayment_form_sent_twice_is_recorded_once(world):
    recovery = services.recovery_request(grant=world["grant"], reason="a", actor=world["x"])
    services.recovery_decide(recovery=recovery, actor=world["y"], approve=True)
    client = client_for(world["y"])
    for _ in range(2):
        response = client.post(f"/subsidies/grants/{world['grant'].pk}/repayments/",
                               {"amount": "5000.00", "reference": "BK20260615001"}, follow=True)
        assert response.status_code == 200 and "BK20260615001" in messages_of(response)
    assert RecoveryRepayment.objects.count() == 1
    assert Transfer.objects.filter(key__contains=":repay:").count() == 1
    recovery.refresh_from_db()
    assert recovery.repaid == 5_000_00


@pytest.mark.parametrize(("data", "says"), [
    ({"amount": "abc", "reference": "BK-1"}, "金额"),
    ({"amount": "20000.01", "reference": "BK-1"}, "20,000.00"),
    ({"amount": "100", "reference": "有 空格"}, "银行流水号"),
])
def test_a_bad_repayment_on_the_page_is_told_in_chinese_and_nothing_is_written(world, data, says):
    recovery = services.recovery_request(grant=world["grant"], reason="a", actor=world["x"])
    services.recovery_decide(recovery=recovery, actor=world["y"], approve=True)
    before = Transfer.objects.count()
    response = client_for(world["y"]).post(f"/subsidies/grants/{world['grant'].pk}/repayments/", data, follow=True)
    assert response.status_code == 200
    assert says in messages_of(response)
    assert Transfer.objects.count() == before and not RecoveryRepayment.objects.exists()


def test_an_officer_of_another_district_does_not_reach_the_grant(world):
    shunde = person(Role.FUNDS_OFFICER, region=world["regions"]["shunde"])
    response = client_for(shunde).post(f"/subsidies/grants/{world['grant'].pk}/recovery/", {"reason": "x"})
    assert response.status_code == 404
    assert not Recovery.objects.exists()


def test_a_funds_officer_who_also_acts_for_the_enterprise_is_told_to_leave_the_decision_to_another(world):
    recovery = services.recovery_request(grant=world["grant"], reason="a", actor=world["x"])
    both = person(Role.FUNDS_OFFICER)
    membership_grant(user=both, role=Role.ENTERPRISE)
    services.enterprise_link_user(enterprise=world["enterprise"], user=both)
    response = client_for(both).post(f"/subsidies/recoveries/{recovery.pk}/decide/", {"decision": "approve"},
                                     follow=True)
    assert "另一位" in messages_of(response)
    recovery.refresh_from_db()
    assert recovery.state == RecoveryState.PENDING


def test_the_recoveries_list_shows_what_is_owed_within_the_officers_region(world):
    recovery = services.recovery_request(grant=world["grant"], reason="a", actor=world["x"])
    services.recovery_decide(recovery=recovery, actor=world["y"], approve=True)
    assert world["enterprise"].name in client_for(world["x"]).get("/subsidies/recoveries/").content.decode()
    shunde = person(Role.FUNDS_OFFICER, region=world["regions"]["shunde"])
    assert world["enterprise"].name not in client_for(shunde).get("/subsidies/recoveries/").content.decode()
    assert client_for(world["owner"]).get("/subsidies/recoveries/").status_code == 403


def test_the_bar_is_shown_on_the_offer_instead_of_the_confirm_button(world):
    author, approver = world["x"], world["y"]
    v2026 = services.policy_version_save(policy=world["version"].policy, actor=author, rule_text=GAS_RULE,
                                         period="2026", budget=100_000_00, legal_reference="文件")
    v2026 = services.policy_publish(version=v2026, approver=approver, reviewed_hash=v2026.terms_hash)
    gas(world["enterprise"], 200000, "2026")
    services.policy_match(version=v2026)
    recovery = services.recovery_request(grant=world["grant"], reason="a", actor=author)
    services.recovery_decide(recovery=recovery, actor=approver, approve=True)
    home = client_for(world["owner"]).get("/subsidies/my/").content.decode()
    offer = world["enterprise"].grants.get(period="2026")
    assert f'action="/subsidies/grants/{offer.pk}/confirm/"' not in home
    assert "全额退回" in home
    response = client_for(world["owner"]).post(f"/subsidies/grants/{offer.pk}/confirm/", {
        "bank_account_no": "6222020200112233445", "bank_account_name": "x"}, follow=True)
    assert "全额退回" in messages_of(response)


# --- objections through the pages ---------------------------------------------------------------------

@pytest.fixture
def refused(world):
    owner = person(Role.ENTERPRISE)
    e = enterprise(facts={("gas_m3", "2025"): 200000}, user=owner)
    services.policy_match(version=world["version"])
    confirm(e.grants.get(), owner, settle=False)
    gas(e, 50000)
    services.grant_batch_approve(policy=world["version"].policy, actor=world["x"])
    grant = e.grants.get()
    assert grant.state == GrantState.REFUSED
    return {**world, "owner": owner, "enterprise": e, "grant": grant}


def test_the_enterprise_reads_why_and_objects_with_a_photo_and_a_resent_form_is_refused(refused):
    client = client_for(refused["owner"])
    home = client.get("/subsidies/my/").content.decode()
    assert "用气量达标" in home and "天然气用量（2025）" in home
    url = f"/subsidies/grants/{refused['grant'].pk}/objection/"
    assert "50000.00" in client.get(url).content.decode()

    def send():
        return client.post(url, {"reason": "抄表错误", "files": [SimpleUploadedFile("账单.png", PNG_BYTES)]})

    assert send().status_code == 302
    again = send()
    assert again.status_code == 400 and "已有" in again.content.decode()
    assert Objection.objects.count() == 1 and Objection.objects.get().files.count() == 1
    assert "申诉" in client.get("/subsidies/my/").content.decode()


def test_a_file_that_is_not_an_image_or_pdf_is_refused_on_the_page_in_chinese(refused):
    response = client_for(refused["owner"]).post(f"/subsidies/grants/{refused['grant'].pk}/objection/", {
        "reason": "抄表错误", "files": [SimpleUploadedFile("账单.jpg", b"MZ\x90\x00 an executable")]})
    assert response.status_code == 400
    assert "不是图片" in response.content.decode()
    assert not Objection.objects.exists()


def test_an_officer_who_did_not_refuse_upholds_on_the_page_and_the_grant_is_paid(refused):
    objection = services.objection_file(grant=refused["grant"], user=refused["owner"], reason="抄表错误")
    gas(refused["enterprise"], 200000)
    page = client_for(refused["y"]).get(f"/subsidies/grants/{refused['grant'].pk}/").content.decode()
    assert 'id="decide-objection"' in page
    response = client_for(refused["x"]).post(f"/subsidies/objections/{objection.pk}/decide/",
                                             {"decision": "uphold", "note": "x"}, follow=True)
    assert "另一位" in messages_of(response)  # x refused the grant in the batch
    response = client_for(refused["y"]).post(f"/subsidies/objections/{objection.pk}/decide/",
                                             {"decision": "uphold", "note": "燃气集团已更正"}, follow=True)
    assert response.status_code == 200
    refused["grant"].refresh_from_db()
    assert refused["grant"].state == GrantState.PAID
    assert "燃气集团已更正" in client_for(refused["owner"]).get("/subsidies/my/").content.decode()


def test_evidence_is_served_to_the_enterprise_and_officials_only(refused):
    objection = services.objection_file(grant=refused["grant"], user=refused["owner"], reason="x",
                                        files=[Upload(name="a.png", data=PNG_BYTES)])
    evidence = objection.files.get()
    url = f"/subsidies/objections/files/{evidence.pk}/"
    for user in (refused["owner"], refused["y"]):
        response = client_for(user).get(url)
        assert response.status_code == 200 and response["Content-Type"] == "image/png"
        assert response["X-Content-Type-Options"] == "nosniff"
    assert client_for(person(Role.ENTERPRISE)).get(url).status_code == 404
    shunde = person(Role.FUNDS_OFFICER, region=refused["regions"]["shunde"])
    assert client_for(shunde).get(url).status_code == 404


# --- the API ----------------------------------------------------------------------------------------------

def test_recovery_through_the_api_with_a_retried_repayment(world):
    grant = world["grant"]
    created = client_for(world["x"]).post(f"/api/subsidies/grants/{grant.pk}/recovery", {"reason": "数据有误"},
                                          content_type="application/json")
    assert created.status_code == 201
    recovery_id = created.json()["id"]
    again = client_for(world["x"]).post(f"/api/subsidies/grants/{grant.pk}/recovery", {"reason": "数据有误"},
                                        content_type="application/json")
    assert again.status_code == 409
    assert client_for(world["x"]).post(f"/api/subsidies/recoveries/{recovery_id}/decide", {"approve": True},
                                       content_type="application/json").status_code == 403
    decided = client_for(world["y"]).post(f"/api/subsidies/recoveries/{recovery_id}/decide", {"approve": True},
                                          content_type="application/json")
    assert decided.json()["state"] == "recovering"
    pay = {"amount": 20_000_00, "reference": "BK-API-1"}
    first = client_for(world["y"]).post(f"/api/subsidies/grants/{grant.pk}/repayments", pay,
                                        content_type="application/json")
    retry = client_for(world["y"]).post(f"/api/subsidies/grants/{grant.pk}/repayments", pay,
                                        content_type="application/json")
    assert first.status_code == retry.status_code == 200 and first.json()["id"] == retry.json()["id"]
    assert first.json()["outstanding"] == 0
    other = client_for(world["y"]).post(f"/api/subsidies/grants/{grant.pk}/repayments",
                                        {"amount": 1, "reference": "BK-API-1"}, content_type="application/json")
    assert other.status_code == 409
    bad = client_for(world["y"]).post(f"/api/subsidies/grants/{grant.pk}/repayments",
                                      {"amount": -1, "reference": "BK-API-2"}, content_type="application/json")
    assert bad.status_code == 422
    notices = client_for(world["owner"]).get("/api/subsidies/notices").json()
    assert [n["kind"] for n in notices] == ["recovery_settled", "recovery"]
    assert client_for(person(Role.ENTERPRISE)).get("/api/subsidies/notices").json() == []


def test_an_objection_through_the_api_with_a_file(refused):
    client = client_for(refused["owner"])
    grant = refused["grant"]
    refusal = client.get(f"/api/subsidies/grants/{grant.pk}/refusal").json()
    assert refusal["state"] == "refused" and "用气量达标" in refusal["explained"][0]
    created = client.post(f"/api/subsidies/grants/{grant.pk}/objection", {
        "reason": "抄表错误", "files": [SimpleUploadedFile("bill.png", PNG_BYTES)]})
    assert created.status_code == 201 and created.json()["files"] == ["bill.png"]
    assert client.post(f"/api/subsidies/grants/{grant.pk}/objection", {"reason": "抄表错误"}).status_code == 409
    decided = client_for(refused["y"]).post(f"/api/subsidies/objections/{created.json()['id']}/decide",
                                            {"uphold": False, "note": "核实无误"}, content_type="application/json")
    assert decided.json()["state"] == ObjectionState.DISMISSED
    assert EnterpriseNotice.objects.filter(grant=grant).count() == 1
