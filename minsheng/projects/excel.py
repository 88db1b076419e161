"""The one workbook format for a project list: sheets projects, milestones and indicators.

Rows are matched to projects by project code (unique across lists). Reading is defensive: a file
that is not an .xlsx, too large, or a zip bomb is refused with one clear problem; a wrong header
or a bad cell is reported with its sheet, row and column. Nothing here writes to the database:
``services.project_import`` validates references and applies the rows all or nothing.
"""

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from . import xlsx

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 300 * 1024 * 1024
MAX_ROWS_PER_SHEET = 200_000

PROJECTS_SHEET, MILESTONES_SHEET, INDICATORS_SHEET = "projects", "milestones", "indicators"

# (key, header as written in the workbook). Either the key or the header is accepted when reading.
PROJECT_COLUMNS = [
    ("code", gettext_lazy("Project code")), ("title", gettext_lazy("Project title")),
    ("content", pgettext_lazy("project", "Content")), ("category", gettext_lazy("Category")),
    ("source", gettext_lazy("Source")), ("source_reference", gettext_lazy("Source reference")),
    ("lead_unit", pgettext_lazy("project", "Lead unit")), ("co_units", gettext_lazy("Co-units")),
    ("responsible_leader", gettext_lazy("Responsible leader")), ("region", pgettext_lazy("project", "Region")),
    ("start_date", gettext_lazy("Start date")), ("end_date", gettext_lazy("End date")),
    ("status", gettext_lazy("Status")),
]
MILESTONE_COLUMNS = [
    ("project_code", gettext_lazy("Project code")), ("title", gettext_lazy("Milestone")),
    ("due_date", gettext_lazy("Due date")), ("weight", gettext_lazy("Weight")),
    ("done_at", gettext_lazy("Done on")), ("delete", gettext_lazy("Delete this row")),
]
INDICATOR_COLUMNS = [
    ("project_code", gettext_lazy("Project code")), ("name", gettext_lazy("Indicator")),
    ("unit", gettext_lazy("Unit of measure")), ("baseline", gettext_lazy("Baseline")),
    ("target", gettext_lazy("Target")), ("actual", gettext_lazy("Actual")), ("as_of", gettext_lazy("As of")),
    ("weight", gettext_lazy("Weight")), ("completion", gettext_lazy("Completion")),
    ("delete", gettext_lazy("Delete this row")),
]
# Columns the export writes for people to read and the import ignores (they are computed).
COMPUTED_COLUMNS = {"completion"}
# What marks a milestone or indicator row for deletion in the "delete" column: nothing else deletes.
DELETE_MARKS = {"删除", "是", "delete", "yes", "y", "x", "1", "true"}
# Headers as Chinese workbooks wrote them before these columns had the "project" context: the
# merged catalogues gave them the appeals wording (主办单位, 诉求内容, 区域). Still read; the msgids
# sit in a dict so that makemessages does not put them back into the projects catalogue.
FORMER_HEADER_MSGIDS = {"content": "Content", "lead_unit": "Lead unit", "region": "Region"}
SHEETS = {PROJECTS_SHEET: PROJECT_COLUMNS, MILESTONES_SHEET: MILESTONE_COLUMNS, INDICATORS_SHEET: INDICATOR_COLUMNS}
REQUIRED = {
    PROJECTS_SHEET: {"code", "title", "lead_unit", "start_date", "end_date"},
    MILESTONES_SHEET: {"project_code", "title", "due_date"},
    INDICATORS_SHEET: {"project_code", "name", "target"},
}
LIST_SEPARATORS = re.compile(r"[;；,，、\n]+")


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = f"{self.sheet}" + (f" {_('row')} {self.row}" if self.row else "") + (
            f" [{self.column}]" if self.column else "")
        return f"{where}: {self.message}"


@dataclass
class Row:
    number: int
    values: dict


