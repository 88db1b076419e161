"""Imports (issue 18, defect 9): every date cell form, a fact twice in a file, industry codes checked as deep
as the reference table goes, and bad files — all refused with the row or the problem named, never a 500."""

import csv
import io
import os
import zipfile
from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from minsheng.org.choices import Role
from minsheng.org.tests.factories import person, region_tree
from minsheng.subsidies import cells, imports, services
from minsheng.subsidies.models import Enterprise, EnterpriseFact, Industry

from .factories import enterprise, new_uscc

pytestmark = pytest.mark.django_db
TOWN = "440604012"  # 祖庙街道


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def officer_client():
    region_tree()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(person(Role.FUNDS_OFFICER))
    return client


def xlsx(header: list, rows: list[list]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client: Client, name: str, data: bytes, kind: str = "facts"):
    return client.post("/subsidies/enterprises/import/",
                       {"kind": kind, "source": "市燃气集团", "file": SimpleUploadedFile(name, data)})


def form_errors(response) -> list[str]:
    form = response.context["form"]
    return [str(e) for errors in form.errors.values() for e in errors]


ENTERPRISE_HEADER = ["uscc", "name", "region", "industry_code", "scale", "registered_on"]


def enterprise_row(registered_on) -> list:
    return [new_uscc(), "佛山市测试企业", TOWN, "3360", "规上", registered_on]


# --- 1. date cells --------------------------------------------------------------------------------

@pytest.mark.parametrize(("cell", "expected"), [
    (date(2015, 6, 30), date(2015, 6, 30)),
    (datetime(2015, 6, 30, 14, 5), date(2015, 6, 30)),
    ("2015-06-30", date(2015, 6, 30)),
    ("2015-06-30 00:00:00", date(2015, 6, 30)),
    ("2015/6/30", date(2015, 6, 30)),
    ("2015.6.30", date(2015, 6, 30)),
    ("2015年6月30日", date(2015, 6, 30)),
    ("２０１５年６月３０日", date(2015, 6, 30)),
    (" 20150630 ", date(2015, 6, 30)),
    (20150630, date(2015, 6, 30)),
    ("2015-02-30", None),
    ("30/06/2015", None),
    ("2015-6/30", None),
    ("yesterday", None),
    ("", None),
    (None, None),
    (42185, None),  # a bare number is a date only as an Excel cell's serial (the reader converts it)
    (True, None),
    (time(10, 0), None),
])
def test_date_cells_are_read_or_refused(cell, expected):
    assert cells.parse_date(cell) == expected


def test_excel_date_cells_of_every_form_are_read(officer_client):
    forms = [date(2015, 6, 30), datetime(2015, 6, 30), datetime(2015, 6, 30, 9, 30), 42185, 42185.0,
             "2015-06-30", "2015/6/30", "2015年6月30日"]
    rows = [enterprise_row(form) for form in forms]
    response = upload(officer_client, "enterprises.xlsx", xlsx(ENTERPRISE_HEADER, rows), kind="enterprises")
    assert response.status_code == 302, form_errors(response)
    assert set(Enterprise.objects.values_list("registered_on", flat=True)) == {date(2015, 6, 30)}
    assert Enterprise.objects.count() == len(forms)


def test_excel_dates_that_cannot_be_read_are_refused_with_their_rows(officer_client):
    rows = [enterprise_row(date(2015, 6, 30)), enterprise_row(datetime(2099, 1, 1)), enterprise_row("2015-02-30"),
            enterprise_row(time(10, 0)), enterprise_row(12), enterprise_row("30/06/2015")]
    response = upload(officer_client, "enterprises.xlsx", xlsx(ENTERPRISE_HEADER, rows), kind="enterprises")
    assert response.status_code == 200
    errors = form_errors(response)
    assert [e.split(":")[0] for e in errors] == ["Row 3", "Row 4", "Row 5", "Row 6", "Row 7"]
    assert "in the future" in errors[0] and "“2015-02-30” is not a date" in errors[1]
    assert not Enterprise.objects.exists()


def test_a_workbook_in_the_1904_date_system_is_read_in_its_own_system(officer_client):
    from openpyxl import Workbook
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    book = Workbook()
    book.epoch = CALENDAR_MAC_1904
    book.active.append(ENTERPRISE_HEADER)
    book.active.append(enterprise_row(42185 - 1462))  # 2015-06-30 counted from 1904-01-01
    buffer = io.BytesIO()
    book.save(buffer)
    response = upload(officer_client, "mac.xlsx", buffer.getvalue(), kind="enterprises")
    assert response.status_code == 302, form_errors(response)
    assert Enterprise.objects.get().registered_on == date(2015, 6, 30)


