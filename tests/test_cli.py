"""The `threadline` command line (SPEC §5), run as a real process the way an operator runs it.

Every command gets `DATABASE_URL` in a scrubbed environment and a temporary working
directory. SQLite covers the whole surface; PostgreSQL covers what differs there: no
self-upgrade (commands refuse a database that is behind and name `threadline db upgrade`),
and the export's SQL on another dialect.

Starting the interpreter costs about a second per command, so each command's main path
runs through the real console script and the detailed matrices call `bot.cli.main.main` in
process (same parsing, environment and output; `cli.inline(...)`).
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import re
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.http_app import create_web_app
from core import schema
from core.db import create_engine, create_sessionmaker
from core.models import Ticket
from core.services import tickets
from core.services.export import COLUMNS
from tests.conftest import BACKENDS, POSTGRES_URL
from tests.support.cli_helpers import (
    SPEC_DIRECTORY,
    ServeProcess,
    run_cli,
    run_cli_in_process,
    scratch_postgres_database,
)
from tests.support.world import build_world

HEAD = schema.head_revision()
FIRST_REVISION = "0001"
UPGRADE_HINT = "threadline db upgrade"

needs_postgres = pytest.mark.skipif(POSTGRES_URL is None, reason="TEST_DATABASE_URL is not set")


def _sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


async def _revision_of(url: str) -> str | None:
    engine = create_engine(url)
    try:
        return await schema.current_revision(engine)
    finally:
        await engine.dispose()


async def _upgrade_to(url: str, revision: str) -> None:
    engine = create_engine(url)
    try:
        await schema.upgrade(engine, revision)
    finally:
        await engine.dispose()


@dataclass
class _Cli:
    database_url: str | None
    cwd: Path

    def __call__(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run the real console script in a subprocess."""
        return run_cli(args, database_url=self.database_url, cwd=self.cwd, stdin=stdin)

    def inline(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run `bot.cli.main.main` in this process."""
        return run_cli_in_process(args, database_url=self.database_url, cwd=self.cwd, stdin=stdin)

    def write(self, name: str, content: str) -> str:
        path = self.cwd / name
        path.write_text(content, encoding="utf-8")
        return str(path)


# --- db upgrade and directory import / export ----------------------------------------------

# Valid changes (a renamed org, a new org, new users) mixed with five mistakes: none of it
# may be written. Line numbers are this text's.
INVALID_DIRECTORY = """\
orgs:
  - slug: revampd
    name: Revampd Support Renamed
    kind: platform
    email_domains: [revampd.example]
    slack: {team: T0PLAT, ticket_channel: C0PLATTIX, escalations_channel: C0ESC, notify: channel}
  - slug: northwind
    name: Northwind IT (partner)
    kind: partner
    slack: {team: T0NORTH, ticket_channel: C0NWTIX, notify: both}
  - slug: contoso
    name: Contoso
    kind: sub_org
    parent: northwnd
    slack: {team: T0NORTH, ticket_channel: C0CONTIX, notify: dm}
  - slug: fabrikam
    name: Fabrikam
    kind: sub_org
    parent: northwind
    slack: {team: T0NORTH, ticket_channel: C0NWTIX, notify: sometimes}
users:
  - {email: ana@revampd.example, name: Ana, org: revampd, roles: [support_rep], slack: {team: T0PLAT, user: U0ANA}}
  - {email: not-an-email, name: Bo, org: northwind}
  - {email: cy@contoso.example, name: Cy, org: globex}
"""  # noqa: E501

INVALID_DIRECTORY_PROBLEMS = [
    "line 14: org 'contoso': `parent: northwnd` names no org in this file",
    "line 20: org 'fabrikam': `slack.notify` cannot be 'sometimes'",
    "line 20: org 'fabrikam': channel C0NWTIX is already used by org 'northwind' (first at "
    "line 10)",
    "line 23: user 'not-an-email': `email` 'not-an-email' is not an e-mail address",
    "line 24: user 'cy@contoso.example': `org: globex` names no org in this file",
]

# Well-formed, but a second platform next to the database's `revampd`.
CONFLICTING_DIRECTORY = """\
orgs:
  - slug: helpdesk
    name: Another Platform
    kind: platform
users:
  - {email: zed@helpdesk.example, name: Zed, org: helpdesk}
"""

# An update: revampd renamed, one new user; written in the export's own layout.
UPDATED_DIRECTORY = SPEC_DIRECTORY.replace("Revampd Support", "Revampd Helpdesk") + (
    "  - {email: bo@northwind.example, name: Bo, org: northwind, roles: [support_rep]}\n"
)


def test_db_upgrade_and_directory_import_export(tmp_path: Path) -> None:
    url = _sqlite_url(tmp_path / "cli.db")
    cli = _Cli(url, tmp_path)

    upgraded = cli("db", "upgrade")
    assert (upgraded.returncode, upgraded.stdout) == (0, f"database is at revision {HEAD}\n")
    assert asyncio.run(_revision_of(url)) == HEAD

    spec_file = cli.write("directory.yaml", SPEC_DIRECTORY)
    first = cli("directory", "import", spec_file)
    assert first.returncode == 0, first.stderr
    assert first.stdout == "orgs: 3 created, 0 updated; users: 1 created, 0 updated\n"
    again = cli.inline("directory", "import", spec_file)
    assert again.returncode == 0, again.stderr
    assert again.stdout == "orgs: 0 created, 0 updated; users: 0 created, 0 updated\n"

    before = cli("directory", "export")
    assert before.returncode == 0, before.stderr
    assert before.stdout == SPEC_DIRECTORY  # SPEC's own example comes back byte for byte

    invalid = cli("directory", "import", cli.write("invalid.yaml", INVALID_DIRECTORY))
    assert invalid.returncode == 2
    assert invalid.stdout == ""
    problems = [
        line.removeprefix("error: ")
        for line in invalid.stderr.splitlines()
        if re.match(r"(error: )?line \d+: ", line)
    ]
    assert len(problems) == len(INVALID_DIRECTORY_PROBLEMS), invalid.stderr
    for expected, line in zip(INVALID_DIRECTORY_PROBLEMS, problems, strict=True):
        assert line.startswith(expected), invalid.stderr

    conflict = cli.inline("directory", "import", cli.write("conflict.yaml", CONFLICTING_DIRECTORY))
    assert conflict.returncode == 2
    assert "already has platform org 'revampd'" in conflict.stderr
    assert "Use slug 'revampd' for the platform" in conflict.stderr

    missing = cli.inline("directory", "import", str(tmp_path / "nowhere.yaml"))
    assert missing.returncode == 2
    assert "Cannot read" in missing.stderr
    assert "nowhere.yaml" in missing.stderr

    after = cli.inline("directory", "export")
    assert after.returncode == 0, after.stderr
    assert after.stdout == before.stdout  # nothing of the rejected files was written

    updated = cli("directory", "import", "-", stdin=UPDATED_DIRECTORY)
    assert updated.returncode == 0, updated.stderr
    assert updated.stdout == "orgs: 0 created, 1 updated; users: 1 created, 0 updated\n"
    exported = cli.inline("directory", "export")
    assert exported.stdout == UPDATED_DIRECTORY

    # Round trip: the export, imported into a new database, exports to the very same text.
    copy = _Cli(_sqlite_url(tmp_path / "copy.db"), tmp_path)
    imported = copy.inline("directory", "import", cli.write("exported.yaml", exported.stdout))
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout == "orgs: 3 created, 0 updated; users: 2 created, 0 updated\n"
    assert copy.inline("directory", "export").stdout == exported.stdout


# --- tickets export ------------------------------------------------------------------------

# The tickets the export fixture creates, in id order: (creator, title, stages to walk
# through, created_at to set or None for now).
SINCE = "2024-03-01"
TICKETS = [
    ("carl", "Printer on fire", [], datetime(2024, 1, 15, 9, 30, tzinfo=UTC)),
    ("fay", "VPN down", ["WIP"], datetime(2024, 3, 1, 0, 0, tzinfo=UTC)),
    ("al", "Billing question", ["WIP", "R"], datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC)),
    ("carl", "Dark mode, please", [], None),
    ("ivy", "Login loops", ["ACR"], None),
]
TRIAGER = {"carl": "nina", "fay": "nina", "al": "ana", "ivy": "gus"}

# name: (arguments, expected ids for successful exports | (exit status, stderr snippet))
EXPORT_CASES: dict[str, tuple[list[str], list[int] | tuple[int, str]]] = {
    "csv-all": (["--format", "csv"], [1, 2, 3, 4, 5]),
    "default-format-is-csv": ([], [1, 2, 3, 4, 5]),
    "json-all": (["--format", "json"], [1, 2, 3, 4, 5]),
    "json-org": (["--format", "json", "--org", "contoso"], [1, 4]),
    "csv-org": (["--org", "acme"], [3]),
    "stage-short-form": (["--format", "json", "--stage", "WIP"], [2]),
    "stage-short-form-lowercase": (["--format", "json", "--stage", "wip"], [2]),
    "stage-name": (["--format", "json", "--stage", "work_in_progress"], [2]),
    "stage-closed": (["--format", "json", "--stage", "R"], [3]),
    "stage-acr": (["--format", "json", "--stage", "awaiting customer response"], [5]),
    "org-and-stage": (["--format", "json", "--org", "contoso", "--stage", "Q"], [1, 4]),
    "nothing-matches": (["--format", "json", "--org", "fabrikam", "--stage", "Q"], []),
    "nothing-matches-csv": (["--org", "fabrikam", "--stage", "Q"], []),
    "since": (["--format", "json", "--since", SINCE], [2, 4, 5]),
    "since-and-org": (["--since", SINCE, "--org", "contoso"], [4]),
    "bad-stage": (["--stage", "done"], (2, "'done' is not a stage. Use one of: queued (Q)")),
    "bad-org": (
        ["--org", "nowhere"],
        (2, "There is no organization 'nowhere'. Check the slug in the directory."),
    ),
    "bad-since": (["--since", "01/03/2024"], (2, "'01/03/2024' is not a date; use YYYY-MM-DD")),
    "bad-format": (["--format", "xml"], (2, "invalid choice: 'xml'")),
}


async def _populate(url: str) -> None:
    """Directory (the shared test world) and tickets, through the services."""
    await _upgrade_to(url, "head")
    engine = create_engine(url)
    try:
        sessions = create_sessionmaker(engine)
        world = await build_world(sessions)
        for creator, title, stages, created_at in TICKETS:
            tags = ["ui", "dark-mode"] if title.startswith("Dark") else []
            severity = "high" if tags else "medium"
            ticket = await world.act(
                creator, tickets.create, title=title, tags=tags, severity=severity
            )
            for stage in stages:
                await world.act(
                    TRIAGER[creator], tickets.change_stage, ticket=ticket.id, stage=stage
                )
            if created_at is not None:
                async with sessions.begin() as session:
                    await session.execute(
                        update(Ticket).where(Ticket.id == ticket.id).values(created_at=created_at)
                    )
    finally:
        await engine.dispose()


ExportResults = dict[str, subprocess.CompletedProcess[str]]

# Cases also run through the real console script; their output must be identical.
REAL_EXPORT_CASES = ("json-all", "since-and-org")


@pytest.fixture(scope="module", params=BACKENDS)
def export_results(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ExportResults]:
    """Every export case (they only read), run against one populated database.

    Keys are case names (in process) and `real:` + case name (console script).
    """
    cwd = tmp_path_factory.mktemp("export")
    with _export_database(request.param, cwd) as url:
        asyncio.run(_populate(url))
        cli = _Cli(url, cwd)
        with ThreadPoolExecutor(max_workers=len(REAL_EXPORT_CASES)) as pool:
            real = {
                name: pool.submit(cli, "tickets", "export", *EXPORT_CASES[name][0])
                for name in REAL_EXPORT_CASES
            }
            results = {
                name: cli.inline("tickets", "export", *args)
                for name, (args, _) in EXPORT_CASES.items()
            }
            results |= {f"real:{name}": future.result() for name, future in real.items()}
        yield results


def _export_database(backend: str, cwd: Path) -> contextlib.AbstractContextManager[str]:
    if backend == "sqlite":
        return contextlib.nullcontext(_sqlite_url(cwd / "export.db"))
    assert POSTGRES_URL is not None
    return scratch_postgres_database(POSTGRES_URL, "threadline_cli_export_test")


def _ids(result: subprocess.CompletedProcess[str], args: list[str]) -> list[int]:
    if "json" in args:
        rows = json.loads(result.stdout)
    else:
        reader = csv.DictReader(io.StringIO(result.stdout))
        assert reader.fieldnames == list(COLUMNS)
        rows = list(reader)
    return [int(row["id"].removeprefix("TKT-")) for row in rows]


@pytest.mark.parametrize("case", list(EXPORT_CASES))
def test_tickets_export(export_results: ExportResults, case: str) -> None:
    args, expected = EXPORT_CASES[case]
    result = export_results[case]
    if isinstance(expected, tuple):
        status, message = expected
        assert result.returncode == status
        assert message in result.stderr
        assert result.stdout == ""
        return
    assert result.returncode == 0, result.stderr
    assert _ids(result, args) == expected


def test_tickets_export_json_fields(export_results: ExportResults) -> None:
    rows = {row["id"]: row for row in json.loads(export_results["json-all"].stdout)}
    dark_mode = rows["TKT-4"]
    assert set(dark_mode) == set(COLUMNS)
    assert dark_mode["title"] == "Dark mode, please"
    assert (dark_mode["stage"], dark_mode["state"]) == ("queued", "open")
    assert dark_mode["severity"] == "high"
    assert dark_mode["tags"] == ["dark-mode", "ui"]
    assert (dark_mode["requester_org"], dark_mode["assigned_org"]) == ("contoso", "northwind")
    assert dark_mode["owner"] == "nina@northwind.example"
    assert dark_mode["closed_at"] is None
    billing = rows["TKT-3"]
    assert (billing["stage"], billing["state"]) == ("resolved", "closed")
    assert (billing["requester_org"], billing["assigned_org"]) == ("acme", "revampd")
    assert billing["closed_at"] is not None
    assert billing["created_at"] == "2024-02-29T23:59:59+00:00"
    assert rows["TKT-5"]["stage"] == "awaiting_customer_response"
    assert rows["TKT-5"]["assigned_org"] == "globex"


def test_tickets_export_csv_fields(export_results: ExportResults) -> None:
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(export_results["csv-all"].stdout))}
    assert rows["TKT-4"]["tags"] == "dark-mode ui"
    assert rows["TKT-4"]["owner"] == "nina@northwind.example"
    assert rows["TKT-1"]["created_at"] == "2024-01-15T09:30:00+00:00"
    assert rows["TKT-2"]["stage"] == "work_in_progress"
    assert export_results["default-format-is-csv"].stdout == export_results["csv-all"].stdout


@pytest.mark.parametrize("case", REAL_EXPORT_CASES)
def test_tickets_export_through_the_console_script(
    export_results: ExportResults, case: str
) -> None:
    real, inline = export_results[f"real:{case}"], export_results[case]
    assert real.returncode == 0, real.stderr
    assert real.stdout == inline.stdout
    assert _ids(real, EXPORT_CASES[case][0]) == EXPORT_CASES[case][1]


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
    assert asyncio.run(_revision_of(_sqlite_url(database))) == HEAD


@needs_postgres
def test_postgres_behind_head_is_refused_until_db_upgrade(tmp_path: Path) -> None:
    assert POSTGRES_URL is not None
    with scratch_postgres_database(POSTGRES_URL, "threadline_cli_serve_test") as url:
        cli = _Cli(url, tmp_path)
        spec_file = cli.write("directory.yaml", SPEC_DIRECTORY)

        # An empty database: every command but `db upgrade` refuses and names it.
        for args in (["directory", "import", spec_file], ["serve"], ["tickets", "export"]):
            refused = cli.inline(*args)
            assert refused.returncode == 2, args
            assert f"schema is at revision none but this version needs {HEAD}" in refused.stderr
            assert UPGRADE_HINT in refused.stderr
        assert asyncio.run(_revision_of(url)) is None  # nothing upgraded it behind our back

        # Behind head: the real `serve` exits at once instead of serving.
        asyncio.run(_upgrade_to(url, FIRST_REVISION))
        with ServeProcess(database_url=url, cwd=tmp_path) as server:
            status = server.wait_for_exit(timeout=30)
        assert status == 2
        assert f"schema is at revision {FIRST_REVISION} but this version needs {HEAD}" in (
            server.stderr
        )
        assert UPGRADE_HINT in server.stderr
        assert asyncio.run(_revision_of(url)) == FIRST_REVISION

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
    engine = create_engine(_sqlite_url(tmp_path / "behind.db"))
    try:
        await schema.upgrade(engine, FIRST_REVISION)
        status, body = await _get(engine, "/readyz")
        assert status == 503
        assert body["status"] == "unavailable"
        assert f"database schema is at {FIRST_REVISION}, expected {HEAD}" in str(body["reason"])
        assert UPGRADE_HINT in str(body["reason"])
    finally:
        await engine.dispose()


def test_directory_export_of_an_empty_database_says_what_to_do(tmp_path: Path) -> None:
    url = _sqlite_url(tmp_path / "empty.db")
    result = run_cli_in_process(["directory", "export"], database_url=url, cwd=tmp_path)
    assert result.returncode == 2
    assert "directory is empty" in result.stderr
    assert "threadline directory import FILE" in result.stderr
    assert result.stdout == ""
