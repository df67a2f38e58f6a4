"""What the benchmarks share: the databases `--db` picks, percentiles, a statement recorder."""

import contextlib
import re
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import event, make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine

from core.db import create_engine

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def pct(values: Sequence[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


class SqlRecorder:
    """Counts and times, per kind of statement, what is sent to the database while `active`.

    Statements are only collected while timing; labelling them (regular expressions) waits
    for `stats`, so the recorder adds next to nothing to the figures it sits in."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.active, self._t0 = False, 0.0
        self.seen: list[tuple[str, float]] = []  # (statement, seconds)
        event.listen(engine.sync_engine, "before_cursor_execute", self._before)
        event.listen(engine.sync_engine, "after_cursor_execute", self._after)

    def _before(self, *_: Any) -> None:
        self._t0 = time.perf_counter()

    def _after(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if self.active:
            self.seen.append((statement, time.perf_counter() - self._t0))

    @property
    def stats(self) -> dict[str, list[float]]:
        """[count, seconds] per statement label."""
        stats: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
        for statement, seconds in self.seen:
            entry = stats[self.label(statement)]
            entry[0] += 1
            entry[1] += seconds
        return dict(stats)

    @staticmethod
    def label(statement: str) -> str:
        """`VERB table +joined [FOR UPDATE] | where…`, with parameters and casts elided."""
        sql = re.sub(r"::\w+", "", re.sub(r"%\(\w+\)s|\?", "?", " ".join(statement.split())))
        sql = re.sub(r"\(\?(?:, \?)*\)", "(…)", sql)
        tables = " +".join(dict.fromkeys(re.findall(r"(?:FROM|INTO|UPDATE|JOIN) (\w+)", sql)))
        where = re.search(r" WHERE (.*?)(?: ORDER| GROUP| LIMIT| FOR| RETURNING|$)", sql)
        clause = " | " + re.sub(r"\b\w+\.", "", where.group(1))[:50] if where else ""
        lock = " FOR UPDATE" if "FOR UPDATE" in sql else ""
        return f"{sql.split(' ', 1)[0]} {tables}{lock}{clause}"


@contextlib.asynccontextmanager
async def scratch_database(pg_url: str, name: str) -> AsyncIterator[str]:
    """A fresh database `name` on `pg_url`'s server for the block (dropped after); its URL."""
    drop = text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(drop)
            await conn.execute(text(f"CREATE DATABASE {name}"))
        yield make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(drop)
        await admin.dispose()


async def each_database(db: str, pg_url: str, scratch: str) -> AsyncIterator[str]:
    """The URL of each database `--db` asks for, one at a time: a SQLite file in a temporary
    folder, then the scratch database `scratch` on `pg_url`'s server (both gone after)."""
    if db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="threadline-bench-") as tmp:
            yield f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
    if db in ("postgresql", "both"):
        async with scratch_database(pg_url, scratch) as url:
            yield url
