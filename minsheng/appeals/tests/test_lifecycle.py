import pytest
from django.core.exceptions import ValidationError

from ..choices import CloseReason, LegState, State
from ..models import AppealEvent
from ..services import callback_record
from .helpers import in_callback, register


def test_register_numbers_the_case_and_starts_the_clock(world):
    appeal = register(world)
    assert appeal.number.startswith("FS") and len(appeal.number) == 16
    assert appeal.state == State.REGISTERED
    assert len(appeal.query_code) == 8
    assert AppealEvent.objects.filter(appeal=appeal, action="register").count() == 1


def test_full_lifecycle_to_satisfied_close(world):
    appeal = in_callback(world)
    assert appeal.state == State.CALLBACK
    appeal = callback_record(actor=world.callback, appeal=appeal, reached=True, satisfaction="satisfied",
                             resolved=True, version=appeal.version)
    assert appeal.state == State.CLOSED
    assert appeal.close_reason == CloseReason.CALLBACK
    assert appeal.satisfaction == "satisfied"
    actions = list(AppealEvent.objects.filter(appeal=appeal).values_list("action", flat=True))
    assert actions == ["register", "dispatch", "sign", "answer", "review_pass", "callback_close"]
    assert appeal.legs.get().state == LegState.ANSWERED


def test_illegal_transition_is_refused_with_a_message(world):
    appeal = register(world)
    with pytest.raises(ValidationError, match="cannot be given the action"):
        callback_record(actor=world.callback, appeal=appeal, reached=False)
