"""Personal data is masked by default on staff pages and in the admin; revealing it is an explicit,
audited action that says why."""

from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory

import minsheng.config.urls  # noqa: F401 - loads every admin and wraps it, as a running server does
from minsheng.audit.admin import MaskedField
from minsheng.audit.models import AuditEvent
from minsheng.org.choices import Role
from minsheng.org.models import User
from minsheng.org.tests.factories import person
from minsheng.subsidies import services as subsidies
from minsheng.subsidies.models import Enterprise, Grant
from minsheng.subsidies.tests.factories import ACCOUNT, enterprise

MOBILE = "13812345678"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def superuser(db):
    return person(Role.ADMIN, superuser=True)


@pytest.fixture
def clerk(db):
    user = person(Role.CALL_AGENT)
    user.mobile = MOBILE
    user.save(update_fields=["mobile"])
    return user


def test_a_user_mobile_is_masked_in_the_admin(superuser, clerk):
    page = client_for(superuser).get(f"/admin/org/user/{clerk.pk}/change/").content.decode()
    assert MOBILE not in page
    assert "138****5678" in page


def test_leaving_the_masked_mobile_empty_in_the_admin_keeps_it(superuser, clerk):
    model_admin = admin.site._registry[User]
    request = RequestFactory().post("/")
    request.user = superuser
    field = model_admin.formfield_for_dbfield(User._meta.get_field("mobile"), request)
    assert isinstance(field, MaskedField) and not field.has_changed(MOBILE, "")
    clerk.mobile = ""  # what the form puts on the instance when the input is left empty
    form = SimpleNamespace(fields={"mobile": field}, cleaned_data={"mobile": ""}, changed_data=[], initial={})
    model_admin.save_model(request, clerk, form, change=True)
    clerk.refresh_from_db()
    assert clerk.mobile == MOBILE


def test_revealing_a_user_mobile_asks_why_and_is_audited(superuser, clerk):
    url = f"/audit/reveal/org.user/{clerk.pk}/mobile/"
    client = client_for(superuser)
    assert MOBILE not in client.get(url).content.decode()
    refused = client.post(url, {"reason": ""}).content.decode()
    assert MOBILE not in refused and not AuditEvent.objects.filter(action="personal_data.reveal").exists()
    shown = client.post(url, {"reason": "核实账号归属"}).content.decode()
    assert MOBILE in shown
    event = AuditEvent.objects.get(action="personal_data.reveal")
    assert (event.actor_id, event.object_id, event.summary["reason"], event.summary["field"]) == (
        superuser.pk, str(clerk.pk), "核实账号归属", "mobile")


def test_a_role_without_the_need_cannot_reveal_a_mobile(clerk):
    dispatcher = person(Role.DISPATCHER)
    response = client_for(dispatcher).post(f"/audit/reveal/org.user/{clerk.pk}/mobile/", {"reason": "好奇"})
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="personal_data.reveal").exists()


@pytest.mark.parametrize(("model", "field"), [(Grant, "bank_account_no"),
                                             (Enterprise, "legal_representative_mobile")])
def test_a_grant_bank_account_and_a_legal_representative_mobile_are_masked_in_the_admin(superuser, model, field):
    request = RequestFactory().get("/")
    request.user = superuser
    fields = admin.site._registry[model].get_fields(request)
    assert field not in fields and f"{field}_masked" in fields


def test_the_receiving_account_review_shows_the_account_masked_and_reveals_it_on_request(db):
    owner = person(Role.ENTERPRISE)
    company = enterprise()
    subsidies.enterprise_link_user(enterprise=company, user=owner)
    account = subsidies.receiving_account_request(enterprise=company, user=owner, bank_name="工商银行",
                                                  account_no=ACCOUNT, account_name=company.name)
    officer = person(Role.FUNDS_OFFICER)
    client = client_for(officer)
    page = client.get("/subsidies/accounts/review/").content.decode()
    assert ACCOUNT not in page and ACCOUNT[-4:] in page
    shown = client.post(f"/audit/reveal/subsidies.receivingaccount/{account.pk}/account_no/",
                        {"reason": "核对开户许可证"}).content.decode()
    assert ACCOUNT in shown
    assert AuditEvent.objects.filter(action="personal_data.reveal", object_type="subsidies.receivingaccount",
                                     actor_id=officer.pk).exists()
