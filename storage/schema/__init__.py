"""The system tables (SQLAlchemy Core), by family; Alembic's migrations create them."""
