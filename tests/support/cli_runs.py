"""Running the `threadline` command line against one database, for the CLI tests.

Starting the interpreter costs about a second per command, so each command's main path
runs through the real console script (`Cli(...)(...)`) and the detailed matrices call
`bot.cli.main.main` in process (same parsing, environment and output; `cli.inline(...)`).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from core import schema
from core.db import create_engine
from tests.conftest import POSTGRES_URL
from tests.support.cli_helpers import run_cli, run_cli_in_process

HEAD = schema.head_revision()
FIRST_REVISION = "0001"
UPGRADE_HINT = "threadline db upgrade"

needs_postgres = pytest.mark.skipif(POSTGRES_URL is None, reason="TEST_DATABASE_URL is not set")


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


async def revision_of(url: str) -> str | None:
    engine = create_engine(url)
    try:
        return await schema.current_revision(engine)
    finally:
        await engine.dispose()


async def upgrade_to(url: str, revision: str) -> None:
    engine = create_engine(url)
    try:
        await schema.upgrade(engine, revision)
    finally:
        await engine.dispose()


@dataclass
class Cli:
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
