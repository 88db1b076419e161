import pytest
from django.test import Client
from django.urls import reverse

from ..choices import State
from ..models import Appeal
from ..services import appeal_merge, callback_record, leg_note, leg_return, leg_sign
from .helpers import answered, dispatched, in_callback, lead_leg, register


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("persona, url_name", [
    ("agent", "appeals:intake"), ("agent", "appeals:knowledge"), ("dispatcher", "appeals:dispatch_queue"),
    ("dispatcher", "appeals:catalogue"), ("handler", "appeals:unit_inbox"), ("head", "appeals:unit_inbox"),
    ("reviewer", "appeals:review_queue"), ("callback", "appeals:callback_queue"),
    ("supervisor", "appeals:supervision"), ("leader", "appeals:supervision"),
    ("citizen", "appeals:citizen_new"), ("citizen", "appeals:citizen_list"),
])
def test_each_page_opens_for_its_role(world, persona, url_name):
    register(world)
    dispatched(world)
    answered(world)
    in_callback(world)
    response = client_for(getattr(world, persona)).get(reverse(url_name))
    assert response.status_code == 200


def test_a_page_for_another_role_is_forbidden(world):
    assert client_for(world.citizen).get(reverse("appeals:dispatch_queue")).status_code == 403
    assert client_for(world.handler).get(reverse("appeals:intake")).status_code == 403


def test_intake_form_registers_and_shows_the_receipt(world):
    client = client_for(world.agent)
    regions = world.regions
    response = client.post(reverse("appeals:intake"), {
        "caller_mobile": "13800138000", "caller_name": "陈先生", "channel": "hotline_12345", "kind": "complaint",
        "category": world.stalls.pk, "district": regions["chancheng"].pk, "town": regions["zumiao"].pk,
        "community": regions["community"].pk, "content": "路口有人占道摆卖，影响通行。"})
    assert response.status_code == 302, response.content.decode()[:2000]
    appeal = Appeal.objects.get()
    assert appeal.region == regions["community"]
    page = client.get(response["Location"])
    assert appeal.number in page.content.decode() and appeal.query_code in page.content.decode()


def test_intake_form_with_bad_input_shows_errors_and_stores_nothing(world):
    client = client_for(world.agent)
    response = client.post(reverse("appeals:intake"), {
        "caller_mobile": "123", "kind": "complaint", "channel": "web", "category": world.stalls.pk,
        "district": world.regions["chancheng"].pk, "town": world.regions["daliang"].pk, "content": "x"})
    assert response.status_code == 200
    assert Appeal.objects.count() == 0


def test_intake_inquiry_answered_at_first_contact_closes(world):
    client = client_for(world.agent)
    response = client.post(reverse("appeals:intake"), {
        "caller_mobile": "13800138000", "channel": "hotline_12345", "kind": "inquiry",
        "category": world.stalls.pk, "district": world.regions["chancheng"].pk,
        "content": "请问摆摊需要办什么手续？", "answer_now": "可向所在街道申请临时摊位。"})
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert appeal.state == State.CLOSED and appeal.close_reason == "at_intake"


def test_caller_history_shows_earlier_cases(world):
    appeal = register(world)
    response = client_for(world.agent).get(reverse("appeals:caller_history"), {"caller_mobile": "13800138000"})
    assert appeal.number in response.content.decode()


def test_category_search_by_pinyin_initials(world):
    response = client_for(world.agent).get(reverse("appeals:category_options"), {"category_q": "zdjy"})
    assert "占道经营" in response.content.decode()
    assert "噪音扰民" not in response.content.decode()


def test_action_with_stale_version_shows_a_message_not_an_error(world):
    appeal = dispatched(world)
    leg = lead_leg(appeal)
    client = client_for(world.handler)
    response = client.post(reverse("appeals:leg_sign", args=[leg.pk]), {"version": appeal.version - 1}, follow=True)
    assert response.status_code == 200
    leg.refresh_from_db()
    assert leg.state == "pending"


def test_detail_and_public_follow(world):
    appeal = in_callback(world)
    callback_record(actor=world.callback, appeal=appeal, reached=True, satisfaction="satisfied", resolved=True)
    assert client_for(world.dispatcher).get(reverse("appeals:detail", args=[appeal.number])).status_code == 200
    page = Client().get(reverse("appeals:follow"), {"number": appeal.number, "code": appeal.query_code})
    assert "已联系城管中队" in page.content.decode()
    wrong = Client().get(reverse("appeals:follow"), {"number": appeal.number, "code": "XXXXXXXX"})
    assert wrong.status_code == 200 and "已联系城管中队" not in wrong.content.decode()


