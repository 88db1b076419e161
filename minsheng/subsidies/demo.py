"""Demo data: Foshan-style enterprises with facts, four policies modelled on real ones, one batch paid.

Enterprises and facts are bulk-created (volume); policies, matching, approval and payment go
through the real services. The demo ``enterprise`` account is linked to an enterprise with a live
offer, and a second funds officer (``funds2``) exists so that publishing has its second pair of eyes.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from minsheng.identifiers import uscc_complete
from minsheng.org.choices import Role
from minsheng.org.demo import demo_account

from . import services
from .choices import GrantState, PolicyMode, Scale
from .models import Enterprise, Grant, GrantEvent, Industry

SCALES = {"small": 1_000, "full": 20_000}
FIRST_BATCH = 2_500  # at most this many enterprises in the paid first batch
PERIOD = "2025"
# (division, weight, name word): Foshan's economy — appliances, ceramics, metal, furniture, machinery …
INDUSTRIES = [
    ("38", 14, "电器"), ("33", 10, "金属制品"), ("30", 9, "陶瓷"), ("21", 6, "家具"), ("34", 6, "机械"),
    ("29", 5, "塑料"), ("35", 4, "装备"), ("39", 4, "电子"), ("17", 3, "纺织"), ("18", 3, "服饰"),
    ("32", 3, "铝材"), ("26", 2, "化工"), ("13", 2, "食品"), ("40", 1, "仪表"), ("51", 10, "贸易"),
    ("52", 5, "商贸"), ("65", 4, "软件"), ("74", 2, "技术服务"), ("54", 3, "物流"), ("48", 2, "建设"),
    ("62", 1, "餐饮"), ("72", 2, "商务"),
]
PREFIXES = "美创华力顺兴盛宏达恒信联鑫利泰宝丰润嘉荣汇通凯科金新佳骏博伟永安".replace("", " ").split()
SUFFIXES = ["有限公司", "股份有限公司", "实业有限公司", "科技有限公司", "制造有限公司"]

GAS_RULE = """\
# 佛山市工业企业天然气使用补贴（参照“扶持通”首批兑现政策）
clause 规上工业企业: scale == "规上" and industry in ["C"]
clause 年用气量达标: fact("gas_m3") >= 100000
amount: min(fact("gas_m3") * 0.2, 500000)
"""
POWER_RULE = """\
# 工业企业用电成本补贴
clause 工业企业: industry in ["C"]
clause 年用电量达标: fact("electricity_kwh") >= 1000000
clause 纳税正常: fact("tax_paid") > 0
amount: min(fact("electricity_kwh") * 0.02, 300000)
"""
TECH_RULE = """\
# 技术改造设备投资奖励（与其他技术改造政策共用每家企业每年1亿元上限）
clause 规上工业企业: scale == "规上" and industry in ["C"]
clause 设备投资达标: fact("equipment_investment") >= 5000000
amount: fact("equipment_investment") * 0.15
"""
DIGITAL_RULE = """\
# 中小企业数字化转型补贴（快申快享）
clause 数字化投入达标: fact("digital_investment") >= 500000
clause 营收规模: fact("revenue") >= 20000000
amount: min(fact("digital_investment") * 0.2, 2000000)
"""


def load(*, stdout, rng, scale, foshan) -> None:
    services.reference_data_ensure()
    count = SCALES[scale]
    officer = get_user_model().objects.get(username="funds")
    second = demo_account(foshan, username="funds2", display_name="钱复核", role=Role.FUNDS_OFFICER,
                          unit=foshan.units_by_code.get("FS-GXJ"))
    enterprises = _enterprises(rng, foshan, count)
    facts = _facts(rng, enterprises)
    stdout.write(f"  enterprises: {len(enterprises)}, facts: {facts}")

    tech_cap = services.cap_group_create(code="tech-upgrade", name="技术改造", year_cap=100_000_000_00)
    budget_scale = count / 30_000  # budgets sized for a 30,000-enterprise city slice
    gas = _policy(officer, second, code="gas-2025", name="工业企业天然气使用补贴", mode=PolicyMode.AUTO_GRANT,
                  rule=GAS_RULE, budget=int(420_000_000_00 * budget_scale), cap=500_000_00,
                  reference="佛山市工业和信息化局 佛工信〔2025〕18号")
    power = _policy(officer, second, code="power-2025", name="工业企业用电成本补贴", mode=PolicyMode.AUTO_GRANT,
                    rule=POWER_RULE, budget=int(600_000_000_00 * budget_scale), cap=300_000_00,
                    reference="佛山市发展和改革局 佛发改〔2025〕7号")
    tech = _policy(officer, second, code="tech-upgrade-2025", name="技术改造设备投资奖励", mode=PolicyMode.AUTO_GRANT,
                   rule=TECH_RULE, budget=int(600_000_000_00 * budget_scale), cap=50_000_000_00,
                   reference="佛山市人民政府 佛府〔2025〕3号", cap_group=tech_cap)
    digital = _policy(officer, second, code="digital-2025", name="中小企业数字化转型补贴",
                      mode=PolicyMode.APPLICATION, rule=DIGITAL_RULE, budget=int(80_000_000_00 * budget_scale),
                      cap=2_000_000_00, reference="佛山市工业和信息化局 佛工信〔2025〕26号")
    # A later change waiting for its second pair of eyes: the published version stays frozen.
    services.policy_version_save(policy=power.policy, actor=officer, rule_text=POWER_RULE.replace("0.02", "0.025"),
                                 period=PERIOD, budget=power.budget, legal_reference=power.legal_reference,
                                 per_enterprise_cap=power.per_enterprise_cap)
    for version in (gas, power, tech):
        result = services.policy_match(version=version, actor=officer)
        stdout.write(f"  {version.policy.name}: {result.eligible} eligible, {result.offered} offered")

    demo_user = get_user_model().objects.get(username="enterprise")
    showcase = _showcase_enterprise(power)
    services.enterprise_link_user(enterprise=showcase, user=demo_user)
    Enterprise.objects.filter(pk=showcase.pk).update(administrator=demo_user)  # as if it had claimed it
    # Its receiving account, asked by the enterprise and approved by the second funds officer (four eyes).
    account = services.receiving_account_request(enterprise=showcase, user=demo_user, bank_name="中国工商银行佛山分行",
                                                 account_no="6222020200112233445", account_name=showcase.name)
    services.receiving_account_decide(account=account, actor=second, approve=True)

    paid = _first_batch(rng, gas, keep_offered={showcase.pk})
    stdout.write(f"  first batch of {gas.policy.name}: {paid.paid} paid, {paid.failed} failed, "
                 f"{paid.refused} refused")
    stdout.write(f"  demo enterprise: {showcase.name} ({showcase.uscc}); {digital.policy.name} open for application")
    unclaimed = Enterprise.objects.exclude(pk=showcase.pk).order_by("id").first()
    stdout.write(f"  to try claiming: {unclaimed.uscc}, legal representative {unclaimed.legal_representative}, "
                 f"mobile {unclaimed.legal_representative_mobile} (the code is in var/notifications.log)")


GIVEN_NAMES = ["伟", "敏", "志强", "丽华", "家明", "少芬"]


def _enterprises(rng, foshan, count: int) -> list[Enterprise]:
    towns = foshan.towns
    districts = {d.pk: d for d in foshan.districts}
    division_ids = dict(Industry.objects.filter(level="division").values_list("code", "pk"))
    # Codes below a division only where the reference table holds them (so they pass the import's check);
    # elsewhere made-up digits, as before the table had groups and classes.
    table = services._industry_table()
    deeper: dict[str, list[str]] = {}
    for code in sorted(table.classes | (table.groups - {c[:3] for c in table.classes})):
        deeper.setdefault(code[:2], []).append(code)
    codes, weights = zip(*[(c, w) for c, w, _ in INDUSTRIES], strict=True)
    words = {c: word for c, _, word in INDUSTRIES}
    start = Enterprise.objects.count() + 1
    today = timezone.localdate()
    objects = []
    for number in range(start, start + count):
        town = rng.choice(towns)
        district = districts[town.parent_id]
        division = rng.choices(codes, weights)[0]
        if rng.random() >= 0.7:
            industry_code = division
        elif division in deeper:
            industry_code = rng.choice(deeper[division])
        else:
            industry_code = f"{division}{rng.randint(1, 9)}{rng.randint(0, 9)}"
        manufacturing = int(division) in range(13, 44)
        scale = Scale.ABOVE if rng.random() < (0.32 if manufacturing else 0.12) else Scale.BELOW
        name = f"佛山市{district.name[:2]}{rng.choice(PREFIXES)}{rng.choice(PREFIXES)}{words[division]}" \
               f"{rng.choice(SUFFIXES)}"
        objects.append(Enterprise(
            uscc=uscc_complete(f"91{district.division_code}MA{number:07d}"), name=name, region=town,
            district=district, industry_code=industry_code, industry_id=division_ids[division], scale=scale,
            registered_on=today - timedelta(days=rng.randint(200, 30 * 365)),
            # A made-up legal representative and mobile, as the register would hold them (for claiming).
            legal_representative=rng.choice("陈李黄梁何罗冯邓") + rng.choice(GIVEN_NAMES),
            legal_representative_mobile=f"139{number:08d}",
        ))
    Enterprise.objects.bulk_create(objects, batch_size=2000)
    return list(Enterprise.objects.filter(pk__gte=start).select_related("industry").order_by("id"))


def _facts(rng, enterprises: list[Enterprise]) -> int:
    """The demo's facts, recorded by the import service (so they have their history: revision 1, one batch)."""
    rows = []

    def add(enterprise, name, value, source):
        rows.append({"uscc": enterprise.uscc, "fact": name, "period": PERIOD, "value": f"{value:.2f}",
                     "source": source})

    for e in enterprises:
        above = e.scale == Scale.ABOVE
        manufacturing = e.industry.section == "C"
        revenue = rng.lognormvariate(18.2 if above else 15.5, 0.9)  # yuan: ~80 million vs ~5 million
        add(e, "revenue", revenue, "市统计局")
        add(e, "tax_paid", revenue * rng.uniform(0.01, 0.05) if rng.random() > 0.03 else 0, "市税务局")
        add(e, "employees", max(3, int(revenue / rng.uniform(3e5, 9e5))), "市人力资源和社会保障局")
        if manufacturing:
            heavy = e.industry.code in ("30", "32", "33", "31")
            add(e, "gas_m3", rng.lognormvariate(12.8 if heavy else 11.8, 0.8) * (1.0 if above else 0.25), "市燃气集团")
            add(e, "electricity_kwh", revenue * rng.uniform(0.01, 0.06), "佛山供电局")
            if above and rng.random() < 0.25:
                add(e, "equipment_investment", rng.lognormvariate(16.2, 1.0), "市工业和信息化局")
        if rng.random() < 0.2:
            add(e, "rd_spending", revenue * rng.uniform(0.01, 0.06), "市科学技术局")
        if rng.random() < 0.15:
            add(e, "digital_investment", rng.lognormvariate(13.2, 0.8), "市工业和信息化局")
    services.facts_import(rows=rows, source="demo")
    return len(rows)