def test_excel_fact_cells_numbers_and_month_periods_are_read(officer_client):
    e = enterprise()
    data = xlsx(["uscc", "fact", "period", "value"], [
        [e.uscc, "gas_m3", 2025, 0.1 + 0.2],  # Excel shows 15 significant digits: 0.3
        [e.uscc, "electricity_kwh_month", datetime(2025, 10, 1), 1200],  # Excel turns a typed 2025-10 into a date
        [e.uscc, "revenue_quarter", "2025q3", Decimal("10.5")],
    ])
    response = upload(officer_client, "facts.xlsx", data)
    assert response.status_code == 302, form_errors(response)
    facts = {(f.definition.name, f.period): f.value for f in EnterpriseFact.objects.select_related("definition")}
    assert facts == {("gas_m3", "2025"): Decimal("0.30"), ("electricity_kwh_month", "2025-10"): Decimal("1200.00"),
                     ("revenue_quarter", "2025Q3"): Decimal("10.50")}


def test_a_date_cell_where_a_year_or_a_value_belongs_is_refused_with_its_row(officer_client):
    e = enterprise()
    data = xlsx(["uscc", "fact", "period", "value"], [
        [e.uscc, "gas_m3", datetime(2025, 1, 1), 10],
        [e.uscc, "tax_paid", "2025", datetime(2025, 3, 1)],
        [e.uscc, "electricity_kwh_month", datetime(2025, 10, 15), 10],
    ])
    response = upload(officer_client, "facts.xlsx", data)
    assert response.status_code == 200
    assert [m.split(":")[0] for m in form_errors(response)] == ["Row 2", "Row 3", "Row 4"]
    assert not EnterpriseFact.objects.exists()


def test_an_industry_code_cell_that_may_have_lost_its_leading_zero_is_refused(officer_client):
    rows = [[new_uscc(), "甲", TOWN, 3360, "规上", "2015-06-30"], [new_uscc(), "乙", TOWN, 511, "规上", "2015-06-30"],
            [new_uscc(), "丙", TOWN, "511", "规上", "2015-06-30"], [new_uscc(), "丁", TOWN, 5, "规上", "2015-06-30"]]
    response = upload(officer_client, "enterprises.xlsx", xlsx(ENTERPRISE_HEADER, rows), kind="enterprises")
    errors = form_errors(response)
    assert [e.split(":")[0] for e in errors] == ["Row 3", "Row 5"]
    assert "leading zeros" in errors[0] and "leading zeros" in errors[1]


# --- 2. the same fact twice -----------------------------------------------------------------------

def test_the_same_fact_twice_in_a_file_is_refused_naming_both_rows():
    e = enterprise()
    rows = [
        {"uscc": e.uscc, "fact": "gas_m3", "period": "2025", "value": "1000"},
        {"uscc": e.uscc, "fact": "tax_paid", "period": "2025", "value": "5"},
        {"uscc": e.uscc.lower(), "fact": "gas_m3", "period": " 2025", "value": "2000"},
    ]
    with pytest.raises(ValidationError) as caught:
        services.facts_import(rows=rows)
    (error,) = caught.value.message_dict["file"]
    assert error.startswith("Row 4:") and "row 2" in error and "gas_m3" in error
    assert not EnterpriseFact.objects.exists()


def test_the_same_credit_code_twice_in_an_enterprise_file_names_both_rows():
    region_tree()
    uscc = new_uscc()
    rows = [dict(zip(ENTERPRISE_HEADER, [uscc, "甲", TOWN, "3360", "规上", "2015-06-30"], strict=True)),
            dict(zip(ENTERPRISE_HEADER, [uscc, "乙", TOWN, "3360", "规上", "2015-06-30"], strict=True))]
    with pytest.raises(ValidationError) as caught:
        services.enterprises_import(rows=rows)
    (error,) = caught.value.message_dict["file"]
    assert error.startswith("Row 3:") and "row 2" in error


# --- 4. industry codes ----------------------------------------------------------------------------

@pytest.fixture
def metal_groups():
    """Division 33 with group 336 and its class 3360 in the reference table (as a full GB/T 4754 table has)."""
    Industry.objects.create(code="336", name="金属表面处理及热处理加工", level="group", section="C")
    Industry.objects.create(code="3360", name="金属表面处理及热处理加工", level="class", section="C")
    services.reference_data_forget()
    yield
    services.reference_data_forget()


@pytest.mark.parametrize(("code", "field_ok"), [
    ("33", True), ("336", True), ("3360", True),
    ("330", False), ("3369", False), ("3", False), ("33600", False), ("99", False),
    ("3899", True),  # division 38 has no groups in this table: checked down to its division only
])
def test_an_industry_code_must_exist_as_deep_as_the_table_goes(metal_groups, code, field_ok):
    problems = services.enterprise_problems(uscc=new_uscc(), name="x", industry_code=code, scale="规上")
    assert ("industry_code" not in problems) is field_ok, problems


