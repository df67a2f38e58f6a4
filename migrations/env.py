"""Alembic environment: async engines, and a shared connection when the caller passes one."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection

from core.db import create_engine
from core.models import Base
from migrations.slack_tables import slack_store_metadata

# Search objects live only in migrations (their shape differs per database), so
# autogenerate must not mistake them for drift.
SEARCH_OBJECT_PREFIXES = ("tickets_fts", "messages_fts", "ix_tickets_search", "ix_messages_search")

config = context.config
target_metadata = [Base.metadata, slack_store_metadata()]


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    return not (name or "").startswith(SEARCH_OBJECT_PREFIXES)


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations() -> None:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run_migrations)
            await connection.commit()
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_migrations(connection)
    else:
        asyncio.run(run_async_migrations())


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not supported; run `threadline db upgrade`.")
run_migrations_online()
