"""`threadline serve` and its health endpoints: SQLite upgrades itself; PostgreSQL behind
head is refused until `threadline db upgrade`; /readyz says why it is not ready.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.http_app import create_web_app
from core import schema
from core.db import create_engine
from tests.conftest import POSTGRES_URL
from tests.support.cli_helpers import SPEC_DIRECTORY, ServeProcess, scratch_postgres_database
from tests.support.cli_runs import (
    FIRST_REVISION,
    HEAD,
    UPGRADE_HINT,
    Cli,
    needs_postgres,
    revision_of,
    sqlite_url,
    upgrade_to,
)

# --- serve ---------------------------------------------------------------------------------


def test_serve_on_the_sqlite_default_upgrades_itself(tmp_path: Path) -> None:
    """No DATABASE_URL: `serve` creates ./threadline.db at head, serves health, stops on TERM."""
    with ServeProcess(database_url=None, cwd=tmp_path) as server:
        health = server.wait_until_serving()
        assert (health.status, health.body) == (200, {"status": "ok"})
        ready = server.get("/readyz")
        assert (ready.status, ready.body) == (200, {"status": "ready", "revision": HEAD})
        assert server.terminate() == 0
    assert f"serving on http://127.0.0.1:{server.port}" in server.stderr
    database = tmp_path / "threadline.db"
    assert database.exists()
    assert asyncio.run(revision_of(sqlite_url(database))) == HEAD


@needs_postgres
def test_postgres_behind_head_is_refused_until_db_upgrade(tmp_path: Path) -> None:
    assert POSTGRES_URL is not None
    with scratch_postgres_database(POSTGRES_URL, "threadline_cli_serve_test") as url:
        cli = Cli(url, tmp_path)
        spec_file = cli.write("directory.yaml", SPEC_DIRECTORY)

        # An empty database: every command but `db upgrade` refuses and names it.
        for args in (["directory", "import", spec_file], ["serve"], ["tickets", "export"]):
            refused = cli.inline(*args)
            assert refused.returncode == 2, args
            assert f"schema is at revision none but this version needs {HEAD}" in refused.stderr
            assert UPGRADE_HINT in refused.stderr
        assert asyncio.run(revision_of(url)) is None  # nothing upgraded it behind our back

        # Behind head: the real `serve` exits at once instead of serving.
        asyncio.run(upgrade_to(url, FIRST_REVISION))
        with ServeProcess(database_url=url, cwd=tmp_path) as server:
            status = server.wait_for_exit(timeout=30)
        assert status == 2
        assert f"schema is at revision {FIRST_REVISION} but this version needs {HEAD}" in (
            server.stderr
        )
        assert UPGRADE_HINT in server.stderr
        assert asyncio.run(revision_of(url)) == FIRST_REVISION

        upgraded = cli("db", "upgrade")
        assert (upgraded.returncode, upgraded.stdout) == (0, f"database is at revision {HEAD}\n")
        imported = cli.inline("directory", "import", spec_file)
        assert imported.returncode == 0, imported.stderr
        assert imported.stdout == "orgs: 3 created, 0 updated; users: 1 created, 0 updated\n"
        assert cli.inline("directory", "export").stdout == SPEC_DIRECTORY

        with ServeProcess(database_url=url, cwd=tmp_path) as server:
            assert server.wait_until_serving().status == 200
            ready = server.get("/readyz")
            assert (ready.status, ready.body) == (200, {"status": "ready", "revision": HEAD})
            assert server.terminate() == 0


# --- /healthz and /readyz, in process ------------------------------------------------------


async def _get(engine: AsyncEngine, path: str) -> tuple[int, dict[str, object]]:
    async with TestClient(TestServer(create_web_app(engine))) as client:
        response = await client.get(path)
        return response.status, await response.json()


async def test_readyz_when_database_is_at_head(engine: AsyncEngine) -> None:
    assert await _get(engine, "/readyz") == (200, {"status": "ready", "revision": HEAD})
    assert await _get(engine, "/healthz") == (200, {"status": "ok"})


async def test_readyz_is_503_when_database_is_unreachable() -> None:
    engine = create_engine("postgresql+psycopg://postgres@127.0.0.1:1/threadline")
    try:
        assert await _get(engine, "/readyz") == (
            503,
            {"status": "unavailable", "reason": "database unreachable"},
        )
        # Liveness does not depend on the database: a restart would not fix it.
        assert await _get(engine, "/healthz") == (200, {"status": "ok"})
    finally:
        await engine.dispose()


async def test_readyz_is_503_when_schema_is_behind(tmp_path: Path) -> None:
    engine = create_engine(sqlite_url(tmp_path / "behind.db"))
    try:
        await schema.upgrade(engine, FIRST_REVISION)
        status, body = await _get(engine, "/readyz")
        assert status == 503
        assert body["status"] == "unavailable"
        assert f"database schema is at {FIRST_REVISION}, expected {HEAD}" in str(body["reason"])
        assert UPGRADE_HINT in str(body["reason"])
    finally:
        await engine.dispose()
