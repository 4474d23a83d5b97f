"""Helpers that write XLSForms inline as markdown (pyxform reads .md), the way pyxform's own
tests do, and turn them into XForms or xlsx/xls bytes."""

from __future__ import annotations

import io

import openpyxl
import xlwt

from converters.form_model import FormSchema
from converters.xform_schema import parse_xform
from converters.xlsform import compile_form


def md_form(
    survey: str,
    *,
    form_id: str = "t",
    version: str = "1",
    choices: str = "",
    extra: str = "",
    settings: str | None = None,
) -> bytes:
    """A markdown XLSForm: `survey` and `choices` are the sheet rows (header first)."""
    text = "| survey |\n" + _rows(survey)
    if choices:
        text += "| choices |\n" + _rows(choices)
    if settings is None:
        settings = f"form_id | version\n{form_id} | {version}"
    if settings:
        text += "| settings |\n" + _rows(settings)
    return (text + extra).encode("utf-8")


def _rows(block: str) -> str:
    lines = [line.strip() for line in block.strip().splitlines() if line.strip()]
    return "".join(f"| | {line.strip('|').strip()} |\n" for line in lines)


def schema_of(survey: str, **kwargs: str) -> FormSchema:
    compiled = compile_form(md_form(survey, **kwargs), ".md")
    return parse_xform(compiled.xform.encode())


def workbook_bytes(sheets: dict[str, list[list[object]]], file_type: str = ".xlsx") -> bytes:
    """An .xlsx (openpyxl) or .xls (xlwt) workbook with the given sheets and rows."""
    buffer = io.BytesIO()
    if file_type == ".xls":
        book = xlwt.Workbook()
        for name, rows in sheets.items():
            sheet = book.add_sheet(name)
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    sheet.write(r, c, value)
        book.save(buffer)
    else:
        workbook = openpyxl.Workbook()
        workbook.remove(workbook.active)
        for name, rows in sheets.items():
            sheet = workbook.create_sheet(name)
            for row in rows:
                sheet.append(row)
        workbook.save(buffer)
    return buffer.getvalue()
