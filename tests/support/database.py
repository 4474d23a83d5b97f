"""Reading tables straight from the database, and moving its schema back a migration."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from storage.db import alembic_config, transaction


def rows(engine, table: str, order: str = "_id"):
    """Every row of `table` as a dict, in `order`."""
    with engine.connect() as connection:
        return [
            dict(r)
            for r in connection.execute(
                sa.text(f'SELECT * FROM "{table}" ORDER BY {order}')
            ).mappings()
        ]


def count(engine, table: str) -> int:
    """How many rows `table` holds."""
    with engine.connect() as connection:
        return connection.execute(sa.text(f'SELECT count(*) FROM "{table}"')).scalar_one()


def downgrade(engine, revision: str) -> None:
    config = alembic_config()
    with transaction(engine) as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def query_rows(engine, query: str) -> list[tuple]:
    """The rows a SQL query returns, as tuples."""
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(sa.text(query))]


def head_revision() -> str:
    """The newest migration in storage/migrations, as Alembic reads it."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head
