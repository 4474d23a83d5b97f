"""Accent- and case-insensitive search, the same on SQLite and PostgreSQL: "Traore" finds
"Traoré", "TRAORÉ" and "traore". `fold` is the Python side (the needle, and rows filtered in
Python); `folded(column)` is the SQL side (SQLite: a Python function registered on every
connection; PostgreSQL: lower(), and translate() over the accented letters of French and of
the Latin transcriptions of Manding, Fula, Songhai and Tamasheq names for an answer that has
any, so no extension is needed)."""

from __future__ import annotations

import unicodedata
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import GenericFunction

# Lower-case letters with marks, and what each folds to; fold() agrees with this table for
# every letter in it, upper case included (tests/storage/test_text_search.py checks).
ACCENTED = "àáâãäåāăąçćčďèéêëēėęěìíîïīįıñńňòóôõöøōőŕřśšşţťùúûüūůűųýÿźżžɓɗƴŋɛɔ"
PLAIN = "aaaaaaaaacccdeeeeeeeeiiiiiiinnnoooooooorrsssttuuuuuuuuyyzzzbdyneo"


def fold(text: str | None) -> str:
    """Lower case without marks: the form both sides of a search are compared in."""
    if not text:
        return ""
    lowered = text.lower().translate(_TABLE)
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_TABLE = str.maketrans(ACCENTED, PLAIN)
# PostgreSQL's lower() leaves non-ASCII letters alone under the C locale: translate the
# upper-case forms too.
_PG_FROM = ACCENTED + "".join(letter.upper() for letter in ACCENTED)
_PG_TO = PLAIN + PLAIN


class folded(GenericFunction[Any]):  # SQL function names are lower case
    """fold() in SQL, for `folded(column).contains(fold(needle), autoescape=True)`."""

    type = sa.Text()
    inherit_cache = True


@compiles(folded, "postgresql")
def _pg_folded(element: folded, compiler: SQLCompiler, **kw: Any) -> str:
    (clause,) = element.clauses
    argument = compiler.process(clause, **kw)
    text = f"CAST({argument} AS TEXT)"
    if not _is_column(clause):  # computed: computed once, as before
        return f"translate(lower({text}), '{_PG_FROM}', '{_PG_TO}')"
    # translate() compares each character with every letter of _PG_FROM: 4 s over a million
    # answers. An answer without a byte above ASCII (as many bytes as characters) has no letter
    # to translate, and lower() alone costs a tenth of that. Immutable throughout, so an
    # expression index can hold it (storage/submissions/table_indexes.py).
    return (
        f"(CASE WHEN octet_length({text}) = char_length({text}) THEN lower({text})"
        f" ELSE translate(lower({text}), '{_PG_FROM}', '{_PG_TO}') END)"
    )


def _is_column(clause: Any) -> bool:
    """A column, or a column cast: cheap to read three times (an expression is not)."""
    while isinstance(clause, sa.Cast):
        clause = clause.clause
    return isinstance(clause, sa.ColumnClause)


@compiles(folded, "sqlite")
def _sqlite_folded(element: folded, compiler: SQLCompiler, **kw: Any) -> str:
    (argument,) = (compiler.process(c, **kw) for c in element.clauses)
    return f"baobab_fold({argument})"


def sqlite_fold(text: Any) -> str | None:
    return None if text is None else fold(str(text))


def contains_folded(column: Any, needle: str) -> sa.ColumnElement[bool]:
    """`column` contains `needle`, ignoring case and accents (LIKE, wildcards escaped)."""
    return folded(column).contains(fold(needle), autoescape=True)
