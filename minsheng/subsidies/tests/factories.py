"""Builders for policy-funds tests: enterprises with facts, a funds officer pair and a published policy."""

import itertools
from datetime import date

from minsheng.identifiers import uscc_complete
from minsheng.org.choices import Role
from minsheng.org.tests.factories import person, region_tree
from minsheng.subsidies import services
from minsheng.subsidies.choices import PolicyMode

_numbers = itertools.count(1)

GAS_RULE = """\
# 工业用气补贴
clause 规上工业企业: scale == "规上" and industry in ["C"]
clause 用气量达标: fact("gas_m3") >= 100000
amount: min(fact("gas_m3") * 0.1, 500000)
"""


def new_uscc(district: str = "440604") -> str:
    return uscc_complete(f"91{district}MA{next(_numbers):07d}")


ACCOUNT = "6222020200112233445"


def receiving_account(e, *, user=None, account_no: str = ACCOUNT):
    """An approved receiving account in the enterprise's name, asked by one of its users (``user``, or a
    clerk made for it) and approved by a funds officer, through the services."""
    if user is None:
        user = person(Role.ENTERPRISE)
        services.enterprise_link_user(enterprise=e, user=user)
    account = services.receiving_account_request(enterprise=e, user=user, bank_name="工商银行佛山分行",
                                                 account_no=account_no, account_name=e.name)
    return services.receiving_account_decide(account=account, actor=person(Role.FUNDS_OFFICER), approve=True)


def enterprise(*, region=None, scale="规上", industry_code="3360", name=None, facts=None, user=None):
    """An enterprise (in 禅城区 祖庙街道 by default) with ``facts`` {(name, period): value}; with ``user``, that
    enterprise user acts for it and has registered ``ACCOUNT`` (approved) to receive money on."""
    regions = region_tree()
    uscc = new_uscc()
    e = services.enterprise_register(uscc=uscc, name=name or f"测试企业{uscc[-6:]}", region=region or regions["zumiao"],
                                     industry_code=industry_code, scale=scale, registered_on=date(2015, 6, 30))
    if facts:
        services.facts_import(rows=[{"uscc": uscc, "fact": f, "period": p, "value": v}
                                    for (f, p), v in facts.items()], source="test")
    if user is not None:
        services.enterprise_link_user(enterprise=e, user=user)
        receiving_account(e, user=user)
    return e


def officers():
    """Two funds officers: an author and the second pair of eyes."""
    return person(Role.FUNDS_OFFICER), person(Role.FUNDS_OFFICER)


def published_policy(*, author=None, approver=None, rule=GAS_RULE, budget=100_000_000_00, period="2025",
                     cap=None, cap_group=None, mode=PolicyMode.AUTO_GRANT, code=None):
    if author is None:
        author, approver = officers()
    version = services.policy_create(code=code or f"gas-{next(_numbers)}", name="工业用气补贴", mode=mode, actor=author,
                                     rule_text=rule, period=period, budget=budget, per_enterprise_cap=cap,
                                     legal_reference="佛府办〔2025〕1号", cap_group=cap_group)
    return services.policy_publish(version=version, approver=approver, reviewed_hash=version.terms_hash)
