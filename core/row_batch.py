"""Writing every row of one change in as few statements as the database allows.

Filing a ticket writes a dozen rows into nine tables: the ticket, its orgs, tags and
reporter, the audit entry, notification-center rows, outbox rows, thread rows, and the
owner's assignment time. Sent one statement at a time, that is a dozen round trips, each
costing more than the rows themselves. A `RowBatch` collects the rows (plain dicts, keyed by
column) and `write` sends them:

- on PostgreSQL as one statement: each table's inserted rows are a data-modifying CTE fed by
  a single JSON parameter (`jsonb_populate_recordset` over the table's own row type, so
  PostgreSQL parses every value into its column's type), and each updated row a CTE of its
  own. The statement's text depends on which tables and columns are written (and how many
  rows are updated), never on how many rows are inserted, so it is built and compiled once
  and its plan is prepared once per connection. Foreign keys are checked at the end of the
  statement, so the order of the CTEs does not matter.
- on SQLite, which has no data-modifying CTEs, as one executemany per table in foreign-key
  order (SQLite runs in process: there is no network round trip to save).

Columns a row leaves out get the column's Python-side default (as an ORM insert would), so
both databases store the same row. Primary keys the rows refer to each other by must be in
the rows: `core.row_ids` hands them out before the rows are built.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache, lru_cache
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    Text,
    bindparam,
    cast,
    func,
    insert,
    inspect,
    literal,
    literal_column,
    select,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.sql.dml import Update
from sqlalchemy.sql.schema import ColumnDefault

from core.models import Base

Row = dict[str, Any]
_DATES_TO_DEFAULT = orjson.OPT_PASSTHROUGH_DATETIME
_POSTGRESQL_NAMES = postgresql.dialect().identifier_preparer  # type: ignore[no-untyped-call]


def table_of(model: type[Base]) -> Table:
    """The table a mapped class is stored in."""
    table = model.__table__
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not mapped to a single table")
    return table


@dataclass
class RowBatch:
    """Rows to insert per table, and rows whose columns to update (found by primary key)."""

    inserts: dict[Table, list[Row]] = field(default_factory=dict)
    updates: dict[Table, list[Row]] = field(default_factory=dict)
    # PostgreSQL: a channel to NOTIFY (at commit) with the same statement.
    notify_channel: str | None = None

    def insert(self, model: type[Base], rows: Sequence[Row]) -> None:
        self.inserts.setdefault(table_of(model), []).extend(rows)

    def update(self, model: type[Base], rows: Sequence[Row]) -> None:
        """Each row names its primary key and the columns to set; rows of one table must set
        the same columns."""
        table = table_of(model)
        missing = [c.key for c in table.primary_key.columns if any(c.key not in r for r in rows)]
        if missing:
            raise ValueError(f"update rows of {table.name} lack the primary key {missing}")
        updated = self.updates.get(table, [])
        if any(row.keys() != (updated or rows)[0].keys() for row in rows):
            raise ValueError(f"rows updating {table.name} must all name the same columns")
        self.updates[table] = [*updated, *rows]


def column_values(instance: object) -> Row:
    """The column values set on a new ORM object, as a row for `RowBatch.insert`."""
    state = inspect(instance)
    values = state.dict
    return {
        prop.columns[0].key: values[prop.key]
        for prop in state.mapper.column_attrs
        if prop.key in values
    }


def attach_as_loaded(session: AsyncSession, instances: Sequence[object]) -> None:
    """Put new objects whose rows a batch wrote into the session as if loaded from them:
    persistent and unchanged, so the unit of work does not insert them again. Attributes
    left unset are expired (and load on access, where their relationship allows it)."""
    for instance in instances:
        make_transient_to_detached(instance)
    session.add_all(instances)


async def write(session: AsyncSession, batch: RowBatch) -> None:
    """Send the whole batch within the session's transaction (which it begins if need be)."""
    inserts = {table: _complete(table, rows) for table, rows in batch.inserts.items() if rows}
    updates = {table: rows for table, rows in batch.updates.items() if rows}
    if not (inserts or updates or batch.notify_channel):
        return
    # Core statements: straight to the connection, past the ORM's execution layer.
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        updated = [(table, row) for table, rows in updates.items() for row in rows]
        shape = _Shape(
            inserts=tuple((table, keys) for table, (keys, _rows) in inserts.items()),
            updates=tuple((table, tuple(row)) for table, row in updated),
            notify_channel=batch.notify_channel,
        )
        params: dict[str, Any] = {
            f"insert_{table.name}": _json(rows) for table, (_, rows) in inserts.items()
        }
        for n, (_table, row) in enumerate(updated):
            params |= _update_params(f"update_{n}", row)
        await connection.execute(_postgresql_statement(shape), params)
        return
    for table in _foreign_key_order(inserts):
        await connection.execute(insert(table), inserts[table][1])
    for table, rows in updates.items():
        statement = _update_by_key(table, tuple(rows[0]), "b")
        await connection.execute(statement, [_update_params("b", row) for row in rows])


