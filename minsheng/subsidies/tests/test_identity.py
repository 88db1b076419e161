"""Who acts for an enterprise, proven (issue 18, defect 3): claimed with the registered details and a code
sent to the legal representative's registered mobile; colleagues invited with a code to their own mobile;
removed by the administrator or a funds officer; every change audited."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from minsheng.audit.models import AuditEvent
from minsheng.conflicts import Conflict
from minsheng.notifications.defaults import templates_seed
from minsheng.notifications.models import MessageTemplate, OneTimeCode
from minsheng.notifications.services import notifications_deliver
from minsheng.notifications.tests.fakes import RECORD
from minsheng.org.choices import Role
from minsheng.org.tests.factories import person, region_tree
from minsheng.subsidies import services

from .factories import new_uscc

pytestmark = pytest.mark.django_db
LEGAL_MOBILE = "13912345678"


@pytest.fixture(autouse=True)
def _english_and_recording(settings):
    templates_seed(MessageTemplate)
    RECORD.reset()
    settings.NOTIFICATIONS_PROVIDERS = {**settings.NOTIFICATIONS_PROVIDERS,
                                        "sms": "minsheng.notifications.tests.fakes.RecordingProvider"}
    with translation.override("en"):
        yield
    RECORD.reset()


def registered():
    from datetime import date

    return services.enterprise_register(uscc=new_uscc(), name="佛山市南海区示例五金有限公司",
                                        region=region_tree()["zumiao"], industry_code="3360", scale="规上",
                                        registered_on=date(2016, 3, 1), legal_representative="陈大文",
                                        legal_representative_mobile=LEGAL_MOBILE)


def code_sent_to(mobile: str) -> str:
    otp = OneTimeCode.objects.filter(mobile=mobile).latest("created_at")
    notifications_deliver(ids=[otp.message_id])
    body = next(m.body for m in reversed(RECORD.sent) if m.id == otp.message_id)
    return re.search(r"(\d{6})", body).group(1)


def enterprise_user(mobile=""):
    user = person(Role.ENTERPRISE)
    user.mobile = mobile
    user.save(update_fields=["mobile"])
    return user


def test_a_claim_with_details_that_do_not_match_sends_nothing_and_says_the_same_whatever_was_wrong():
    e = registered()
    claimant = enterprise_user()
    messages = set()
    for name, mobile in (("陈大文", "13900000000"), ("李四", LEGAL_MOBILE)):
        with pytest.raises(ValidationError) as caught:
            services.enterprise_claim_start(user=claimant, uscc=e.uscc, legal_representative=name, mobile=mobile)
        messages.add(caught.value.messages[0])
    assert len(messages) == 1
    assert not OneTimeCode.objects.exists()
    assert AuditEvent.objects.filter(action="subsidies.enterprise_claim_refused").count() == 2


def test_the_code_goes_to_the_registered_mobile_and_makes_the_claimant_administrator():
    e = registered()
    claimant = enterprise_user()
    services.enterprise_claim_start(user=claimant, uscc=e.uscc, legal_representative="陈 大文", mobile=LEGAL_MOBILE)
    code = code_sent_to(LEGAL_MOBILE)
    with pytest.raises(ValidationError):
        services.enterprise_claim_verify(user=claimant, uscc=e.uscc, code="000000" if code != "000000" else "111111")
    services.enterprise_claim_verify(user=claimant, uscc=e.uscc, code=code)
    e.refresh_from_db()
    assert e.administrator == claimant and e.users.filter(pk=claimant.pk).exists()
    assert AuditEvent.objects.filter(action="subsidies.enterprise_claim").exists()
    with pytest.raises(Conflict):  # claimed once
        services.enterprise_claim_start(user=enterprise_user(), uscc=e.uscc, legal_representative="陈大文",
                                        mobile=LEGAL_MOBILE)


def test_a_colleague_joins_with_the_code_sent_to_their_own_mobile_only():
    e = registered()
    admin = enterprise_user()
    services.enterprise_claim_start(user=admin, uscc=e.uscc, legal_representative="陈大文", mobile=LEGAL_MOBILE)
    e = services.enterprise_claim_verify(user=admin, uscc=e.uscc, code=code_sent_to(LEGAL_MOBILE))
    colleague, impostor = enterprise_user("13700001111"), enterprise_user("13700002222")
    with pytest.raises(PermissionDenied):
        services.enterprise_invite(enterprise=e, actor=colleague, mobile="13700001111")  # not the administrator
    services.enterprise_invite(enterprise=e, actor=admin, mobile="13700001111")
    code = code_sent_to("13700001111")
    with pytest.raises(ValidationError):
        services.enterprise_invite_accept(user=impostor, uscc=e.uscc, code=code)
    services.enterprise_invite_accept(user=colleague, uscc=e.uscc, code=code)
    assert e.users.filter(pk=colleague.pk).exists() and not e.users.filter(pk=impostor.pk).exists()
    services.enterprise_user_remove(enterprise=e, actor=admin, user=colleague)
    assert not e.users.filter(pk=colleague.pk).exists()
    with pytest.raises(ValidationError):
        services.enterprise_user_remove(enterprise=e, actor=person(Role.FUNDS_OFFICER), user=admin)
    assert AuditEvent.objects.filter(action__in=["subsidies.enterprise_invite", "subsidies.enterprise_join",
                                                 "subsidies.enterprise_user_remove"]).count() == 3


def test_claiming_through_the_pages_on_a_phone():
    e = registered()
    claimant = enterprise_user()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(claimant)
    url = reverse("subsidies:enterprise_claim")
    wrong = client.post(url, {"uscc": e.uscc, "legal_representative": "陈大文", "mobile": "13900000000"})
    assert wrong.status_code == 200 and "do not match" in wrong.content.decode()
    sent = client.post(url, {"uscc": e.uscc, "legal_representative": "陈大文", "mobile": LEGAL_MOBILE})
    assert 'name="code"' in sent.content.decode()
    done = client.post(url, {"uscc": e.uscc, "code": code_sent_to(LEGAL_MOBILE)})
    assert done.status_code == 302 and done["Location"] == reverse("subsidies:enterprise_team")
    team = client.get(reverse("subsidies:enterprise_team"))
    assert team.status_code == 200 and "administrator" in team.content.decode()


def test_a_funds_officer_of_another_district_cannot_remove_an_enterprises_user():
    e = registered()  # in 禅城区
    colleague = enterprise_user()
    services.enterprise_link_user(enterprise=e, user=colleague)
    with pytest.raises(PermissionDenied):
        services.enterprise_user_remove(enterprise=e, actor=person(Role.FUNDS_OFFICER, region=region_tree()["shunde"]),
                                        user=colleague)
    assert e.users.filter(pk=colleague.pk).exists()
