""".xlsx files written by hand, row by row: a sheet of a million rows in about a second, formula
cells (with or without a cached value), and a zip bomb whose sheet inflates to gigabytes."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    "{sheets}</Types>"
)
_SHEET_TYPE = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/officeDocument"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    "<sheets>{sheets}</sheets></workbook>"
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    "{rels}</Relationships>"
)
_SHEET_REL = (
    '<Relationship Id="rId{n}" Target="worksheets/sheet{n}.xml" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
)
SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = b"</sheetData></worksheet>"


@dataclass(frozen=True)
class Formula:
    """A formula cell; `cached` is the result a spreadsheet program would have stored."""

    formula: str
    cached: str | None = None


Cell = str | Formula


def _cell(value: Cell) -> str:
    if isinstance(value, Formula):
        cached = f"<v>{escape(value.cached)}</v>" if value.cached is not None else ""
        return f'<c t="str"><f>{escape(value.formula)}</f>{cached}</c>'
    return f'<c t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>'


def sheet_xml(rows: Iterable[Sequence[Cell]]) -> Iterator[bytes]:
    yield SHEET_HEAD
    for row in rows:
        yield ("<row>" + "".join(_cell(c) for c in row) + "</row>").encode()
    yield SHEET_TAIL


@dataclass(frozen=True)
class Member:
    name: str
    deflated: bytes
    crc: int
    size: int


def deflate(parts: Iterable[bytes], name: str) -> Member:
    compressor = zlib.compressobj(1, zlib.DEFLATED, -15)
    out, crc, size = [], 0, 0
    for part in parts:
        out.append(compressor.compress(part))
        crc, size = zlib.crc32(part, crc), size + len(part)
    out.append(compressor.flush())
    return Member(name, b"".join(out), crc, size)


def bomb(name: str, gigabytes: int) -> Member:
    """A worksheet of `gigabytes` GiB of blanks in ~1 MB per GiB: 64 MiB deflated once with a
    full flush is a self-contained deflate segment, so repeating it repeats its output."""
    block = b" " * (64 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = compressor.compress(SHEET_HEAD) + compressor.flush(zlib.Z_FULL_FLUSH)
    segment = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = compressor.compress(SHEET_TAIL) + compressor.flush()
    count = gigabytes * 16
    crc = zlib.crc32(SHEET_HEAD)
    for _ in range(count):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(SHEET_TAIL, crc)
    size = len(SHEET_HEAD) + count * len(block) + len(SHEET_TAIL)
    return Member(name, head + segment * count + tail, crc, size)


def xlsx(sheets: dict[str, Member | Iterable[Sequence[Cell]]]) -> bytes:
    """A workbook of the named sheets, in order, each given as rows or as a ready member."""
    names = list(sheets)
    members = [
        deflate(
            [
                _TYPES.format(
                    sheets="".join(_SHEET_TYPE.format(n=i + 1) for i in range(len(names)))
                ).encode()
            ],
            "[Content_Types].xml",
        ),
        deflate([_RELS.encode()], "_rels/.rels"),
        deflate(
            [
                _WORKBOOK.format(
                    sheets="".join(
                        f'<sheet name="{escape(n)}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
                        for i, n in enumerate(names)
                    )
                ).encode()
            ],
            "xl/workbook.xml",
        ),
        deflate(
            [
                _WORKBOOK_RELS.format(
                    rels="".join(_SHEET_REL.format(n=i + 1) for i in range(len(names)))
                ).encode()
            ],
            "xl/_rels/workbook.xml.rels",
        ),
    ]
    for i, rows in enumerate(sheets.values()):
        path = f"xl/worksheets/sheet{i + 1}.xml"
        if isinstance(rows, Member):
            members.append(Member(path, rows.deflated, rows.crc, rows.size))
        else:
            members.append(deflate(sheet_xml(rows), path))
    return _zip(members)


def _zip(members: list[Member]) -> bytes:
    """A plain (not ZIP64) archive: every member is under 4 GiB."""
    local, central, offset = [], [], 0
    for m in members:
        name = m.name.encode()
        fields = (20, 0, 8, 0, 0x21, m.crc, len(m.deflated), m.size, len(name))
        header = struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields, 0) + name
        local.append(header + m.deflated)
        central.append(
            struct.pack("<IH", 0x02014B50, 20)
            + struct.pack("<HHHHHIIIHHHHHII", *fields, 0, 0, 0, 0, 0, offset)
            + name
        )
        offset += len(header) + len(m.deflated)
    directory = b"".join(central)
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(directory), offset, 0
    )
    return b"".join(local) + directory + end