def _foreign_key_order(inserts: Mapping[Table, object]) -> list[Table]:
    order = {table: n for n, table in enumerate(Base.metadata.sorted_tables)}
    return sorted(inserts, key=order.__getitem__)


def _complete(table: Table, rows: Sequence[Row]) -> tuple[tuple[str, ...], list[Row]]:
    """The columns to write, in table order: those any row names, plus columns with Python
    defaults; and every row with all of them."""
    columns, defaults = _columns_of(table)
    named = {key for row in rows for key in row}
    unknown = named.difference(columns)
    if unknown:
        raise ValueError(f"{table.name} has no columns {sorted(unknown)}")
    keys = tuple(key for key in columns if key in named or key in defaults)
    if all(len(row) == len(keys) for row in rows):
        return keys, list(rows)
    filled = [
        {key: row[key] if key in row else _default_value(defaults.get(key)) for key in keys}
        for row in rows
    ]
    return keys, filled


@cache
def _columns_of(table: Table) -> tuple[tuple[str, ...], dict[str, ColumnDefault]]:
    """The table's column keys in order, and those with a Python-side default."""
    defaults = {
        column.key: column.default
        for column in table.columns
        if isinstance(column.default, ColumnDefault)
    }
    return tuple(table.columns.keys()), defaults


def _default_value(default: ColumnDefault | None) -> Any:
    if default is None:
        return None
    # SQLAlchemy wraps a column's default callable to take an execution context it ignores.
    return default.arg(None) if default.is_callable else default.arg


@lru_cache(maxsize=64)
def _update_by_key(table: Table, keys: tuple[str, ...], prefix: str) -> Update:
    """UPDATE table SET col = :<prefix>_col ... WHERE pk = :<prefix>_pk. Plain parameters:
    the row is found by its primary key index (a join to a JSON recordset would be planned
    as a scan of the whole table)."""
    primary = {c.key for c in table.primary_key.columns}
    param = {key: bindparam(f"{prefix}_{key}", type_=table.c[key].type) for key in keys}
    statement = update(table).values({k: v for k, v in param.items() if k not in primary})
    for key in primary:
        statement = statement.where(table.c[key] == param[key])
    return statement


def _update_params(prefix: str, row: Row) -> Row:
    return {f"{prefix}_{key}": value for key, value in row.items()}


# --- PostgreSQL: one statement -----------------------------------------------------------


@dataclass(frozen=True)
class _Shape:
    """What a batch's statement depends on: its tables and columns (and how many rows it
    updates), not its rows."""

    inserts: tuple[tuple[Table, tuple[str, ...]], ...]
    updates: tuple[tuple[Table, tuple[str, ...]], ...]
    notify_channel: str | None


@lru_cache(maxsize=64)
def _postgresql_statement(shape: _Shape) -> Select[Any]:
    """Built once per shape: the same statement object keeps SQLAlchemy's cache key too."""
    ctes = []
    for table, columns in shape.inserts:
        source = _recordset(table, f"insert_{table.name}", columns)
        rows = select(*(source.c[c] for c in columns))
        ctes.append(insert(table).from_select(columns, rows).cte(f"w_insert_{table.name}"))
    for n, (table, columns) in enumerate(shape.updates):  # one updated row a CTE
        statement = _update_by_key(table, columns, f"update_{n}")
        ctes.append(statement.cte(f"w_update_{n}_{table.name}"))
    if shape.notify_channel is not None:
        result: ColumnElement[Any] = func.pg_notify(shape.notify_channel, "")
    else:
        result = literal(1)
    return select(result).add_cte(*ctes)


def _recordset(table: Table, param: str, columns: tuple[str, ...]) -> Any:
    """`jsonb_populate_recordset(NULL::<table>, :param)`: the JSON rows typed as the table's."""
    quoted = _POSTGRESQL_NAMES.format_table(table)
    row_type: ColumnElement[Any] = literal_column(f"NULL::{quoted}")
    rows = cast(bindparam(param, type_=Text), JSONB)
    return func.jsonb_populate_recordset(row_type, rows).table_valued(*columns).alias(param)


def _json(rows: list[Row]) -> str:
    """orjson: the stdlib's encoder took a tenth of a ticket creation. Dates and times come
    to `_json_value`, which refuses naive ones as `UTCDateTime` does on SQLite."""
    try:
        return orjson.dumps(rows, default=_json_value, option=_DATES_TO_DEFAULT).decode()
    except orjson.JSONEncodeError as error:
        if isinstance(error.__cause__, ValueError):  # a naive datetime: say so
            raise error.__cause__ from None
        raise


def _json_value(value: object) -> object:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware UTC datetime")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a column value a batch can write")
