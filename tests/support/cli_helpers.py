"""Helpers for tests that run `threadline` as a user would, and need scratch databases.

The CLI runs in a subprocess with a scrubbed environment (no inherited `DATABASE_URL`,
`SLACK_*` or `THREADLINE_*`) and in a temporary working directory, so neither the
developer's shell nor a `.env` file in the checkout can change what a test sees.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from core.db import create_engine
from tests.support.directory_text import SPEC_EXAMPLE

ROOT = Path(__file__).resolve().parent.parent
CLI_TIMEOUT_S = 60
SERVE_START_TIMEOUT_S = 30

SPEC_DIRECTORY = SPEC_EXAMPLE  # SPEC §5's example, byte for byte

_SCRUBBED_PREFIXES = ("SLACK_", "THREADLINE_", "DATABASE_URL")
_DB_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def threadline_command() -> list[str]:
    """The installed console script when there is one, else the module it points at."""
    script = Path(sys.executable).parent / "threadline"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "bot.cli.main"]


def cli_env(database_url: str | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUBBED_PREFIXES)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    env.update(extra)
    return env


def run_cli(
    args: Sequence[str],
    *,
    database_url: str | None,
    cwd: Path,
    stdin: str | None = None,
    timeout: float = CLI_TIMEOUT_S,
) -> subprocess.CompletedProcess[str]:
    """Run `threadline ARGS` to completion; a hang fails the test instead of blocking it."""
    return subprocess.run(  # noqa: S603 (our own console script, fixed arguments)
        [*threadline_command(), *args],
        cwd=cwd,
        env=cli_env(database_url),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_cli_in_process(
    args: Sequence[str], *, database_url: str | None, cwd: Path, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`bot.cli.main.main(ARGS)` in this process, with the same environment rules as `run_cli`.

    Much faster than a subprocess (no interpreter start-up), so the detailed matrices use
    it; the real console script is still run for each command's main path. Call it only
    from synchronous code: `main` runs its own event loop.
    """
    from bot.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name.startswith(_SCRUBBED_PREFIXES):
                mp.delenv(name)
        if database_url is not None:
            mp.setenv("DATABASE_URL", database_url)
        mp.chdir(cwd)
        mp.setattr(sys, "stdin", io.StringIO(stdin or ""))
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    status = main(list(args))
                except SystemExit as exit_:  # argparse usage errors
                    status = exit_.code if isinstance(exit_.code, int) else 1
        finally:  # main's logging.basicConfig must not outlive the call
            root.handlers[:] = handlers
            root.setLevel(level)
    return subprocess.CompletedProcess(
        ["threadline", *args], status, out.getvalue(), err.getvalue()
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class HttpAnswer:
    status: int
    body: dict[str, object]


def http_get(url: str, timeout: float = 5.0) -> HttpAnswer:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (http only)
            return HttpAnswer(response.status, json.loads(response.read()))
    except urllib.error.HTTPError as err:
        return HttpAnswer(err.code, json.loads(err.read()))


class ServeProcess:
    """`threadline serve` on a free local port; always stopped (then killed) on exit."""

    def __init__(self, *, database_url: str | None, cwd: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        env = cli_env(database_url, THREADLINE_HOST="127.0.0.1", THREADLINE_PORT=str(self.port))
        self.process = subprocess.Popen(  # noqa: S603
            [*threadline_command(), "serve"],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.stdout = ""
        self.stderr = ""

    def wait_until_serving(self, timeout: float = SERVE_START_TIMEOUT_S) -> HttpAnswer:
        """Poll /healthz until it answers; fail with the server's output if it exits first."""
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                self.collect()
                raise AssertionError(
                    f"serve exited with {self.process.returncode} before serving:\n{self.stderr}"
                )
            try:
                return http_get(f"{self.base_url}/healthz", timeout=1.0)
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    raise AssertionError(f"serve did not answer within {timeout}s") from None
                time.sleep(0.1)

    def get(self, path: str) -> HttpAnswer:
        return http_get(f"{self.base_url}{path}")

    def wait_for_exit(self, timeout: float = CLI_TIMEOUT_S) -> int:
        try:
            self.collect(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"serve did not exit within {timeout}s") from None
        return self.process.returncode

    def terminate(self, timeout: float = 15.0) -> int:
        """SIGTERM, as a process manager would send it; returns the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.wait_for_exit(timeout)

    def collect(self, timeout: float | None = None) -> None:
        out, err = self.process.communicate(timeout=timeout)
        self.stdout += out or ""
        self.stderr += err or ""

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired, ValueError):
            self.process.communicate(timeout=10)

    def __enter__(self) -> ServeProcess:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.kill()


# --- scratch PostgreSQL databases ----------------------------------------------------------


def scratch_database_name(prefix: str) -> str:
    """Unique per test process, so two test runs against one server do not collide."""
    name = f"{prefix}_{os.getpid()}"
    assert _DB_NAME.fullmatch(name), name
    return name


async def create_database(server_url: str, name: str) -> str:
    """(Re)create database `name` on `server_url`'s server; returns its URL."""
    assert _DB_NAME.fullmatch(name), name
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await engine.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


async def drop_database(server_url: str, name: str) -> None:
    assert _DB_NAME.fullmatch(name), name
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await engine.dispose()


@contextlib.contextmanager
def scratch_postgres_database(server_url: str, prefix: str) -> Iterator[str]:
    """A fresh, empty database for the length of the block (for sync fixtures and tests)."""
    name = scratch_database_name(prefix)
    url = asyncio.run(create_database(server_url, name))
    try:
        yield url
    finally:
        asyncio.run(drop_database(server_url, name))
