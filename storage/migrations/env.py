"""Alembic environment: runs on the connection that storage.db.upgrade hands over."""

from __future__ import annotations

from alembic import context

from storage.schema.system import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Run migrations with `baobab db upgrade` (storage.db.upgrade).")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
