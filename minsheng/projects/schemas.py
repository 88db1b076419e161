"""API shapes for lists, projects, reports and statistics."""

import datetime as dt
from decimal import Decimal

from ninja import Schema

from minsheng.audit.personal_data import redact


class ListOut(Schema):
    id: int
    year: int
    level: str
    name: str
    owner_unit: str
    is_published: bool
    project_count: int
    completed_count: int

    @staticmethod
    def resolve_level(obj):
        return obj.level.code

    @staticmethod
    def resolve_owner_unit(obj):
        return obj.owner_unit.code


class ProjectOut(Schema):
    id: int
    code: str
    title: str
    list_id: int
    lead_unit: str
    start_date: dt.date
    end_date: dt.date
    status: str
    progress: float
    warning: str
    warning_reason: str
    version: int

    @staticmethod
    def resolve_list_id(obj):
        return obj.project_list_id

    @staticmethod
    def resolve_lead_unit(obj):
        return obj.lead_unit.code


class MilestoneOut(Schema):
    id: int
    title: str
    due_date: dt.date
    original_due_date: dt.date
    weight: int
    done_at: dt.date | None


class IndicatorOut(Schema):
    id: int
    name: str
    unit: str
    baseline: Decimal
    target: Decimal
    actual: Decimal | None
    as_of: dt.date | None
    weight: int
    completion: float | None


class ProjectDetailOut(ProjectOut):
    content: str
    category: str | None
    source: str
    co_units: list[str]
    region: str | None
    original_end_date: dt.date
    milestones: list[MilestoneOut]
    indicators: list[IndicatorOut]

    @staticmethod
    def resolve_category(obj):
        return obj.category.code if obj.category_id else None

    @staticmethod
    def resolve_co_units(obj):
        return [unit.code for unit in obj.co_units.all()]

    @staticmethod
    def resolve_region(obj):
        return obj.region.code if obj.region_id else None

    @staticmethod
    def resolve_milestones(obj):
        return list(obj.milestones.all())

    @staticmethod
    def resolve_indicators(obj):
        return list(obj.indicators.all())


class ReportIn(Schema):
    period: dt.date
    text: str
    milestone_done: dict[str, dt.date] = {}
    indicator_actuals: dict[str, Decimal] = {}
    claims_completion: bool = False


class ReportOut(Schema):
    id: int
    project_id: int
    period: dt.date
    text: str
    state: str
    milestone_done: dict
    indicator_actuals: dict
    claims_completion: bool
    return_reason: str
    submitted_at: dt.datetime | None
    reviewed_at: dt.datetime | None


class ReturnIn(Schema):
    reason: str


class PublicProjectOut(Schema):
    id: int
    code: str
    title: str
    content: str
    lead_unit: str
    start_date: dt.date
    end_date: dt.date
    status: str
    progress: float

    @staticmethod
    def resolve_lead_unit(obj):
        return obj.lead_unit.name

    @staticmethod
    def resolve_content(obj):
        return redact(obj.content)  # the disclosure policy: no personal data leaves for the public
