"""Engine and session factory for both supported databases.

SQLite needs a little help to behave like a server database: foreign keys are off by
default, and concurrent writers need WAL plus a busy timeout instead of failing at once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

SQLITE_BUSY_TIMEOUT_MS = 15_000
CONNECT_TIMEOUT_S = 5
# Execution option marking sessions that only read (see `read_only_sessions`).
READ_ONLY = "threadline_read_only"


def is_sqlite_url(url: str) -> bool:
    return url.startswith("sqlite")


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create the async engine with the per-dialect settings this project relies on."""
    if is_sqlite_url(url):
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _configure_sqlite_connection)
        event.listen(engine.sync_engine, "begin", _begin_immediate)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    # Fail fast when the server is unreachable, so requests get a clear "unavailable".
    kwargs.setdefault("connect_args", {}).setdefault("connect_timeout", CONNECT_TIMEOUT_S)
    return create_async_engine(url, **kwargs)


def _configure_sqlite_connection(dbapi_connection: DBAPIConnection, _: ConnectionPoolEntry) -> None:
    # Let SQLAlchemy issue BEGIN itself (see _begin_immediate) instead of pysqlite's
    # implicit, lazily-started transactions.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def _begin_immediate(connection: Any) -> None:
    # A deferred transaction that reads and then writes fails with SQLITE_BUSY when another
    # writer got in between; taking the write lock up front makes writers queue instead.
    # A session that only reads needs no lock at all: under WAL it reads a snapshot.
    read_only = connection.get_execution_options().get(READ_ONLY, False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions keep loaded objects usable after commit, which the renderers rely on."""
    return async_sessionmaker(engine, expire_on_commit=False)


def read_only_sessions(
    sessions: async_sessionmaker[AsyncSession],
) -> async_sessionmaker[AsyncSession]:
    """Sessions on the same engine for lookups that never write. On SQLite they skip the
    write lock every other transaction takes, so hot read paths (the delivery worker's
    lookups) neither wait for writers nor hold them up. On PostgreSQL they are ordinary.

    Open them with `.begin()` like any other: ending a read in COMMIT costs what a rollback
    does, and psycopg answers every rollback by dropping the connection's prepared
    statements, so each read would plan its queries afresh."""
    engine = sessions.kw["bind"]
    return async_sessionmaker(engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False)
