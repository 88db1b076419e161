"""API shapes for appeals (django-ninja). Input is parsed here; rules live in the services."""

import datetime as dt

from ninja import Field, Schema


class IntakeIn(Schema):
    kind: str = Field(..., description="inquiry | request | complaint | report | suggestion")
    channel: str = Field("hotline_12345", description="hotline_12345, mayor_line, hotline_12319, web, …")
    category: str = Field(..., description="third-level category code", max_length=20)
    region: str = Field(..., description="region code (the deepest known)", max_length=20)
    content: str = Field(..., max_length=5000)
    title: str = Field("", max_length=120)
    address: str = Field("", max_length=200)
    lng: float | None = None
    lat: float | None = None
    caller_name: str = Field("", max_length=50)
    caller_mobile: str = Field("", max_length=20)
    anonymous: bool = False
    urgent: bool = False
    urgency: str = ""


class ReceiptOut(Schema):
    id: int
    number: str
    query_code: str
    state: str
    kind: str
    registered_at: dt.datetime
    due_at: dt.datetime
    due_provisional: bool = Field(False, description="the due date counts a day of a year whose holiday "
                                  "schedule is not yet official: it may move")
    due_note: str = ""
    lead_unit: str | None = None


class LegOut(Schema):
    id: int
    unit: str
    unit_code: str
    role: str
    state: str
    dispatched_at: dt.datetime
    sign_due_at: dt.datetime
    handle_due_at: dt.datetime
    signed_at: dt.datetime | None
    answered_at: dt.datetime | None
    returned_at: dt.datetime | None
    return_reason: str
    input_text: str
    sign_breached: bool
    handle_breached_at: dt.datetime | None
    handle_due_provisional: bool = False


class EventOut(Schema):
    action: str
    from_state: str
    to_state: str
    reason: str
    at: dt.datetime
    unit: str | None = None
    actor: str | None = None


class AppealOut(Schema):
    id: int
    number: str
    kind: str
    channel: str
    category: str
    category_code: str
    region: str
    region_code: str
    address: str
    title: str
    content: str
    caller_name: str
    caller_mobile: str  # masked
    urgent: bool
    urgency: str
    state: str
    version: int
    registered_at: dt.datetime
    due_at: dt.datetime
    due_provisional: bool = False
    due_note: str = ""
    closed_at: dt.datetime | None
    breached_at: dt.datetime | None
    warning: str
    lead_unit: str | None
    return_count: int
    designated: bool
    answer: str
    satisfaction: str
    resolved: bool | None
    parent: str | None
    suggestion_outcome: str


class LegHistoryOut(Schema):
    """What a unit did on its own leg of a case, readable after the case moved on to another unit."""

    number: str
    category: str
    leg: LegOut
    events: list[EventOut]


class AppealDetailOut(AppealOut):
    legs: list[LegOut]
    events: list[EventOut]


class PublicAppealOut(Schema):
    number: str
    kind: str
    category: str
    state: str
    state_label: str
    registered_at: dt.datetime
    due_at: dt.datetime
    due_provisional: bool = False
    due_note: str = ""
    closed_at: dt.datetime | None
    answer: str
    events: list[EventOut]


class VersionIn(Schema):
    version: int | None = Field(None, description="the case version you saw; a stale one gives 409")


class DispatchIn(VersionIn):
    lead_unit: str = Field(..., description="unit code", max_length=32)
    assist_units: list[str] = []
    note: str = Field("", max_length=500)


class ReturnIn(VersionIn):
    reason: str = Field(..., max_length=1000)
    legal_basis: str = Field(..., max_length=200)


class ReturnDecisionIn(VersionIn):
    accept: bool
    reason: str = Field("", max_length=1000)
    lead_unit: str | None = None
    assist_units: list[str] = []


class TextIn(VersionIn):
    text: str = Field(..., max_length=5000)


class ReviewIn(VersionIn):
    passed: bool
    reason: str = Field("", max_length=1000)


class ExtensionIn(VersionIn):
    days: int
    reason: str = Field(..., max_length=1000)


class SuspensionIn(VersionIn):
    reason: str = Field(..., max_length=1000)


class DecisionIn(Schema):
    approve: bool
    note: str = Field("", max_length=1000)


class CallbackIn(VersionIn):
    reached: bool
    satisfaction: str = ""
    resolved: bool | None = None
    dissatisfied_reason: str = ""
    comment: str = Field("", max_length=1000)


class MergeIn(VersionIn):
    parent: str = Field(..., description="the parent case number")
    reason: str = Field("", max_length=500)


class SupervisionIn(Schema):
    kind: str = Field(..., description="urge | supervise")
    instructions: str = Field(..., max_length=2000)


class SuggestionCloseIn(VersionIn):
    outcome: str = Field(..., description="adopted | reference | not_adopted")
    note: str = Field("", max_length=2000)


class CloseAtIntakeIn(VersionIn):
    answer: str = Field("", max_length=5000)
    article: int | None = None


class CategoryOut(Schema):
    code: str
    name: str
    full_name: str
    level: int


class SuggestionOut(Schema):
    lead_unit: str
    lead_unit_code: str
    assist_units: list[str]
    unambiguous: bool


class MessageOut(Schema):
    detail: str
