"""Reading an uploaded CSV or Excel sheet into rows (dicts keyed by the header); no validation here."""

import csv
import io

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_ROWS = 200_000


def rows_from_upload(upload) -> list[dict]:
    name = (getattr(upload, "name", "") or "").lower()
    data = upload.read()
    if name.endswith(".xlsx"):
        return _rows_from_excel(data)
    if name.endswith(".csv") or name.endswith(".txt"):
        return _rows_from_csv(data)
    raise ValidationError({"file": [_("Upload a .csv or .xlsx file.")]})


def _header(cells) -> list[str]:
    return [str(cell or "").strip().lower() for cell in cells]


def _rows_from_csv(data: bytes) -> list[dict]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise ValidationError({"file": [_("The file is neither UTF-8 nor GB18030 text.")]}) from exc
    reader = csv.reader(io.StringIO(text))
    header = _header(next(reader, []))
    rows = [dict(zip(header, row, strict=False)) for row in reader if any(cell.strip() for cell in row)]
    return _limited(rows)


def _rows_from_excel(data: bytes) -> list[dict]:
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ValidationError({"file": [_("The Excel file cannot be read.")]}) from exc
    lines = sheet.iter_rows(values_only=True)
    header = _header(next(lines, []))
    rows = [dict(zip(header, ["" if c is None else c for c in row], strict=False))
            for row in lines if any(c not in (None, "") for c in row)]
    return _limited(rows)


def _limited(rows: list[dict]) -> list[dict]:
    if not rows:
        raise ValidationError({"file": [_("The file has no rows under its header.")]})
    if len(rows) > MAX_ROWS:
        raise ValidationError({"file": [_("At most %(n)s rows per file.") % {"n": MAX_ROWS}]})
    return rows
