"""Build each XLSForm Baobab ships, forms/<form_id>.xlsx, from its source: one CSV per sheet in
forms/<form_id>/ (survey.csv, choices.csv, settings.csv, entities.csv; forms/README.md says why).

Run `make forms`, or `.venv/bin/python scripts/build_forms.py [--validate]`. Every CSV cell becomes
the same cell in the workbook (an empty one stays empty; only the `score` column holds numbers);
the styles come from the column names. The output is byte-identical on every run.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import sys
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

FORMS_DIR = Path(__file__).resolve().parent.parent / "forms"
SHEETS = ("survey", "choices", "settings", "entities")  # in the workbook's order
NUMERIC_COLUMNS = {"score"}  # cells written as numbers (as a spreadsheet types them); others text
WIDE = {"label", "hint", "constraint_message", "calculation", "relevant", "constraint"}
NARROW = {"type", "name", "list_name"}
FIXED_DATE = datetime.datetime(2026, 11, 23, 0, 0, 0)

Cell = str | int | float | None


def form_sources(forms_dir: Path = FORMS_DIR) -> list[Path]:
    """The source folder of every shipped form: those holding a survey.csv."""
    return sorted(path.parent for path in forms_dir.glob("*/survey.csv"))


def read_sheet(path: Path) -> list[list[Cell]]:
    # utf-8-sig: a spreadsheet program may add a byte-order mark when it saves the file.
    with path.open(encoding="utf-8-sig", newline="") as file:
        header, *body = csv.reader(file)
    numeric = [name in NUMERIC_COLUMNS for name in header]
    rows: list[list[Cell]] = [list(header)]
    for line, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise ValueError(f"{path}, row {line}: {len(row)} cells, the header has {len(header)}")
        rows.append([_cell(text, is_number) for text, is_number in zip(row, numeric, strict=True)])
    return rows


def _cell(text: str, is_number: bool) -> Cell:
    if not text:
        return None
    if is_number:
        return float(text) if "." in text else int(text)
    return text


def add_sheet(wb: Workbook, title: str, rows: list[list[Cell]]) -> None:
    ws = wb.create_sheet(title)
    for cells in rows:
        ws.append(cells)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    for index, column in enumerate(rows[0], start=1):
        base = str(column).split("::")[0]
        width = 60 if base in WIDE else 30 if base in NARROW else 16
        ws.column_dimensions[get_column_letter(index)].width = width
        if base in WIDE:
            for row in ws.iter_rows(min_row=2, min_col=index, max_col=index):
                row[0].alignment = Alignment(wrap_text=True, vertical="top")


def build_workbook(source: Path) -> bytes:
    """The .xlsx bytes of the form whose sheets are the CSV files in `source`."""
    sheets = {name: read_sheet(source / f"{name}.csv") for name in SHEETS}
    header, values = sheets["settings"]
    settings = dict(zip(header, values, strict=True))
    if settings.get("form_id") != source.name or not settings.get("version"):
        raise ValueError(f"{source}: settings.csv needs form_id {source.name!r} and a version")
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        add_sheet(wb, name, rows)
    wb.properties.creator = "Baobab scripts/build_forms.py"
    wb.properties.title = str(settings["form_title"])
    wb.properties.created = FIXED_DATE
    wb.properties.modified = FIXED_DATE
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()  # unlike wb.save(), keeps our `modified` date
    # Re-pack with fixed member timestamps so the bytes are the same on every run.
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=FIXED_DATE.timetuple()[:6])
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            dst.writestr(member, src.read(info.filename))
    return out.getvalue()


def build_forms(forms_dir: Path = FORMS_DIR, out_dir: Path = FORMS_DIR) -> list[Path]:
    """Write `<form_id>.xlsx` into `out_dir` for every source folder in `forms_dir`."""
    written = []
    for source in form_sources(forms_dir):
        path = out_dir / f"{source.name}.xlsx"
        path.write_bytes(build_workbook(source))
        written.append(path)
    return written


def validate(path: Path) -> list[str]:
    from pyxform.xls2xform import convert  # imported late: building needs only openpyxl

    return list(convert(str(path), validate=True).warnings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--validate", action="store_true", help="also convert with pyxform and run ODK Validate"
    )
    args = parser.parse_args(argv)
    for path in build_forms():
        print(f"wrote {path.relative_to(FORMS_DIR.parent)}")
        if args.validate:
            for warning in validate(path):
                print(f"  warning: {warning}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
