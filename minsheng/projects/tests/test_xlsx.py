"""The streaming .xlsx writer: openpyxl reads back exactly what openpyxl itself would have written."""

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

from minsheng.projects import xlsx

ROWS = [
    ["项目编号", "Project title", "内容", "日期", "金额", "权重"],
    ["2026-SZ-101", "黑臭水体整治（第1号）", "整治 & 提升 <城区> \"重点\" 'ok'", dt.date(2026, 6, 30),
     Decimal("1234.50"), 3],
    ["2026-SZ-102", "  leading and trailing  ", "第一行\n第二行\r\n第三行\ttab", dt.date(1900, 1, 1),
     Decimal("100.00"), 0],
    ["2026-SZ-103", None, "", dt.date(1900, 3, 1), 0.1, -7],
    ["2026-SZ-104", "emoji 😀 and ✓", None, dt.date(1900, 2, 28), Decimal("-99999999999999.99"), 10**12],
    ["only-one-cell"],
    [],
    [None, None, "after two empty cells", None, None, Decimal("0.01")],
]


def read(data: bytes) -> dict[str, list[tuple]]:
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        return {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}
    finally:
        book.close()


def openpyxl_bytes(sheets) -> bytes:
    book = Workbook(write_only=True)
    for name, rows in sheets:
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_openpyxl_reads_what_it_would_have_written_itself():
    sheets = [("projects", ROWS), ("milestones", ROWS[:3]), ("indicators", [])]
    assert read(xlsx.workbook_bytes(sheets)) == read(openpyxl_bytes(sheets))


def test_values_come_back_as_written():
    rows = read(xlsx.workbook_bytes([("projects", ROWS)]))["projects"]
    assert rows[1] == ("2026-SZ-101", "黑臭水体整治（第1号）", "整治 & 提升 <城区> \"重点\" 'ok'",
                       dt.datetime(2026, 6, 30), 1234.5, 3)
    assert rows[2][1:4] == ("  leading and trailing  ", "第一行\n第二行\r\n第三行\ttab", dt.datetime(1900, 1, 1))
    assert rows[3][1:3] == (None, None)
    assert rows[4][1] == "emoji 😀 and ✓"
    assert rows[7] == (None, None, "after two empty cells", None, None, 0.01)


def test_dates_carry_the_date_format_in_a_full_read():
    book = load_workbook(io.BytesIO(xlsx.workbook_bytes([("s", [[dt.date(2026, 6, 30), 5]])])))
    assert book["s"]["A1"].number_format == "yyyy-mm-dd"
    assert book["s"]["A1"].value == dt.datetime(2026, 6, 30)
    assert book["s"]["B1"].number_format == "General"


def test_characters_xml_cannot_carry_are_dropped():
    data = xlsx.workbook_bytes([("s", [["a\x00b\x01c\x0bd\x1fe\ufffef\ud800g"]])])
    assert read(data)["s"] == [("abcdefg",)]


def test_sheets_keep_their_order_and_names():
    data = xlsx.workbook_bytes([("projects", [["a"]]), ("milestones", []), ("指标", [["b"]])])
    assert list(read(data)) == ["projects", "milestones", "指标"]


def test_sheet_names_are_made_acceptable_to_excel():
    assert xlsx.sheet_name("a/b:c*d?e[f]g\\h") == "a_b_c_d_e_f_g_h"
    assert xlsx.sheet_name("x" * 40) == "x" * 31
    assert xlsx.sheet_name("") == "Sheet"


def test_many_rows_span_several_chunks():
    rows = [[f"项目{n}", n] for n in range(xlsx.ROWS_PER_CHUNK * 2 + 1)]
    assert read(xlsx.workbook_bytes([("s", rows)]))["s"] == [tuple(row) for row in rows]


def test_non_finite_numbers_are_left_empty():
    rows = read(xlsx.workbook_bytes([("s", [[1, float("nan"), Decimal("Infinity"), 2]])]))["s"]
    assert rows == [(1, None, None, 2)]


