"""Alembic migration scripts (one linear history); driven by `core.schema`."""
