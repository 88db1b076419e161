"""Reference data the app ships with: GB/T 4754-2017 industries and the registry of fact kinds.

Loaded by a data migration, so every database (tests included) has them; pure data, no models.
"""

import json
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"

# (name, label, unit, period kind, is money, usual source department)
FACT_DEFINITIONS = [
    ("tax_paid", "纳税额", "元", "year", True, "市税务局"),
    ("revenue", "营业收入", "元", "year", True, "市统计局"),
    ("output_value", "工业总产值", "元", "year", True, "市统计局"),
    ("gas_m3", "天然气用量", "立方米", "year", False, "市燃气集团"),
    ("electricity_kwh", "用电量", "千瓦时", "year", False, "佛山供电局"),
    ("electricity_kwh_month", "月用电量", "千瓦时", "month", False, "佛山供电局"),
    ("employees", "从业人员", "人", "year", False, "市人力资源和社会保障局"),
    ("rd_spending", "研发投入", "元", "year", True, "市科学技术局"),
    ("equipment_investment", "设备投资额", "元", "year", True, "市工业和信息化局"),
    ("digital_investment", "数字化改造投入", "元", "year", True, "市工业和信息化局"),
    ("revenue_quarter", "季度营业收入", "元", "quarter", True, "市统计局"),
]


def industries() -> list[dict]:
    data = json.loads((FIXTURES / "industries_gbt4754.json").read_text(encoding="utf-8"))
    return data["industries"]


def reference_load(industry_model, fact_definition_model) -> None:
    """Create or refresh the industries and fact kinds (idempotent); takes the model classes so a
    migration can pass its historical models."""
    for row in industries():
        industry_model.objects.update_or_create(
            code=row["code"], defaults={"name": row["name"], "level": row["level"], "section": row["section"]}
        )
    for name, label, unit, period_kind, is_money, source in FACT_DEFINITIONS:
        fact_definition_model.objects.update_or_create(
            name=name, defaults={"label": label, "unit": unit, "period_kind": period_kind,
                                 "is_money": is_money, "source_department": source},
        )
