"""Shapes of the insight API: figures out, a hotspot out, turning a hotspot into a project in."""

import datetime as dt

from ninja import Schema


class HotspotOut(Schema):
    key: str
    place_code: str
    place: str | None
    category_id: int
    category: str | None
    size: int
    cohesion: float
    terms: list[str]
    case_numbers: list[str]
    first_at: dt.datetime
    last_at: dt.datetime
    project_code: str | None


class HotspotProjectIn(Schema):
    days: int = 30
    level: str = "community"
    min_size: int = 3
    project_list: int
    lead_unit: int
    title: str
    content: str = ""
    start_date: dt.date
    end_date: dt.date


class HotspotProjectOut(Schema):
    hotspot_key: str
    project_id: int
    project_code: str
    case_numbers: list[str]


class ReportRowOut(Schema):
    system: str
    label: str
    value: float | int | None
    display: str
    formula: str
