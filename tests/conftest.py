"""Database fixtures: every DB test runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL.

Set THREADLINE_REQUIRE_POSTGRES=1 (CI does) to fail the run when the PostgreSQL variants
did not run, instead of silently testing SQLite only.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core import schema
from core.db import create_engine, create_sessionmaker
from core.models import Base
from migrations.slack_tables import slack_store_metadata
from tests.fakeslack import FakeSlack
from tests.support.api_helpers import Api, api_client
from tests.support.slack_env import SlackEnv, start_env

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
REQUIRE_POSTGRES = os.environ.get("THREADLINE_REQUIRE_POSTGRES") == "1"
BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]

_postgres_passed = 0


def pytest_sessionstart(session: pytest.Session) -> None:
    if REQUIRE_POSTGRES and not POSTGRES_URL:
        raise pytest.UsageError("THREADLINE_REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set")


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    global _postgres_passed
    if report.when == "call" and report.passed and "[postgresql" in report.nodeid:
        _postgres_passed += 1


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    ran_db_tests = any("[sqlite" in item.nodeid for item in session.items)
    if REQUIRE_POSTGRES and ran_db_tests and _postgres_passed == 0:
        print("\nFAILED: no PostgreSQL test passed, but THREADLINE_REQUIRE_POSTGRES=1")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    try:
        await schema.upgrade(engine)
    finally:
        await engine.dispose()


async def _admin(url: str, statement: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test: faster than migrating every time."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_migrated() -> Iterator[str]:
    """A scratch database of this test process on the TEST_DATABASE_URL server.

    Its own database keeps parallel runs (and other users of `test`) out of each other's way.
    """
    if not POSTGRES_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    name = f"threadline_test_{os.getpid()}"
    scratch = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    asyncio.run(_admin(POSTGRES_URL, f"DROP DATABASE IF EXISTS {name}"))
    asyncio.run(_admin(POSTGRES_URL, f"CREATE DATABASE {name}"))
    asyncio.run(_migrate(scratch))
    yield scratch
    asyncio.run(_admin(POSTGRES_URL, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


TABLES = ", ".join(
    t.name for t in [*Base.metadata.sorted_tables, *slack_store_metadata().sorted_tables]
)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of an empty, fully migrated database of each backend."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "threadline.db"
        shutil.copyfile(template, path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("postgres_migrated")
    asyncio.run(_truncate(url))
    return url


async def _truncate(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            # A connection a test left in a transaction would make TRUNCATE wait forever.
            await conn.execute(text("SET LOCAL lock_timeout = '30s'"))
            await conn.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Open one session per transaction, as the app does: `async with sessions.begin() as s`."""
    return create_sessionmaker(engine)


@pytest.fixture
async def session(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessions() as session:
        yield session


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as slack:
        yield slack


@pytest.fixture
async def slack_env(
    fake_slack: FakeSlack, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> AsyncIterator[SlackEnv]:
    env = await start_env(fake_slack, engine, sessions)
    yield env
    await env.close()


@pytest.fixture
async def api(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> AsyncIterator[Api]:
    """A client of the REST API over the shared test world, one token per person."""
    async with api_client(engine, sessions) as client:
        yield client