def test_other_units_case_detail_is_404(world):
    appeal = dispatched(world)
    assert client_for(world.zumiao_handler).get(reverse("appeals:detail", args=[appeal.number])).status_code == 404


def test_dispatch_queue_shows_returns_and_merges(world):
    appeal = dispatched(world)
    leg_return(actor=world.handler, leg=lead_leg(appeal), reason="不属于本单位职责",
               legal_basis="《佛山市城市管理条例》")
    duplicate = register(world)
    parent = register(world)
    appeal_merge(actor=world.dispatcher, appeal=duplicate, parent=parent)
    page = client_for(world.dispatcher).get(reverse("appeals:dispatch_queue")).content.decode()
    assert appeal.number in page and "不属于本单位职责" in page


def test_reveal_mobile_is_audited(world):
    from minsheng.audit.models import AuditEvent

    appeal = register(world)
    response = client_for(world.agent).post(reverse("appeals:reveal_mobile", args=[appeal.number]),
                                            HTTP_HX_PROMPT="%E5%9B%9E%E8%AE%BF")  # 回访, as htmx sends it
    assert response.content.decode() == "13800138000"
    (event,) = AuditEvent.objects.filter(action="personal_data.reveal")
    assert event.summary["reason"] == "回访" and event.actor_id == world.agent.pk
    assert client_for(world.reviewer).post(reverse("appeals:reveal_mobile", args=[appeal.number])).status_code == 403


def test_reveal_mobile_without_a_reason_is_refused_and_shows_nothing(world):
    from minsheng.audit.models import AuditEvent

    appeal = register(world)
    response = client_for(world.agent).post(reverse("appeals:reveal_mobile", args=[appeal.number]))
    assert response.status_code == 400 and "13800138000" not in response.content.decode()
    assert not AuditEvent.objects.filter(action="personal_data.reveal").exists()


def test_a_citizen_follows_their_own_case_without_internal_notes(world):
    appeal = dispatched(world, citizen=world.citizen)
    leg = lead_leg(appeal)
    leg_sign(actor=world.handler, leg=leg)
    leg_note(actor=world.handler, leg=leg, text="内部备注：需联系执法中队")
    page = client_for(world.citizen).get(reverse("appeals:detail", args=[appeal.number]))
    assert page.status_code == 200 and "内部备注" not in page.content.decode()
    assert appeal.number in client_for(world.citizen).get(reverse("appeals:citizen_list")).content.decode()
    assert client_for(world.other_citizen).get(reverse("appeals:detail", args=[appeal.number])).status_code == 404


def test_admin_lists_open_for_a_superuser(world):
    from minsheng.org.tests.factories import person

    register(world)
    admin = person("admin", superuser=True)
    client = client_for(admin)
    for name in ("appeal", "appealevent", "category", "dispatchcatalogue", "knowledgearticle"):
        assert client.get(reverse(f"admin:appeals_{name}_changelist")).status_code == 200


def test_the_catalogue_in_chinese_keeps_the_appeals_wording_for_the_lead_unit(world):
    page = client_for(world.dispatcher).get(reverse("appeals:catalogue"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    assert "主办单位" in page.content.decode() and "牵头单位" not in page.content.decode()


def test_dispatch_queue_suggests_catalogue_units_in_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    from ..services import catalogue_set

    catalogue_set(actor=world.dispatcher, category=world.stalls, region=world.regions["zumiao"],
                  lead_unit=world.zumiao_office, assist_units=[world.cgj])
    client = client_for(world.dispatcher)
    register(world)
    client.get(reverse("appeals:dispatch_queue"))  # sessions, reference caches
    with django_assert_max_num_queries(25) as few:
        client.get(reverse("appeals:dispatch_queue"))
    for _ in range(10):
        register(world)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("appeals:dispatch_queue")).content.decode()
    # every case's form comes with the catalogue's lead and assisting units chosen
    assert page.count(f'<option value="{world.zumiao_office.pk}" selected>') == 11
    assert page.count(f'<option value="{world.cgj.pk}" selected>') == 11
