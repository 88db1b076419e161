"""Objections to a refusal (申诉): the enterprise reads the clause in plain words, objects with evidence; an
officer who took no decision on the grant decides; upheld, the grant goes through approval again."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from minsheng.conflicts import Conflict
from minsheng.ledger.services import ledger_check
from minsheng.org.choices import Role
from minsheng.org.tests.factories import person, region_tree
from minsheng.subsidies import selectors, services
from minsheng.subsidies.choices import GrantState, NoticeKind, ObjectionState, RefusalKind
from minsheng.subsidies.models import EnterpriseNotice, Objection, ObjectionFile
from minsheng.uploads import Upload

from .factories import enterprise, officers, published_policy
from .test_money_integrity import ScriptedBank, confirm, gas

pytestmark = pytest.mark.django_db

PNG = Upload(name="燃气账单.png", data=b"\x89PNG\r\n\x1a\n" + b"0" * 200)
PDF = Upload(name="证明.pdf", data=b"%PDF-1.7\n" + b"0" * 200)


@pytest.fixture(autouse=True)
def _english_and_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield


@pytest.fixture
def refused():
    """A grant refused at approval by officer x because the gas figure was corrected down to 50,000 m³."""
    owner = person(Role.ENTERPRISE)
    x, y = officers()
    version = published_policy(author=x, approver=y)
    e = enterprise(facts={("gas_m3", "2025"): 200000}, user=owner)
    services.policy_match(version=version)
    confirm(e.grants.get(), owner, settle=False)
    gas(e, 50000)
    services.grant_batch_approve(policy=version.policy, actor=x)
    grant = e.grants.get()
    assert (grant.state, grant.refusal) == (GrantState.REFUSED, RefusalKind.INELIGIBLE)
    return {"grant": grant, "owner": owner, "x": x, "y": y, "enterprise": e, "version": version}


def objected(world, **kwargs):
    return services.objection_file(grant=world["grant"], user=world["owner"],
                                   reason=kwargs.pop("reason", "燃气集团抄表错误，实际用量20万立方米"),
                                   files=kwargs.pop("files", [PNG, PDF]))


def test_the_enterprise_reads_the_clause_that_refused_it_in_plain_words(refused):
    lines = selectors.refusal_explained(refused["grant"])
    assert len(lines) == 1
    assert "用气量达标" in lines[0] and "天然气用量（2025）" in lines[0] and "50000.00 立方米" in lines[0]
    assert "100000" in lines[0]  # what the rule asks


def test_a_missing_figure_is_said_to_be_missing(refused):
    owner = person(Role.ENTERPRISE)
    e = enterprise(facts={("gas_m3", "2025"): 200000}, user=owner)
    services.policy_match(version=refused["version"])
    confirm(e.grants.get(), owner, settle=False)
    e.facts.all().delete()
    services.grant_batch_approve(policy=refused["version"].policy)
    assert "no figure for 天然气用量（2025）" in selectors.refusal_explained(e.grants.get())[0]


def test_an_upheld_objection_is_approved_and_paid_when_the_corrected_figures_qualify(refused):
    objection = objected(refused)
    assert [f.content_type for f in objection.files.all()] == ["image/png", "application/pdf"]
    gas(refused["enterprise"], 200000)  # the gas company corrects its reading
    bank = ScriptedBank()
    objection = services.objection_decide(objection=objection, actor=refused["y"], uphold=True,
                                          note="燃气集团已更正读数", bank=bank)
    grant = refused["grant"]
    grant.refresh_from_db()
    assert (objection.state, objection.outcome, grant.state) == (ObjectionState.UPHELD, GrantState.PAID,
                                                                 GrantState.PAID)
    assert bank.sent == [(grant.reserve_key, 20_000_00)]
    notice = EnterpriseNotice.objects.get(grant=grant, kind=NoticeKind.OBJECTION_UPHELD)
    assert "20,000.00" in notice.text and "燃气集团已更正读数" in notice.text
    assert ledger_check() == []


def test_an_upheld_objection_that_still_does_not_qualify_is_refused_again_and_the_enterprise_told_why(refused):
    objection = services.objection_decide(objection=objected(refused), actor=refused["y"], uphold=True,
                                          note="重新核查", bank=ScriptedBank())
    grant = refused["grant"]
    grant.refresh_from_db()
    assert (objection.outcome, grant.state) == (GrantState.REFUSED, GrantState.REFUSED)
    text = EnterpriseNotice.objects.get(grant=grant, kind=NoticeKind.OBJECTION_UPHELD).text
    assert "用气量达标" in text  # the clause that still fails, in the enterprise's language
    assert objected(refused, reason="再次申诉").state == ObjectionState.OPEN  # it may object again


def test_an_upheld_objection_at_a_new_amount_is_offered_again_to_confirm(refused):
    objection = objected(refused)
    gas(refused["enterprise"], 300000)
    objection = services.objection_decide(objection=objection, actor=refused["y"], uphold=True, note="已更正",
                                          bank=ScriptedBank())
    grant = refused["grant"]
    grant.refresh_from_db()
    assert (grant.state, grant.amount) == (GrantState.OFFERED, 30_000_00)
    assert "30,000.00" in EnterpriseNotice.objects.get(grant=grant).text


def test_the_officer_who_refused_the_grant_cannot_decide_the_objection(refused):
    objection = objected(refused)
    with pytest.raises(PermissionDenied):
        services.objection_decide(objection=objection, actor=refused["x"], uphold=True, note="x")
    objection.refresh_from_db()
    assert objection.state == ObjectionState.OPEN


def test_an_officer_of_another_district_cannot_decide_it(refused):
    objection = objected(refused)
    shunde = person(Role.FUNDS_OFFICER, region=region_tree()["shunde"])
    with pytest.raises(PermissionDenied):
        services.objection_decide(objection=objection, actor=shunde, uphold=False, note="x")


def test_one_open_objection_per_grant_and_a_resent_form_is_refused(refused):
    objected(refused)
    with pytest.raises(Conflict):
        objected(refused)
    assert Objection.objects.count() == 1 and ObjectionFile.objects.count() == 2


def test_only_the_enterprises_own_users_object_and_only_to_a_refusal(refused):
    for outsider in (refused["y"], person(Role.ENTERPRISE)):
        with pytest.raises(PermissionDenied):
            services.objection_file(grant=refused["grant"], user=outsider, reason="x")
    owner = person(Role.ENTERPRISE)
    e = enterprise(facts={("gas_m3", "2025"): 200000}, user=owner)
    services.policy_match(version=refused["version"])
    with pytest.raises(ValidationError):  # offered, not refused
        services.objection_file(grant=e.grants.get(), user=owner, reason="x")


@pytest.mark.parametrize("files", [
    [Upload(name="invoice.jpg", data=b"MZ\x90\x00 an executable")],
    [Upload(name="empty.png", data=b"")],
    [PNG] * 6,
])
def test_evidence_is_sniffed_by_its_content_and_limited_and_nothing_is_written(refused, files):
    with pytest.raises(ValidationError) as caught:
        objected(refused, files=files)
    assert "files" in caught.value.message_dict
    assert not Objection.objects.exists() and not ObjectionFile.objects.exists()


def test_a_file_larger_than_the_limit_is_refused(refused, settings):
    settings.SUBSIDIES_OBJECTION_MAX_BYTES = 100
    with pytest.raises(ValidationError) as caught:
        objected(refused, files=[PNG])
    assert "larger than" in caught.value.message_dict["files"][0]


def test_a_reason_is_needed(refused):
    with pytest.raises(ValidationError) as caught:
        objected(refused, reason="   ")
    assert "reason" in caught.value.message_dict


def test_a_dismissal_needs_a_note_and_tells_the_enterprise(refused):
    objection = objected(refused)
    with pytest.raises(ValidationError):
        services.objection_decide(objection=objection, actor=refused["y"], uphold=False, note=" ")
    services.objection_decide(objection=objection, actor=refused["y"], uphold=False, note="读数经核实无误")
    refused["grant"].refresh_from_db()
    assert refused["grant"].state == GrantState.REFUSED
    assert "读数经核实无误" in EnterpriseNotice.objects.get(kind=NoticeKind.OBJECTION_DISMISSED).text
    with pytest.raises(Conflict):  # decided already: a second click changes nothing
        services.objection_decide(objection=objection, actor=refused["y"], uphold=True, note="x")


def test_objections_close_after_the_deadline_when_the_city_sets_one(refused, settings, work_calendar):
    settings.SUBSIDIES_OBJECTION_WORKING_DAYS = 5
    due = services.objection_due(refused["grant"])
    assert due is not None and due > timezone.now()
    with time_machine.travel(due + dt.timedelta(minutes=1), tick=False), pytest.raises(ValidationError) as caught:
        objected(refused)
    assert "ended" in caught.value.messages[0]
    assert objected(refused).state == ObjectionState.OPEN  # before the deadline it is accepted
