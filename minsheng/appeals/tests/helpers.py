"""Short ways to put a case into a given state through the real services."""

from ..services import (
    answer_review,
    appeal_answer,
    appeal_dispatch,
    appeal_register,
    leg_sign,
)

MOBILE = "13800138000"


def register(world, *, kind="complaint", category=None, region=None, at=None, **extra):
    return appeal_register(
        actor=world.agent, kind=kind, channel="hotline_12345", category=category or world.stalls,
        region=region or world.regions["community"], content="路口有人占道摆卖，影响通行。",
        caller_name="陈先生", caller_mobile=MOBILE, at=at, auto_dispatch=False, **extra)


def dispatched(world, *, unit=None, assists=(), at=None, **extra):
    appeal = register(world, at=at, **extra)
    appeal = appeal_dispatch(actor=world.dispatcher, appeal=appeal, lead_unit=unit or world.cgj,
                             assist_units=list(assists), at=at)
    return appeal


def lead_leg(appeal):
    return appeal.legs.filter(role="lead").order_by("-id").first()


def signed(world, **extra):
    appeal = dispatched(world, **extra)
    leg_sign(actor=world.handler, leg=lead_leg(appeal), at=extra.get("at"))
    appeal.refresh_from_db()
    return appeal


def answered(world, **extra):
    appeal = signed(world, **extra)
    appeal_answer(actor=world.handler, leg=lead_leg(appeal), text="已联系城管中队现场处置，摊贩已劝离。",
                  at=extra.get("at"))
    appeal.refresh_from_db()
    return appeal


def in_callback(world, **extra):
    appeal = answered(world, **extra)
    answer_review(actor=world.reviewer, appeal=appeal, passed=True, at=extra.get("at"))
    appeal.refresh_from_db()
    return appeal