@dataclass
class Workbook:
    rows: dict[str, list[Row]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def _header_map(columns) -> dict[str, str]:
    """Accepted header text → key: the key itself and its header in every language of the site."""
    from django.conf import settings
    from django.utils import translation

    accepted = {}
    for key, header in columns:
        accepted[key.lower()] = key
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                accepted[str(header).strip().lower()] = key
                if key in FORMER_HEADER_MSGIDS:
                    accepted.setdefault(translation.gettext(FORMER_HEADER_MSGIDS[key]).strip().lower(), key)
    return accepted


def _check_container(data: bytes) -> str | None:
    if len(data) > MAX_UPLOAD_BYTES:
        return _("The file is larger than %(mb)d MB.") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)}
    if not data.startswith(b"PK\x03\x04") or not zipfile.is_zipfile(io.BytesIO(data)):
        return _("This is not an Excel workbook (.xlsx). Save the file as .xlsx and try again.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNCOMPRESSED_BYTES:
                return _("The workbook unpacks to more than %(mb)d MB.") % {"mb": MAX_UNCOMPRESSED_BYTES // 2**20}
            if "xl/workbook.xml" not in archive.namelist():
                return _("This is not an Excel workbook (.xlsx). Save the file as .xlsx and try again.")
    except zipfile.BadZipFile:
        return _("This is not an Excel workbook (.xlsx). Save the file as .xlsx and try again.")
    return None


def read_workbook(data: bytes) -> Workbook:
    """Rows of the three sheets as dicts keyed by column key, or the problems that stop reading."""
    from openpyxl import load_workbook

    result = Workbook()
    problem = _check_container(data)
    if problem:
        result.problems.append(Problem("", None, "", problem))
        return result
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # any unreadable workbook gets the same answer
        result.problems.append(Problem("", None, "", _("The workbook cannot be read; it may be damaged.")))
        return result
    try:
        names = {name.strip().lower(): name for name in book.sheetnames}
        if PROJECTS_SHEET not in names:
            result.problems.append(Problem(PROJECTS_SHEET, None, "", _("The sheet “%(sheet)s” is missing.")
                                           % {"sheet": PROJECTS_SHEET}))
            return result
        for sheet, columns in SHEETS.items():
            result.rows[sheet] = []
            if sheet not in names:
                continue
            _read_sheet(book[names[sheet]], sheet, columns, result)
    except Exception:  # a damaged sheet inside a valid container
        result.problems.append(Problem("", None, "", _("The workbook cannot be read; it may be damaged.")))
    finally:
        book.close()
    return result


def _read_sheet(worksheet, sheet: str, columns, result: Workbook) -> None:
    accepted = _header_map(columns)
    rows = worksheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        return
    keys: list[str | None] = []
    for text in header:
        if text is None or str(text).strip() == "":
            keys.append(None)
            continue
        key = accepted.get(str(text).strip().lower())
        if key is None:
            result.problems.append(Problem(sheet, 1, str(text), _("Unknown column “%(column)s”.") % {"column": text}))
        elif key in keys:
            result.problems.append(Problem(sheet, 1, str(text), _("The column “%(column)s” appears twice.")
                                           % {"column": text}))
            key = None
        keys.append(key)
    _refuse_merged_and_uncalculated(worksheet, sheet, keys, result)
    missing = REQUIRED[sheet] - set(keys)
    for key in sorted(missing):
        header_text = dict(columns)[key]
        result.problems.append(Problem(sheet, 1, str(header_text), _("The required column “%(column)s” is missing.")
                                       % {"column": header_text}))
    if missing:
        return
    for number, values in enumerate(rows, start=2):
        if number > MAX_ROWS_PER_SHEET + 1:
            result.problems.append(Problem(sheet, number, "", _("Too many rows (at most %(n)d).")
                                           % {"n": MAX_ROWS_PER_SHEET}))
            return
        if values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        result.rows[sheet].append(Row(number, {key: value for key, value in zip(keys, values, strict=False)
                                               if key is not None}))


SPREADSHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
FORMULA_OR_MERGE = re.compile(rb"<(?:\w+:)?(?:f|mergeCell)[\s>/]")
CELL_REF = re.compile(r"([A-Z]+)(\d+)")


def _refuse_merged_and_uncalculated(worksheet, sheet: str, keys: list, result: Workbook) -> None:
    """Merged cells and formulas without a calculated value are problems, not silently empty cells.

    openpyxl reads a merged range's value into its first cell only, so rows 2–3 of a category merged
    over three rows would import with no category; a formula written by a program that does not
    calculate (and so stores no value) reads as empty. Both are refused with where they are. The sheet's
    XML is parsed a second time only when it holds a formula or a merge at all.
    """
    from openpyxl.utils import column_index_from_string
    from openpyxl.xml.functions import iterparse  # the parser openpyxl itself read this XML with

    try:
        with worksheet._get_source() as source:  # read-only worksheets expose their XML part this way
            raw = source.read()
    except Exception:  # not a read-only worksheet: nothing more to check
        return
    if not FORMULA_OR_MERGE.search(raw):
        return

    def column_name(letters: str) -> str:
        index = column_index_from_string(letters) - 1
        key = keys[index] if index < len(keys) else None
        return key or letters

    for _event, element in iterparse(io.BytesIO(raw)):
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "mergeCell":
            ref = element.get("ref", "")
            first = CELL_REF.match(ref.split(":")[0])
            row = int(first.group(2)) if first else None
            result.problems.append(Problem(sheet, row, column_name(first.group(1)) if first else "", _(
                "The cells %(range)s are merged. Unmerge them and write the value in every row it applies to.")
                % {"range": ref}))
        elif tag == "c":
            formula = element.find(f"{SPREADSHEET_NS}f")
            value = element.find(f"{SPREADSHEET_NS}v")
            if formula is not None and (value is None or not (value.text or "").strip()) \
                    and element.get("t") != "inlineStr":
                ref = CELL_REF.match(element.get("r", ""))
                if ref:
                    result.problems.append(Problem(sheet, int(ref.group(2)), column_name(ref.group(1)), _(
                        "The cell %(cell)s holds a formula that was never calculated, so it has no value. Open the "
                        "file in Excel or WPS and save it again, or type the value instead of the formula.")
                        % {"cell": element.get("r")}))
            element.clear()


# --- cell parsing: each returns (value, problem message or None) ---------------------------------
def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")


def cell_date(value) -> tuple[dt.date | None, str | None]:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    text = str(value).strip()
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date(), None
        except ValueError:
            continue
    return None, _("“%(value)s” is not a date (write 2026-06-30).") % {"value": text[:40]}


def cell_decimal(value) -> tuple[Decimal | None, str | None]:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if isinstance(value, bool):
        return None, _("“%(value)s” is not a number.") % {"value": value}
    text = value.replace(",", "").strip() if isinstance(value, str) else repr(value) if isinstance(value, float) \
        else str(value)
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError, TypeError):
        return None, _("“%(value)s” is not a number.") % {"value": str(value)[:40]}
    if not number.is_finite() or abs(number) >= Decimal("1e14"):
        return None, _("“%(value)s” is not a usable number.") % {"value": str(value)[:40]}
    return number.quantize(Decimal("0.01")), None


def cell_weight(value) -> tuple[int | None, str | None]:
    number, problem = cell_decimal(value)
    if problem:
        return None, problem
    if number is None:
        return 1, None
    if number != number.to_integral_value() or number <= 0:
        return None, _("The weight must be a positive whole number, not “%(value)s”.") % {"value": value}
    return int(number), None


def cell_delete_mark(value) -> tuple[bool, str | None]:
    """Whether the row is marked for deletion: empty = keep; one of ``DELETE_MARKS`` = delete."""
    if value is None or value is False or (isinstance(value, str) and not value.strip()):
        return False, None
    if value is True or cell_text(value).lower() in DELETE_MARKS:
        return True, None
    return False, _("Write “删除” in this column to delete the row, or leave it empty (not “%(value)s”).") % {
        "value": cell_text(value)[:40]}


def split_list(value) -> list[str]:
    return [part.strip() for part in LIST_SEPARATORS.split(cell_text(value)) if part.strip()]


# --- writing ---------------------------------------------------------------------------------------
def write_workbook(projects: list[dict], milestones: list[dict], indicators: list[dict]) -> bytes:
    """An .xlsx with the three sheets; each dict is keyed by column key (values already plain)."""
    return xlsx.workbook_bytes([(sheet, _sheet_rows(columns, rows)) for sheet, columns, rows in (
        (PROJECTS_SHEET, PROJECT_COLUMNS, projects), (MILESTONES_SHEET, MILESTONE_COLUMNS, milestones),
        (INDICATORS_SHEET, INDICATOR_COLUMNS, indicators))])


def _sheet_rows(columns, rows: list[dict]):
    """The header, then each dict's values in column order (a missing key is an empty cell)."""
    yield [str(header) for _key, header in columns]
    keys = [key for key, _header in columns]
    for row in rows:
        yield [row.get(key) for key in keys]
