"""API shapes for the policy-funds endpoints; money is integer fen throughout."""

from datetime import date, datetime

from ninja import Field, Schema


class EnterpriseIn(Schema):
    uscc: str
    name: str
    region: str  # region code
    industry_code: str
    scale: str
    registered_on: date


class EnterpriseOut(Schema):
    id: int
    uscc: str
    name: str
    region: str
    district: str | None
    industry_code: str
    scale: str
    registered_on: date

    @staticmethod
    def resolve_region(obj):
        return obj.region.code

    @staticmethod
    def resolve_district(obj):
        return obj.district.name if obj.district_id else None


class RowsIn(Schema):
    rows: list[dict]
    source: str = ""


class ImportOut(Schema):
    created: int
    updated: int
    rows: int
    unchanged: int = 0
    batch: int | None = None


class VersionIn(Schema):
    rule_text: str
    period: str
    budget: int
    legal_reference: str
    per_enterprise_cap: int | None = None


class PolicyIn(VersionIn):
    code: str
    name: str
    mode: str = "auto_grant"
    cap_group: str | None = None  # cap group code


class VersionOut(Schema):
    id: int
    policy_id: int
    number: int
    state: str
    rule_text: str
    period: str
    budget: int
    per_enterprise_cap: int | None
    legal_reference: str
    terms_hash: str = Field(..., description="SHA-256 of the rule text and money terms: what a reviewer approves")
    published_at: datetime | None


class PolicyOut(Schema):
    id: int
    code: str
    name: str
    mode: str
    cap_group: str | None
    versions: list[VersionOut]

    @staticmethod
    def resolve_cap_group(obj):
        return obj.cap_group.code if obj.cap_group_id else None

    @staticmethod
    def resolve_versions(obj):
        return list(obj.versions.all())


class PublishIn(Schema):
    reviewed_hash: str = Field(..., description="the version's terms_hash you reviewed: publishing refuses a "
                               "version changed since", max_length=64)
    comment: str = Field("", max_length=300)


class SimulationOut(Schema):
    population: int
    eligible: int
    total: int
    budget: int
    within_budget: bool
    by_district: list[tuple[str, int, int]]
    by_industry: list[tuple[str, int, int]]
    clause_pass: list[tuple[str, int]]
    traces: list[dict]
    unknown: list[str]


class MatchOut(Schema):
    eligible: int
    offered: int
    existing: int
    conflicting: int


class BatchOut(Schema):
    approved: int = 0
    refused: int = 0
    paid: int = 0
    failed: int = 0
    skipped: int = 0
    reoffered: int = 0
    withdrawn: int = 0


class GrantOut(Schema):
    id: int
    policy: str
    version: int
    enterprise: str
    period: str
    amount: int
    state: str
    reason: str
    facts_hash: str
    trace: dict | list
    confirmed_at: datetime | None
    approved_at: datetime | None
    paid_at: datetime | None

    @staticmethod
    def resolve_policy(obj):
        return obj.policy.code

    @staticmethod
    def resolve_version(obj):
        return obj.version.number

    @staticmethod
    def resolve_enterprise(obj):
        return obj.enterprise.uscc


class ConfirmIn(Schema):
    bank_account_no: str = Field(..., max_length=40,
                                 description="one of the enterprise's registered, approved receiving accounts")


class StatsOut(Schema):
    policy: str
    eligible: int
    confirmed: int
    paid: int
    failed: int
    paid_amount: int
    budget: int
    budget_used: int
    budget_used_share: float
    median_seconds_to_paid: float | None
    by_district: list[dict]
    by_industry: list[dict]
