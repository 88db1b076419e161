"""Filing a new case (filing.py): one statement on PostgreSQL, ORM inserts elsewhere — the same rows either way."""

import pytest
from django.db import DataError, transaction

from minsheng.appeals import filing, services

from ..choices import Action, CloseReason, State
from ..models import Appeal, AppealEvent, Attachment, DispatchLeg
from .conftest import at
from .helpers import register

PNG = services.Upload(name="photo.png", data=b"\x89PNG\r\n\x1a\n" + b"0" * 100)


def test_auto_dispatched_case_is_filed_with_its_legs_and_the_dispatch_event_on_the_lead_leg(world):
    services.catalogue_set(actor=world.dispatcher, category=world.stalls, region=world.regions["zumiao"],
                           lead_unit=world.zumiao_office, assist_units=[world.cgj])
    appeal = services.appeal_register(
        actor=world.agent, kind="complaint", channel="hotline_12345", category=world.stalls,
        region=world.regions["community"], content="路口有人占道摆卖，影响通行。", caller_mobile="13800138000",
        at=at(2026, 11, 26, 10), attachments=[PNG], auto_dispatch=True)

    stored = Appeal.objects.get(pk=appeal.pk)
    assert (stored.number, stored.state, stored.lead_unit_id, stored.version) == (
        appeal.number, State.DISPATCHED, world.zumiao_office.pk, 2)
    assert stored.number == "FS20261126000001"
    legs = list(DispatchLeg.objects.filter(appeal=appeal).order_by("pk"))
    assert [(leg.unit_id, leg.role) for leg in legs] == [(world.zumiao_office.pk, "lead"), (world.cgj.pk, "assist")]
    assert legs[0].handle_due_at == appeal.due_at
    events = list(AppealEvent.objects.filter(appeal=appeal).order_by("pk"))
    assert [(e.action, e.from_state, e.to_state, e.leg_id) for e in events] == [
        (Action.REGISTER, "", State.REGISTERED, None),
        (Action.DISPATCH, State.REGISTERED, State.DISPATCHED, legs[0].pk)]
    assert events[1].payload == {"lead": world.zumiao_office.pk, "assists": [world.cgj.pk], "auto": True}
    # the objects handed back are the saved rows
    assert [leg.pk for leg in DispatchLeg.objects.filter(appeal=appeal).order_by("pk")] == sorted(
        leg.pk for leg in appeal.legs.all())
    assert Attachment.objects.get().appeal_id == appeal.pk


def test_inquiry_answered_at_intake_is_filed_closed_in_one_insert(world):
    appeal = register(world, kind="inquiry", answer_at_intake="社保卡可在任一银行网点补办。")
    stored = Appeal.objects.get(pk=appeal.pk)
    assert (stored.state, stored.close_reason, stored.answer) == (State.CLOSED, CloseReason.AT_INTAKE,
                                                                  "社保卡可在任一银行网点补办。")
    assert stored.closed_at == stored.answered_at == stored.registered_at
    assert list(AppealEvent.objects.filter(appeal=appeal).order_by("pk").values_list("action", flat=True)) == [
        Action.REGISTER, Action.CLOSE_AT_INTAKE]


def test_numbers_run_on_within_a_day_and_start_again_the_next(world):
    numbers = [register(world, at=at(2026, 11, 26, 9 + i)).number for i in range(3)]
    numbers.append(register(world, at=at(2026, 11, 27, 9)).number)
    assert numbers == ["FS20261126000001", "FS20261126000002", "FS20261126000003", "FS20261127000001"]


@pytest.mark.postgres_only
def test_a_value_too_long_for_its_column_is_refused_not_cut(world):
    appeal = register(world)
    too_long = Appeal(**{f.attname: getattr(appeal, f.attname) for f in Appeal._meta.concrete_fields
                         if not f.primary_key and f.attname != "number"})
    too_long.query_code = "Q" * 13  # the column holds 12
    with pytest.raises(DataError), transaction.atomic():
        filing.case_file(too_long, day=appeal.registered_at.date())
    assert Appeal.objects.count() == 1
