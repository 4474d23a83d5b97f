"""Bounds on an uploaded XLSForm, checked before pyxform reads it: a zip bomb disguised as .xlsx
or a sheet of a million rows would otherwise take gigabytes of memory and minutes of a worker."""

from __future__ import annotations

import io
import re
import zipfile

from converters.errors import ConversionCode, FormError, FormIssue

MAX_ROWS = 100_000  # over all sheets; pyxform takes ~9 KB and ~0.15 ms a survey row
MAX_XLSX_INFLATED_BYTES = 200_000_000  # an .xlsx's members once unzipped
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s/>]")
_CHUNK = 1 << 20


def check_xlsform_size(data: bytes, file_type: str) -> None:
    """Refuse a workbook too large to compile, reading at most MAX_XLSX_INFLATED_BYTES."""
    if file_type in (".csv", ".md"):
        _check_rows(data.count(b"\n") + 1)
    elif file_type in (".xlsx", ".xlsm"):
        _check_xlsx(data)


def _check_xlsx(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        return  # not a zip: pyxform's reader says why
    with archive:
        # The sizes in the zip's directory are safe to trust: zipfile stops a member at its
        # declared size and fails on the CRC, so a member that lies inflates no further.
        inflated = sum(member.file_size for member in archive.infolist())
        if inflated > MAX_XLSX_INFLATED_BYTES:
            _refuse(
                f"its sheets unzip to {inflated:,} bytes, more than the "
                f"{MAX_XLSX_INFLATED_BYTES:,} this server reads"
            )
        rows = 0
        for member in archive.infolist():
            if member.filename.startswith("xl/worksheets/") and member.filename.endswith(".xml"):
                rows += _count_rows(archive, member)
        _check_rows(rows)


def _count_rows(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> int:
    rows, tail = 0, b""
    try:
        with archive.open(member) as sheet:
            while chunk := sheet.read(_CHUNK):
                window = tail + chunk
                rows += len(_ROW_TAG.findall(window))
                # Keep the last bytes, minus any tag already counted, for a tag cut in two.
                tail = window[-16:]
                tail = tail[tail.rfind(b"<") :] if b"<" in tail else b""
                if _ROW_TAG.match(tail):
                    tail = tail[1:]
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError):
        return rows  # a corrupt member: pyxform's reader says why
    return rows


def _check_rows(rows: int) -> None:
    if rows > MAX_ROWS:
        _refuse(f"it has {rows:,} rows, more than the {MAX_ROWS:,} this server compiles")


def _refuse(reason: str) -> None:
    issue = FormIssue("error", f"The form is too large: {reason}.", source="baobab")
    raise FormError(ConversionCode.XLSFORM_TOO_LARGE, (issue,), reason=reason)
