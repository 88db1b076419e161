"""Reading an uploaded CSV or Excel sheet into rows (dicts keyed by the header); no validation here.

Whatever the upload holds — a damaged workbook, a PDF, 10 MB of noise — the answer is rows or a
ValidationError on ``file`` that says what is wrong, never another exception (a page shows it on the
form, the API as a 422). What cells mean is ``cells.py``'s and the services' business, with one
exception that only this module can settle: a number in a date column of an Excel sheet is the
cell's serial number in the workbook's own date system (1900 or 1904), read here as the date.
"""

import csv
import io
import zipfile

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_ROWS = 200_000
MAX_BYTES = 40 * 1024 * 1024  # 200,000 rows of enterprises with Chinese names come to about 25 MB as CSV
# A workbook is a zip: what its parts come to once inflated (a few kilobytes can inflate to gigabytes).
MAX_INFLATED_BYTES = 400 * 1024 * 1024
# The columns that hold dates in any import (see services.enterprises_import).
DATE_COLUMNS = frozenset({"registered_on"})

_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of the old binary .xls format


def _refused(message: str) -> ValidationError:
    return ValidationError({"file": [message]})


def rows_from_upload(upload) -> list[dict]:
    name = (getattr(upload, "name", "") or "").lower()
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise _refused(_("The file is larger than %(mb)s MB: split it into several files.")
                       % {"mb": MAX_BYTES // (1024 * 1024)})
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _refused(_("The file is larger than %(mb)s MB: split it into several files.")
                       % {"mb": MAX_BYTES // (1024 * 1024)})
    if data.startswith(_OLE2) or name.endswith(".xls"):
        raise _refused(_("This is an old Excel file (.xls): save it as .xlsx or as CSV and upload it again."))
    if name.endswith(".xlsx") or data.startswith(_ZIP):
        return _rows_from_excel(data)
    if name.endswith(".csv") or name.endswith(".txt"):
        return _rows_from_csv(data)
    raise _refused(_("Upload a .csv or .xlsx file."))


def _header(cells) -> list[str]:
    header = [str(cell or "").strip().lower() for cell in cells]
    named = [column for column in header if column]
    if twice := sorted({column for column in named if named.count(column) > 1}):
        raise _refused(_("The first row names the column %(columns)s twice.") % {"columns": ", ".join(twice)})
    return header


def _rows_from_csv(data: bytes) -> list[dict]:
    if not data.strip():
        raise _refused(_("The file is empty."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise _refused(_("The file is neither UTF-8 nor GB18030 text.")) from exc
    if "\0" in text:
        raise _refused(_("The file is not a CSV table: it holds binary data."))
    reader = csv.reader(io.StringIO(text))
    rows = []
    try:
        header = _header(next(reader, []))
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append(dict(zip(header, row, strict=False)))
                if len(rows) > MAX_ROWS:
                    break
    except csv.Error as exc:
        raise _refused(_("The file is not a CSV table (line %(line)s: %(problem)s).")
                       % {"line": reader.line_num, "problem": exc}) from exc
    return _limited(rows)


def _inflated_size(data: bytes) -> int:
    try:
        return sum(item.file_size for item in zipfile.ZipFile(io.BytesIO(data)).infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise _refused(_("The Excel file cannot be read.")) from exc


def _rows_from_excel(data: bytes) -> list[dict]:
    from openpyxl import load_workbook
    from openpyxl.utils.datetime import from_excel

    if _inflated_size(data) > MAX_INFLATED_BYTES:
        raise _refused(_("The Excel file is too large once unpacked: split it into several files."))
    rows = []
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.active
        if sheet is None:
            raise _refused(_("The Excel file has no worksheet."))
        lines = sheet.iter_rows(values_only=True)
        header = _header(next(lines, []))
        dates = [index for index, column in enumerate(header) if column in DATE_COLUMNS]
        for line in lines:
            if not any(c not in (None, "") for c in line):
                continue
            cells = ["" if c is None else c for c in line]
            for index in dates:
                if index < len(cells) and _is_serial(cells[index]):
                    cells[index] = from_excel(cells[index], book.epoch).date()
            rows.append(dict(zip(header, cells, strict=False)))
            if len(rows) > MAX_ROWS:
                break
        book.close()
    except ValidationError:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a damaged file, and does so lazily, row by row
        raise _refused(_("The Excel file cannot be read.")) from exc
    return _limited(rows)


def _is_serial(value) -> bool:
    """An Excel date serial number: from 61 (1900-03-01, past the 1900 leap-year bug) to 2958465 (9999-12-31).
    An eight-digit number such as 20150630 is not one; cells.parse_date reads it."""
    return isinstance(value, int | float) and not isinstance(value, bool) and 61 <= value <= 2958465


def _limited(rows: list[dict]) -> list[dict]:
    if not rows:
        raise _refused(_("The file has no rows under its header."))
    if len(rows) > MAX_ROWS:
        raise _refused(_("At most %(n)s rows per file.") % {"n": MAX_ROWS})
    return rows

