"""Shared builders for ledger tests: a treasury, a funded budget and enterprises."""


from minsheng.ledger.choices import AccountKind
from minsheng.ledger.services import account_open, transfer_create


def treasury():
    return account_open(code="treasury", name="市财政", kind=AccountKind.TREASURY)


def budget(code: str = "budget:gas", *, funded: int = 0):
    account = account_open(code=code, name="燃气补贴预算", kind=AccountKind.BUDGET,
                           debits_must_not_exceed_credits=True)
    if funded:
        transfer_create(key=f"fund:{code}:{funded}", debit=treasury(), credit=account, amount=funded)
    return account


def enterprise(number: int = 1):
    return account_open(code=f"enterprise:{number}", name=f"企业{number}", kind=AccountKind.ENTERPRISE)
