"""A submission's text values typed for the column they land in (numbers, dates, the parts of
a point), and the checks on file names and geotraces, each refusal saying what was expected
at which XPath (converters/submission.py reads the values out of the XML)."""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation

from converters.errors import ConversionCode, SubmissionError
from converters.form_model import DataType
from converters.geometry import NUMBER
from converters.table_plan import ColumnRole, ColumnSpec, SqlType

_GEO_INDEX = {
    ColumnRole.LATITUDE: 0,
    ColumnRole.LONGITUDE: 1,
    ColumnRole.ALTITUDE: 2,
    ColumnRole.ACCURACY: 3,
}
TYPED_ROLES = frozenset(_GEO_INDEX)  # columns holding a part of a point: always converted
# A location number as clients write them: Collect with Java's Double.toString (`1.0E-4` near
# the equator), Enketo and Web Forms with JavaScript's (`1e-7`, `1e+21`).
_POINT = re.compile(rf"{NUMBER}(?: {NUMBER}){{1,3}}")
# geotrace and geoshape: points joined by ';' (Collect writes no space and drops the last ';';
# a trailing ';' or a space around each ';' is taken from other clients).
_POINT_SEPARATOR = re.compile(r" ?; ?")


BIGINT_MAX = 2**63 - 1
BIGINT_MIN = -(2**63)


def file_name(text: str, column: ColumnSpec) -> str:
    """An attachment's name as the XML gives it: a plain file name, as Collect and Enketo
    write. A path (`../x`, `/etc/x`, `a\\b`) or a control character would become a path
    in the exports' zip (`media/<name>`) and in the Content-Disposition of downloads."""
    name = text.strip()
    if name in (".", "..") or any(c in "/\\" or ord(c) < 32 or ord(c) == 127 for c in name):
        raise SubmissionError(
            ConversionCode.SUBMISSION_BAD_VALUE,
            value=text[:100],
            xpath=column.xpath,
            expected="file name (without a path or control characters)",
        )
    return name


def convert(text: str | None, column: ColumnSpec) -> object:
    if text is None:
        return None
    try:
        if column.role in _GEO_INDEX:
            return _geo_part(text, column.role)
        if column.role is ColumnRole.VALUE and column.sql_type is not SqlType.TEXT:
            return _value(text.strip(), column.sql_type)
        return text
    except (ValueError, InvalidOperation, IndexError, OverflowError) as error:
        raise SubmissionError(
            ConversionCode.SUBMISSION_BAD_VALUE,
            value=text[:100],
            xpath=column.xpath,
            expected=_expected(column),
        ) from error


def _value(text: str, sql_type: SqlType) -> object:
    if sql_type is SqlType.TEXT:
        return text
    if sql_type is SqlType.BIGINT:
        whole = int(text)
        if not BIGINT_MIN <= whole <= BIGINT_MAX:  # a database BIGINT: refuse, never overflow
            raise ValueError(text)
        return whole
    if sql_type is SqlType.DECIMAL:
        number = Decimal(text)
        if not number.is_finite():
            raise ValueError(text)
        return number
    if sql_type is SqlType.DATE:
        return date.fromisoformat(text[:10])
    if sql_type is SqlType.TIMESTAMP:
        moment = datetime.fromisoformat(text)
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        moment.astimezone(UTC)  # stored in UTC: year 1 at +14:00 has no UTC time (OverflowError)
        return moment
    if sql_type is SqlType.TIME:
        return time.fromisoformat(text)
    if sql_type is SqlType.BOOLEAN:
        lowered = text.lower()
        if lowered not in ("true", "false", "1", "0"):
            raise ValueError(text)
        return lowered in ("true", "1")
    double = float(text)
    if not math.isfinite(double):
        raise ValueError(text)
    return double


def _geo_part(text: str, role: ColumnRole) -> float | None:
    parts = _point(text.strip())
    index = _GEO_INDEX[role]
    return parts[index] if index < len(parts) else None


def _point(text: str) -> list[float]:
    """'latitude longitude [altitude [accuracy]]': numbers separated by single spaces (no tabs,
    no text, which exports would carry to spreadsheets), latitude and longitude on the globe."""
    if not _POINT.fullmatch(text):
        raise ValueError(text)
    numbers = [float(part) for part in text.split(" ")]
    if not all(math.isfinite(n) for n in numbers):  # '1e999' matches and is infinite
        raise ValueError(text)
    if not (-90 <= numbers[0] <= 90 and -180 <= numbers[1] <= 180):
        raise ValueError(text)
    return numbers


def check_points(text: str, column: ColumnSpec, data_type: DataType) -> None:
    """A geotrace or geoshape is kept as text, but each of its points is held to _point's rule."""
    try:
        for point in _POINT_SEPARATOR.split(text.strip().removesuffix(";").rstrip()):
            _point(point)
    except ValueError as error:
        raise SubmissionError(
            ConversionCode.SUBMISSION_BAD_VALUE,
            value=text[:100],
            xpath=column.xpath,
            expected=f"{data_type.value} (points '{_POINT_RULE}' separated by ';', {_GEO_RANGE})",
        ) from error


_POINT_RULE = "latitude longitude [altitude accuracy]"
_GEO_RANGE = "numbers separated by single spaces, latitude -90 to 90, longitude -180 to 180"


def _expected(column: ColumnSpec) -> str:
    if column.role in _GEO_INDEX:
        return f"geopoint ('{_POINT_RULE}', {_GEO_RANGE})"
    return {
        SqlType.BIGINT: "integer",
        SqlType.DECIMAL: "decimal number",
        SqlType.DATE: "date (YYYY-MM-DD)",
        SqlType.TIMESTAMP: "date and time (ISO 8601)",
        SqlType.TIME: "time (HH:MM:SS)",
        SqlType.BOOLEAN: "boolean",
    }.get(column.sql_type, column.sql_type.value)
