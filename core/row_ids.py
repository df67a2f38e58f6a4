"""Handing out primary keys before the rows are written, so a `RowBatch` can link its rows.

A batch writes a ticket, its threads and the outbox rows that name both in one go, so their
ids must be known while the rows are built. Each database hands them out safely:

- PostgreSQL draws them from each table's own serial sequence (`nextval`), exactly as the
  insert would, so concurrent transactions never get the same id.
- SQLite has no sequences, but every writing transaction here holds the database's write
  lock from its first statement (`BEGIN IMMEDIATE`, see `core.db`), so the next ids after
  the highest one in use are this transaction's alone. For AUTOINCREMENT tables the highest
  id ever used counts (`sqlite_sequence`), so a deleted ticket's number is never reused,
  just as SQLite itself would have it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import ColumnElement, Integer, Table, column, func, literal, select, table

from core.models import Base
from core.row_batch import table_of

Ids = dict[type[Base], list[int]]
Counts = tuple[tuple[type[Base], int], ...]
_SQLITE_SEQUENCE = table("sqlite_sequence", column("name"), column("seq", Integer))


@dataclass(frozen=True)
class Reservation:
    """Columns that hand out ids when a SELECT evaluates them, and how to read them back.

    The columns are uncorrelated subqueries, which PostgreSQL evaluates once per statement
    however many rows the SELECT returns (and were it to draw again for later rows, those
    ids would merely go unused: the first row's are the ones read). On SQLite they only
    read. So the ids can ride on a statement that runs anyway (see
    `core.services.assignment.landing`).
    """

    counts: Counts
    columns: tuple[ColumnElement[int], ...]
    from_sequences: bool

    def ids(self, values: Sequence[int]) -> Ids:
        """The ids, per mapped class, from the values of `columns` in one row."""
        found = iter(values)
        ids: Ids = {}
        for model, n in self.counts:
            if self.from_sequences:
                ids[model] = [next(found) for _ in range(n)]
            else:  # the highest id in use, when any is wanted
                last = next(found) if n else 0
                ids[model] = list(range(last + 1, last + 1 + n))
        return ids


def reservation(dialect_name: str, counts: Mapping[type[Base], int]) -> Reservation:
    """`counts[m]` fresh ids for each mapped class `m` (whose primary key is one integer
    `id`). The transaction that evaluates them must be one that writes."""
    return _reservation(dialect_name, tuple(counts.items()))


@lru_cache(maxsize=32)
def _reservation(dialect_name: str, counts: Counts) -> Reservation:
    if dialect_name == "postgresql":
        draws = tuple(
            select(
                func.nextval(func.pg_get_serial_sequence(table_of(m).name, "id"))
            ).scalar_subquery()
            for m, n in counts
            for _ in range(n)
        )
        return Reservation(counts, draws, from_sequences=True)
    highest = tuple(_highest_sqlite_id(table_of(m)) for m, n in counts if n)
    return Reservation(counts, highest, from_sequences=False)


def _highest_sqlite_id(target: Table) -> ColumnElement[int]:
    in_use = select(func.max(target.c.id)).scalar_subquery()
    if not target.dialect_options["sqlite"]["autoincrement"]:
        return func.coalesce(in_use, 0)
    ever = (
        select(_SQLITE_SEQUENCE.c.seq)
        .where(_SQLITE_SEQUENCE.c.name == literal(target.name))
        .scalar_subquery()
    )
    return func.max(func.coalesce(ever, 0), func.coalesce(in_use, 0))
