"""SQL functions that PostgreSQL and SQLite spell differently: JSON building, UTC timestamps as
ISO text, splitting text. Written once here so that OData and exports build one query for both.
SQLite gets `split_part` as a Python function registered on each connection (storage/db.py)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import GenericFunction

from converters.cells import POSTGRES_FORMULA, neutralise
from converters.cells import contains_word as contains_word_python
from storage.exports.geometry import register_sqlite_geometry
from storage.text_search import sqlite_fold


class json_object(GenericFunction[Any]):  # SQL function names are lower case
    """JSON object from key, value, key, value... (json_build_object / json_object)."""

    type = sa.JSON()
    inherit_cache = True


class json_array(GenericFunction[Any]):
    type = sa.JSON()
    inherit_cache = True


class utc_iso(GenericFunction[Any]):
    """A timestamp as `2026-11-22T23:11:49.309Z`, Central's format."""

    type = sa.Text()
    inherit_cache = True


class split_part(GenericFunction[Any]):
    """The n-th (1-based) part of a text split on a delimiter; '' when there is none."""

    type = sa.Text()
    inherit_cache = True


@compiles(json_object, "postgresql")
def _pg_object(element: json_object, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_build_object({compiler.process(element.clauses, **kw)})"


@compiles(json_array, "postgresql")
def _pg_array(element: json_array, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_build_array({compiler.process(element.clauses, **kw)})"


@compiles(utc_iso, "postgresql")
def _pg_iso(element: utc_iso, compiler: SQLCompiler, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    return f"""to_char(({value}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"""


@compiles(json_object, "sqlite")
def _sqlite_object(element: json_object, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_object({compiler.process(element.clauses, **kw)})"


@compiles(json_array, "sqlite")
def _sqlite_array(element: json_array, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_array({compiler.process(element.clauses, **kw)})"


@compiles(utc_iso, "sqlite")
def _sqlite_iso(element: utc_iso, compiler: SQLCompiler, **kw: Any) -> str:
    # storage/types.py keeps SQLite timestamps as naive UTC text; %f is seconds.milliseconds.
    return f"strftime('%Y-%m-%dT%H:%M:%fZ', {compiler.process(element.clauses, **kw)})"


def sqlite_split_part(text: str | None, delimiter: str, index: int) -> str | None:
    """PostgreSQL's split_part for SQLite connections."""
    if text is None:
        return None
    parts = text.split(delimiter)
    return parts[index - 1] if 0 < index <= len(parts) else ""


class neutralised(GenericFunction[Any]):
    """A text cell with formulas defused (converters/cells.py)."""

    type = sa.Text()
    inherit_cache = True


class contains_word(GenericFunction[Any]):
    """Whether a space-separated answer contains a word."""

    type = sa.Boolean()
    inherit_cache = True


@compiles(neutralised, "postgresql")
def _pg_neutralised(element: neutralised, compiler: SQLCompiler, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    pattern = POSTGRES_FORMULA.replace("\\", "\\\\").replace("'", "\\'")
    quote = "''''"
    # Only a cell starting with one of these can be a formula: the regular expression (which
    # tells "+223..." from "+SUM(...)") runs on those alone, 12% off a CSV export's COPY.
    first = f"left(({value}), 1) IN ('=', '@', '+', '-', E'\\t', E'\\r')"
    return (
        f"(CASE WHEN {first} AND ({value}) ~ E'{pattern}'"
        f" THEN {quote} || ({value}) ELSE ({value}) END)"
    )


@compiles(contains_word, "postgresql")
def _pg_contains(element: contains_word, compiler: SQLCompiler, **kw: Any) -> str:
    text, word = (compiler.process(c, **kw) for c in element.clauses)
    return f"(strpos(' ' || ({text}) || ' ', ' ' || ({word}) || ' ') > 0)"


def register_sqlite_functions(dbapi_connection: Any) -> None:
    """The Python functions SQLite connections need for the queries built here."""
    dbapi_connection.create_function("split_part", 3, sqlite_split_part, deterministic=True)
    dbapi_connection.create_function("neutralised", 1, neutralise, deterministic=True)
    dbapi_connection.create_function("contains_word", 2, contains_word_python, deterministic=True)
    dbapi_connection.create_function("baobab_fold", 1, sqlite_fold, deterministic=True)
    register_sqlite_geometry(dbapi_connection)


class json_agg_ordered(GenericFunction[Any]):
    """PostgreSQL's json_agg(value ORDER BY key), an empty array when there are no rows."""

    type = sa.JSON()
    inherit_cache = True


@compiles(json_agg_ordered, "postgresql")
def _pg_agg(element: json_agg_ordered, compiler: SQLCompiler, **kw: Any) -> str:
    value, key = (compiler.process(c, **kw) for c in element.clauses)
    return f"coalesce(json_agg({value} ORDER BY {key}), '[]'::json)"


# PostgreSQL takes at most 100 arguments in a function call (FUNC_MAX_ARGS), SQLite 127 by
# default (SQLITE_MAX_FUNCTION_ARG): 50 keys and values per call fit both.
OBJECT_PAIRS = 50


class json_object_wide(GenericFunction[Any]):
    """json_object for any number of keys, in order: one call per OBJECT_PAIRS pairs, their
    texts joined into one object (a form may have hundreds of questions at one level). JSON,
    to nest in another object."""

    type = sa.JSON()
    inherit_cache = True


class json_object_text(GenericFunction[Any]):
    """json_object_wide as text: an OData row as it goes out, never parsed again."""

    type = sa.Text()
    inherit_cache = True


def _chunks(
    element: GenericFunction[Any], compiler: SQLCompiler, call: str, **kw: Any
) -> list[str]:
    arguments = [compiler.process(c, **kw) for c in element.clauses]
    size = 2 * OBJECT_PAIRS
    return [f"{call}({', '.join(arguments[i : i + size])})" for i in range(0, len(arguments), size)]


def _joined(calls: list[str], head: str, tail: str, separator: str) -> str:
    """One object from several: the first without its closing brace, the last without its
    opening one, those between without either."""
    if len(calls) == 1:
        return calls[0]
    parts = [head.format(calls[0])]
    parts += [tail.format(head.format(c)) for c in calls[1:-1]]
    parts.append(tail.format(calls[-1]))
    return f" || '{separator}' || ".join(parts)


def _pg_wide_text(element: GenericFunction[Any], compiler: SQLCompiler, **kw: Any) -> str:
    calls = [f"({c})::text" for c in _chunks(element, compiler, "json_build_object", **kw)]
    return f"({_joined(calls, 'left({}, -1)', 'substr({}, 2)', ', ')})"


def _sqlite_wide_text(element: GenericFunction[Any], compiler: SQLCompiler, **kw: Any) -> str:
    calls = _chunks(element, compiler, "json_object", **kw)
    # substr(x, -1, -n): the n characters before the last one, so x is computed once.
    return f"({_joined(calls, 'substr({}, -1, -2147483647)', 'substr({}, 2)', ',')})"


@compiles(json_object_text, "postgresql")
def _pg_object_text(element: json_object_text, compiler: SQLCompiler, **kw: Any) -> str:
    return _pg_wide_text(element, compiler, **kw)


@compiles(json_object_text, "sqlite")
def _sqlite_object_text(element: json_object_text, compiler: SQLCompiler, **kw: Any) -> str:
    return _sqlite_wide_text(element, compiler, **kw)


@compiles(json_object_wide, "postgresql")
def _pg_object_wide(element: json_object_wide, compiler: SQLCompiler, **kw: Any) -> str:
    if len(element.clauses) <= 2 * OBJECT_PAIRS:
        return f"json_build_object({compiler.process(element.clauses, **kw)})"
    return f"({_pg_wide_text(element, compiler, **kw)})::json"


@compiles(json_object_wide, "sqlite")
def _sqlite_object_wide(element: json_object_wide, compiler: SQLCompiler, **kw: Any) -> str:
    if len(element.clauses) <= 2 * OBJECT_PAIRS:
        return f"json_object({compiler.process(element.clauses, **kw)})"
    return f"json({_sqlite_wide_text(element, compiler, **kw)})"
