"""Column types that behave the same on PostgreSQL and SQLite (aware UTC times, exact decimals)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine


class UtcDateTime(TypeDecorator[datetime]):
    """TIMESTAMPTZ on PostgreSQL; on SQLite, naive UTC text. Always returns aware UTC values."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given for a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class DecimalType(TypeDecorator[Decimal]):
    """NUMERIC on PostgreSQL (keeps the digits as sent, '1.50' stays '1.50'); REAL on SQLite."""

    impl = sa.Numeric()
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Decimal]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.Float(asdecimal=False))  # type: ignore[arg-type]
        return dialect.type_descriptor(sa.Numeric(asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> object:
        if value is not None and dialect.name == "sqlite":
            return float(value)
        return value

    def process_result_value(self, value: object, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return value if isinstance(value, Decimal) else Decimal(repr(value))


class TimeType(TypeDecorator[time]):
    """TIME WITH TIME ZONE on PostgreSQL; on SQLite the time of day without its offset."""

    impl = sa.Time(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: time | None, dialect: Dialect) -> time | None:
        if value is not None and dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value


def big_id() -> TypeEngine[int]:
    """BIGINT, except INTEGER on SQLite so that a primary key is its autoincrementing rowid."""
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")
