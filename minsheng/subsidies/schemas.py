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
    reoffered: int = 0
    barred: int = 0


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


# --- after payment: recoveries, objections, notices, vouchers ------------------------------------------

class RecoveryIn(Schema):
    reason: str = Field(..., max_length=2000)


class DecisionIn(Schema):
    approve: bool
    note: str = Field("", max_length=300)


class RepaymentIn(Schema):
    amount: int = Field(..., description="fen")
    reference: str = Field(..., max_length=64, description="the bank's reference: a retry with it is recorded once")


class RepaymentOut(Schema):
    id: int
    recovery_id: int
    reference: str
    amount: int
    recorded_at: datetime
    outstanding: int

    @staticmethod
    def resolve_outstanding(obj):
        return obj.recovery.outstanding


class RecoveryOut(Schema):
    id: int
    grant_id: int
    policy: str
    enterprise: str
    period: str
    amount: int
    repaid: int
    outstanding: int
    reason: str
    state: str
    requested_at: datetime
    decided_at: datetime | None
    decision_note: str
    settled_at: datetime | None

    @staticmethod
    def resolve_policy(obj):
        return obj.grant.policy.code

    @staticmethod
    def resolve_enterprise(obj):
        return obj.grant.enterprise.uscc

    @staticmethod
    def resolve_period(obj):
        return obj.grant.period


class ObjectionDecisionIn(Schema):
    uphold: bool
    note: str = Field(..., max_length=300)


class ObjectionOut(Schema):
    id: int
    grant_id: int
    reason: str
    state: str
    refusal_reason: str
    filed_at: datetime
    decided_at: datetime | None
    decision_note: str
    outcome: str
    files: list[str]

    @staticmethod
    def resolve_files(obj):
        return [f.name for f in obj.files.all()]


class RefusalOut(Schema):
    state: str
    reason: str
    explained: list[str]
    objection_due: datetime | None
    open_objection: int | None


class NoticeOut(Schema):
    id: int
    enterprise: str
    grant_id: int | None
    kind: str
    text: str
    created_at: datetime

    @staticmethod
    def resolve_enterprise(obj):
        return obj.enterprise.uscc


class VoucherLineOut(Schema):
    account: str
    account_code: str
    account_name: str
    debit: int
    credit: int


class VoucherOut(Schema):
    day: date
    number: str
    policy: str
    year: str
    business: str
    summary: str
    amount: int
    attachments: int
    lines: list[VoucherLineOut]