def test_subclasses_of_plain_values_are_written_as_their_plain_value():
    class Code(str):
        pass

    class Weight(int):
        pass

    assert read(xlsx.workbook_bytes([("s", [[Code("in_progress"), Weight(3)]])]))["s"] == [("in_progress", 3)]


@pytest.mark.parametrize("value", [dt.datetime(2026, 6, 30, 12, 0), True, dt.time(9, 0), b"bytes", object()])
def test_values_that_are_not_text_numbers_or_dates_are_refused(value):
    with pytest.raises(TypeError):
        xlsx.workbook_bytes([("s", [[value]])])


def test_excel_serial_agrees_with_openpyxl_including_the_1900_leap_day():
    day = dt.date(1899, 12, 1)
    while day < dt.date(1901, 1, 1):
        assert xlsx.excel_serial(day) == to_excel(day), day
        day += dt.timedelta(days=1)
    for day in (dt.date(2026, 6, 30), dt.date(9999, 12, 31)):
        assert xlsx.excel_serial(day) == to_excel(day)


def test_column_letters_agree_with_openpyxl():
    for index in (0, 1, 25, 26, 27, 51, 52, 701, 702, 16383):
        assert xlsx.column_letter(index) == get_column_letter(index + 1)


def test_the_file_holds_the_parts_of_a_workbook():
    with zipfile.ZipFile(io.BytesIO(xlsx.workbook_bytes([("a", [["x"]]), ("b", [])]))) as archive:
        assert set(archive.namelist()) == {
            "[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
            "xl/styles.xml", "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"}
        assert archive.testzip() is None


def test_the_project_workbook_reads_as_openpyxl_wrote_it():
    from minsheng.projects import excel
    from minsheng.projects.choices import ProjectSource, ProjectStatus

    projects = [{"code": "2026-SZ-101", "title": "黑臭水体整治 & <提升>", "content": "第一行\n第二行",
                 "source": ProjectSource.UNIT_PLAN, "lead_unit": "FS-ZJJ", "co_units": "FS-ZRJ；FS-JYJ",
                 "start_date": dt.date(2026, 1, 1), "end_date": dt.date(2026, 12, 31),
                 "status": ProjectStatus.IN_PROGRESS},
                {"code": "2026-SZ-102", "title": " 空格 ", "category": None, "region": "440604",
                 "start_date": dt.date(2026, 2, 1), "end_date": dt.date(2026, 3, 1)}]
    milestones = [{"project_code": "2026-SZ-101", "title": "完成排查", "due_date": dt.date(2026, 3, 31), "weight": 1,
                   "done_at": dt.date(2026, 3, 30)},
                  {"project_code": "2026-SZ-101", "title": "完成整治", "due_date": dt.date(2026, 11, 30), "weight": 3}]
    indicators = [{"project_code": "2026-SZ-101", "name": "整治水体", "unit": "条", "baseline": Decimal("0.00"),
                   "target": Decimal("12.00"), "actual": Decimal("3.50"), "as_of": dt.date(2026, 5, 1), "weight": 2},
                  {"project_code": "2026-SZ-102", "name": "受益人口", "unit": "人", "baseline": Decimal("0.00"),
                   "target": Decimal("99999999999999.99"), "actual": None, "as_of": None, "weight": 1}]
    reference = []
    for name, columns, rows in ((excel.PROJECTS_SHEET, excel.PROJECT_COLUMNS, projects),
                                (excel.MILESTONES_SHEET, excel.MILESTONE_COLUMNS, milestones),
                                (excel.INDICATORS_SHEET, excel.INDICATOR_COLUMNS, indicators)):
        keys = [key for key, _header in columns]
        reference.append((name, [[str(header) for _key, header in columns], *[[row.get(k) for k in keys]
                                                                              for row in rows]]))
    written = excel.write_workbook(projects, milestones, indicators)
    assert read(written) == read(openpyxl_bytes(reference))
    assert excel.read_workbook(written) == excel.read_workbook(openpyxl_bytes(reference))