def test_an_unknown_class_is_refused_on_import(metal_groups):
    region_tree()
    row = dict(zip(ENTERPRISE_HEADER, [new_uscc(), "甲", TOWN, "3369", "规上", "2015-06-30"], strict=True))
    with pytest.raises(ValidationError) as caught:
        services.enterprises_import(rows=[row])
    assert "3369" in caught.value.message_dict["file"][0] and "336" in caught.value.message_dict["file"][0]


# --- bad files ------------------------------------------------------------------------------------

def test_a_file_with_the_wrong_columns_names_them(officer_client):
    data = b"credit code,what,when,how much\n91440604MA00000010,gas_m3,2025,1\n"
    response = upload(officer_client, "facts.csv", data)
    assert response.status_code == 200
    (error,) = form_errors(response)
    assert "uscc, fact, period, value" in error


def test_a_header_naming_a_column_twice_is_refused(officer_client):
    response = upload(officer_client, "facts.csv", b"uscc,fact,period,value,value\nx,gas_m3,2025,1,2\n")
    assert response.status_code == 200
    assert "value" in form_errors(response)[0] and "twice" in form_errors(response)[0]


@pytest.mark.parametrize(("name", "data"), [
    ("facts.xlsx", b"\x89PNG\r\n\x1a\n" + os.urandom(2000)),
    ("facts.csv", b"%PDF-1.7\n" + os.urandom(5000)),
    ("facts.csv", os.urandom(10 * 1024 * 1024)),
    ("facts.xlsx", os.urandom(10 * 1024 * 1024)),
    ("facts.csv", b"\0" * (10 * 1024 * 1024)),
    ("facts.csv", b"a" * (10 * 1024 * 1024)),
    ("facts.csv", b"uscc,fact,period,value\n" + b'"' + b"x" * 300_000 + b'"\n'),
    ("facts.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(3000)),
    ("facts.pdf", b"%PDF-1.7\n"),
    ("facts.csv", b""),
])
def test_a_file_that_is_no_table_gives_a_form_error_not_a_500(officer_client, name, data):
    response = upload(officer_client, name, data)
    assert response.status_code == 200
    assert form_errors(response)
    assert not EnterpriseFact.objects.exists()


def _damaged_sheet() -> bytes:
    """A workbook whose container and index are sound but whose sheet breaks off mid-row."""
    good = zipfile.ZipFile(io.BytesIO(xlsx(["uscc", "fact", "period", "value"], [["x", "gas_m3", 2025, 1]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as damaged:
        for item in good.infolist():
            data = good.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: data.index(b"<row") + 40]
            damaged.writestr(item, data)
    return out.getvalue()


def test_a_damaged_sheet_gives_a_form_error_not_a_500(officer_client):
    response = upload(officer_client, "facts.xlsx", _damaged_sheet())
    assert response.status_code == 200
    assert "cannot be read" in form_errors(response)[0]


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(officer_client, monkeypatch):
    monkeypatch.setattr(imports, "MAX_BYTES", 1000)
    response = upload(officer_client, "facts.csv", b"uscc,fact,period,value\n" + b"x,gas_m3,2025,1\n" * 100)
    assert response.status_code == 200
    assert "MB" in form_errors(response)[0]


def test_the_api_upload_refuses_garbage_with_422_not_500(officer_client):
    response = officer_client.post("/api/subsidies/facts/upload",
                                   {"file": SimpleUploadedFile("x.csv", b"a" * 200_000)})
    assert response.status_code == 422


def test_a_good_csv_in_gb18030_is_imported(officer_client):
    e = enterprise()
    text = io.StringIO()
    csv.writer(text).writerows([["uscc", "fact", "period", "value", "source"],
                                [e.uscc, "gas_m3", "2025", "1,200", "燃气"]])
    response = upload(officer_client, "facts.csv", text.getvalue().encode("gb18030"))
    assert response.status_code == 302, form_errors(response)
    assert EnterpriseFact.objects.get().value == Decimal("1200")


def test_the_shipped_industry_table_says_which_levels_it_holds():
    import json

    from minsheng.subsidies import reference

    data = json.loads((reference.FIXTURES / "industries_gbt4754.json").read_text(encoding="utf-8"))
    assert {row["level"] for row in data["industries"]} == set(data["levels"])
    assert set(Industry.objects.values_list("level", flat=True)) == set(data["levels"])


def test_groups_and_classes_in_the_fixture_are_loaded_and_then_checked(monkeypatch):
    from minsheng.subsidies import reference
    from minsheng.subsidies.models import FactDefinition

    shipped = reference.industries()
    monkeypatch.setattr(reference, "industries", lambda: [
        *shipped, {"code": "385", "name": "家用电力器具制造", "level": "group", "section": "C"},
        {"code": "3852", "name": "家用空气调节器制造", "level": "class", "section": "C"}])
    reference.reference_load(Industry, FactDefinition)
    services.reference_data_forget()
    try:
        assert Industry.objects.get(code="3852").level == "class"
        assert services.industry_code_problem("3852") is None
        assert "3859" in services.industry_code_problem("3859")
    finally:
        services.reference_data_forget()