def _policy(author, approver, *, code, name, mode, rule, budget, cap, reference, cap_group=None):
    version = services.policy_create(code=code, name=name, mode=mode, actor=author, rule_text=rule, period=PERIOD,
                                     budget=budget, per_enterprise_cap=cap, legal_reference=reference,
                                     cap_group=cap_group)
    return services.policy_publish(version=version, approver=approver, reviewed_hash=version.terms_hash,
                                   comment="复核通过")


def _showcase_enterprise(power) -> Enterprise:
    """An enterprise offered the electricity subsidy and also the gas one, for the mini-app tour."""
    gas_ids = set(Grant.objects.filter(policy__code="gas-2025").values_list("enterprise_id", flat=True))
    grants = Grant.objects.filter(policy=power.policy).order_by("id")
    both = next((g for g in grants if g.enterprise_id in gas_ids), None) or grants.first()
    return both.enterprise


def _first_batch(rng, version, *, keep_offered: set[int]):
    """Most gas offers confirmed by their enterprises, then approved and paid as one batch."""
    offers = list(Grant.objects.filter(policy=version.policy, state=GrantState.OFFERED).select_related("enterprise"))
    share = min(0.9, FIRST_BATCH / max(1, len(offers)))
    confirmed = [g for g in offers if g.enterprise_id not in keep_offered and rng.random() < share]
    now = timezone.now()
    events = []
    for grant in confirmed:
        # Bulk stand-in for each enterprise's own confirmation (the mini-app uses services.grant_confirm).
        events.append(GrantEvent(grant=grant, from_state=GrantState.OFFERED, to_state=GrantState.CONFIRMED,
                                 detail={"demo": True}))
        grant.state = GrantState.CONFIRMED
        grant.confirmed_at = now - timedelta(seconds=rng.uniform(0.5, 3))
        grant.bank_account_no = f"6222{rng.randint(10**14, 10**15 - 1)}"
        grant.bank_account_name = grant.enterprise.name
    Grant.objects.bulk_update(confirmed, ["state", "confirmed_at", "bank_account_no", "bank_account_name"],
                              batch_size=2000)
    GrantEvent.objects.bulk_create(events, batch_size=5000)
    approved = services.grant_batch_approve(policy=version.policy)
    paid = services.grant_batch_pay(policy=version.policy)
    paid.refused = approved.refused
    return paid


__all__ = ["load"]
