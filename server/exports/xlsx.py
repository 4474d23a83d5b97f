"""The XLSX export: one sheet per table (repeats linked by PARENT_KEY/KEY), cells typed (numbers
as numbers, dates as dates), codes or choice labels in a chosen language. xlsxwriter's
constant-memory mode writes row by row to a temporary file, so memory stays flat. No cell is a
formula: every text (headers and labels too) is written by `_text`, neutralised as in CSV."""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import xlsxwriter
from sqlalchemy.engine import Connection

from converters.cells import neutralise
from converters.export_labels import answer_label, column_label
from converters.export_model import ExportColumn
from converters.form_model import ChoiceList
from storage.exports.csv_queries import CsvTable, stream_rows

MAX_SHEET_NAME = 31
MAX_SHEET_ROWS = 1_048_575  # Excel's 1,048,576 rows, less the header
_SYSTEM_NUMBERS = {"SubmitterID", "AttachmentsPresent", "AttachmentsExpected", "Edits"}
EXACT_DIGITS = 10**15  # Excel keeps 15 significant digits
# What a numeric cell may hold to be written as a number: Python's int() and float() also take
# "1_000", " 7 ", "nan" and "inf" (which xlsxwriter refuses), so they only see this.
_NUMBER = re.compile(r"^[+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$")


def write_xlsx(
    path: Path,
    connection: Connection,
    tables: Sequence[CsvTable],
    choice_lists: Mapping[str, ChoiceList],
    *,
    language: str | None,
    labels: bool,
    sheet_rows: int = MAX_SHEET_ROWS,
) -> None:
    """A table with more rows than a sheet holds continues on sheets named `name~2`, `~3`..."""
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            # Only a sheet over 4 GB (a million rows and more) is stored with ZIP64 extensions;
            # without the option such a workbook fails at the very end.
            "use_zip64": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    styles = {
        "header": workbook.add_format({"bold": True}),
        "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
        "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
    }
    used: set[str] = set()
    try:
        for table in tables:
            name = table.file_name.removesuffix(".csv")
            headers = [
                column_label(c, choice_lists, language) if labels else c.header
                for c in table.columns
            ]
            writers = [
                _writer(column, choice_lists, language, labels, styles) for column in table.columns
            ]
            sheet, row_number = _new_sheet(workbook, name, used, headers, styles), 0
            for row in stream_rows(connection, table.statement):
                if row_number == sheet_rows:
                    sheet, row_number = _new_sheet(workbook, name, used, headers, styles), 0
                row_number += 1
                for column_number, (write, value) in enumerate(zip(writers, row, strict=True)):
                    if value is not None and value != "":
                        write(sheet, row_number, column_number, value)
    except BaseException:
        with contextlib.suppress(Exception):  # the failure is what matters, not the file
            workbook.close()  # closes each sheet's temporary file
        raise
    workbook.close()


def _new_sheet(
    workbook: Any, name: str, used: set[str], headers: list[str], styles: dict[str, Any]
) -> Any:
    sheet = workbook.add_worksheet(_sheet_name(name, used))
    for column, header in enumerate(headers):
        _text(sheet, 0, column, header, styles["header"])
    sheet.freeze_panes(1, 0)
    return sheet


def _text(sheet: Any, row: int, column: int, value: object, style: Any = None) -> None:
    """The one way a text reaches a sheet: neutralised as in CSV, so that a cell that is edited,
    or the sheet saved as CSV, never becomes a formula."""
    sheet.write_string(row, column, neutralise(str(value)) or "", style)


Writer = Callable[[Any, int, int, Any], None]


def _writer(
    column: ExportColumn,
    choice_lists: Mapping[str, ChoiceList],
    language: str | None,
    labels: bool,
    styles: dict[str, Any],
) -> Writer:
    kind = column.kind
    if kind in ("integer", "flag") or (kind == "system" and column.header in _SYSTEM_NUMBERS):
        return _typed(_integer, None)
    if kind in ("decimal", "coordinate"):
        return _typed(lambda text: _finite(float(_number(text))), None)
    if kind == "date":
        return _typed(lambda text: date.fromisoformat(str(text)[:10]), styles["date"])
    if kind == "datetime" or (kind == "system" and column.header == "SubmissionDate"):
        # The clock time the device recorded (Excel has no time zones); the offset stays in
        # the CSV export and in OData.
        return _typed(
            lambda text: datetime.fromisoformat(str(text)).replace(tzinfo=None), styles["datetime"]
        )
    field = column.field
    if (
        labels
        and field is not None
        and column.choice is None
        and field.kind in ("select_one", "select_multiple", "rank")
    ):
        return lambda sheet, r, c, value: _text(
            sheet, r, c, answer_label(field, str(value), choice_lists, language)
        )
    return _text


def _typed(convert: Callable[[Any], Any], style: Any) -> Writer:
    def write(sheet: Any, row: int, column: int, value: Any) -> None:
        try:
            converted = convert(value)
        except ValueError:  # a widened column may hold text from an older form version
            _text(sheet, row, column, value)
            return
        if isinstance(converted, date):
            sheet.write_datetime(row, column, converted, style)
        else:
            sheet.write_number(row, column, converted)

    return write


def _number(value: object) -> str:
    text = str(value)
    if not _NUMBER.match(text):
        raise ValueError(f"not a plain number: {text!r}")
    return text


def _integer(value: object) -> int:
    number = int(_number(value))
    if abs(number) >= EXACT_DIGITS:  # as text, every digit stays
        raise ValueError("too long for a number cell")
    return number


def _finite(number: float) -> float:
    if not math.isfinite(number):  # "1e999"
        raise ValueError("not a finite number")
    return number


def _sheet_name(name: str, used: set[str]) -> str:
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in name)[:MAX_SHEET_NAME]
    candidate, number = cleaned, 2
    while candidate.lower() in used:
        suffix = f"~{number}"
        candidate = cleaned[: MAX_SHEET_NAME - len(suffix)] + suffix
        number += 1
    used.add(candidate.lower())
    return candidate
