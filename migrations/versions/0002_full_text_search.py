"""full-text search over tickets and messages

PostgreSQL gets GIN expression indexes that `core.services.search` queries with the very
same expressions. SQLite gets FTS5 external-content tables kept in step by triggers; a
SQLite built without FTS5 keeps working through the LIKE fallback.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 23:10:00
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy.exc import OperationalError

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (fts table, content table, indexed columns)
SQLITE_FTS_TABLES = (
    ("tickets_fts", "tickets", ("title", "description")),
    ("messages_fts", "messages", ("body",)),
)


def _sqlite_fts_statements(fts: str, table: str, columns: tuple[str, ...]) -> list[str]:
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    delete_old = f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old});"
    insert_new = f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new});"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{table}', content_rowid='id', "
        "tokenize='porter unicode61')",
        f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN {insert_new} END",
        f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN {delete_old} END",
        f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {cols} ON {table} "
        f"BEGIN {delete_old} {insert_new} END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


def _sqlite_has_fts5() -> bool:
    try:
        op.execute("CREATE VIRTUAL TABLE temp.fts5_probe USING fts5(x)")
    except OperationalError:
        return False
    op.execute("DROP TABLE temp.fts5_probe")
    return True


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            "CREATE INDEX ix_tickets_search ON tickets USING gin "
            "(to_tsvector('english', title || ' ' || description))"
        )
        op.execute(
            "CREATE INDEX ix_messages_search ON messages USING gin (to_tsvector('english', body))"
        )
    elif dialect == "sqlite" and _sqlite_has_fts5():
        for fts, table, columns in SQLITE_FTS_TABLES:
            for statement in _sqlite_fts_statements(fts, table, columns):
                op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_messages_search")
        op.execute("DROP INDEX IF EXISTS ix_tickets_search")
    elif dialect == "sqlite":
        for fts, _table, _columns in SQLITE_FTS_TABLES:
            for suffix in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {fts}")
