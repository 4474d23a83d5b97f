"""A parsed OData $filter (converters/odata_filter.py) as a SQL condition on the submission
metadata Central lets clients filter on: __id and __system/{submissionDate, updatedAt,
submitterId, reviewState, deletedAt}."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql import ColumnElement

from converters.errors import ConversionCode, ConversionError
from converters.odata_filter import (
    And,
    Call,
    Comparison,
    Expression,
    Literal,
    Not,
    Or,
    Property,
    properties,
)
from storage.types import UtcDateTime

_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
}
_PARTS = ("year", "month", "day", "hour", "minute", "second")


FILTERABLE = frozenset(
    {("__id",)}
    | {
        ("__system", name)
        for name in ("submissionDate", "updatedAt", "submitterId", "reviewState", "deletedAt")
    }
)


def check_filter(expression: object) -> None:
    """Refuse, before anything runs, a filter on something Central does not filter on."""
    assert isinstance(expression, Expression)
    for path in properties(expression):
        if path not in FILTERABLE:
            raise _invalid(
                f"cannot filter on '{'/'.join(path)}': Baobab, like ODK Central, "
                "filters on __id and __system/submissionDate, updatedAt, "
                "submitterId, reviewState and deletedAt"
            )


def mentions_deleted(expression: object) -> bool:
    """Central hides deleted submissions unless the filter is about deletedAt."""
    assert isinstance(expression, Expression)
    return ("__system", "deletedAt") in properties(expression)


def filter_clause(
    expression: object, columns: Mapping[str, Any], now: datetime
) -> ColumnElement[bool]:
    assert isinstance(expression, Expression)
    return _Translator(columns, now).condition(expression)


class _Translator:
    def __init__(self, columns: Mapping[str, Any], now: datetime) -> None:
        self.columns = columns
        self.now = now

    def condition(self, node: Expression) -> ColumnElement[bool]:
        if isinstance(node, And):
            return sa.and_(self.condition(node.left), self.condition(node.right))
        if isinstance(node, Or):
            return sa.or_(self.condition(node.left), self.condition(node.right))
        if isinstance(node, Not):
            return sa.not_(self.condition(node.operand))
        if isinstance(node, Comparison):
            left, right = self.operand(node.left), self.operand(node.right)
            if isinstance(node.right, Literal) and node.right.value is None:
                return left.is_(None) if node.op == "eq" else left.is_not(None)  # type: ignore[no-any-return]
            result: ColumnElement[bool] = _COMPARE[node.op](left, right)
            return result
        if isinstance(node, Literal) and isinstance(node.value, bool):
            return sa.true() if node.value else sa.false()
        raise _invalid(f"{type(node).__name__} cannot be used as a condition")

    def operand(self, node: Expression) -> Any:
        if isinstance(node, Property):
            key = "/".join(node.path)
            if key not in self.columns:
                raise _invalid(
                    f"cannot filter on '{key}': Baobab, like ODK Central, filters "
                    "on __id and __system/submissionDate, updatedAt, submitterId, "
                    "reviewState and deletedAt"
                )
            return self.columns[key]
        if isinstance(node, Literal):
            value = node.value
            if isinstance(value, datetime):
                return sa.literal(value, UtcDateTime())
            if isinstance(value, date):
                return sa.literal(
                    datetime(value.year, value.month, value.day, tzinfo=self.now.tzinfo),
                    UtcDateTime(),
                )
            return sa.literal(value)
        if isinstance(node, Call):
            if node.name == "now":
                return sa.literal(self.now, UtcDateTime())
            if node.name in _PARTS and len(node.args) == 1:
                return sa.extract(node.name, self.operand(node.args[0]))
        raise _invalid(f"{type(node).__name__} is not supported here")


def _invalid(reason: str) -> ConversionError:
    return ConversionError(ConversionCode.ODATA_FILTER_INVALID, reason=reason)
