from datetime import datetime

from ninja import Schema


class AccountOut(Schema):
    code: str
    name: str
    kind: str
    kind_label: str
    debits_must_not_exceed_credits: bool
    posted_debits: int
    posted_credits: int
    pending_debits: int
    pending_credits: int
    available: int
    created_at: datetime

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_available(obj) -> int:
        return obj.posted_credits - obj.posted_debits - obj.pending_debits


class TransferOut(Schema):
    key: str
    kind: str
    kind_label: str
    debit_account: str
    credit_account: str
    amount: int
    pending: str | None
    reverses: str | None
    memo: str
    metadata: dict
    created_at: datetime

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_debit_account(obj) -> str:
        return obj.debit_account.code

    @staticmethod
    def resolve_credit_account(obj) -> str:
        return obj.credit_account.code

    @staticmethod
    def resolve_pending(obj) -> str | None:
        return obj.pending.key if obj.pending_id else None

    @staticmethod
    def resolve_reverses(obj) -> str | None:
        return obj.reverses.key if obj.reverses_id else None


class CheckOut(Schema):
    healthy: bool
    problems: list[str]
