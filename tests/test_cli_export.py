"""`threadline tickets export` (SPEC §5): every filter and format over one populated database,
on SQLite and PostgreSQL (the export's SQL on another dialect), in process and through the
real console script with identical output.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import update

from core.db import create_engine, create_sessionmaker
from core.models import Ticket
from core.services import tickets
from core.services.export import COLUMNS
from tests.conftest import BACKENDS, POSTGRES_URL
from tests.support.cli_helpers import scratch_postgres_database
from tests.support.cli_runs import Cli, sqlite_url, upgrade_to
from tests.support.world import build_world

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
    await upgrade_to(url, "head")
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
        cli = Cli(url, cwd)
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
        return contextlib.nullcontext(sqlite_url(cwd / "export.db"))
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
