from ninja import Schema


class RegionOut(Schema):
    id: int
    code: str
    division_code: str
    name: str
    level: str
    parent_id: int | None


class UnitOut(Schema):
    id: int
    code: str
    name: str
    short_name: str
    kind: str
    parent_id: int | None
    is_active: bool


class MeOut(Schema):
    username: str
    display_name: str
    roles: list[str]
    unit_ids: list[int]
