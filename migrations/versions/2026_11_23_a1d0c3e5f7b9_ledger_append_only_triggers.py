"""Ledger: database triggers that refuse any change to an entry once written.

The code never updates or deletes an entry; these triggers make sure nobody else does either,
whatever route they take: UPDATE, DELETE, SQLite's INSERT OR REPLACE / REPLACE / upsert (whose
implicit delete fires no DELETE trigger unless recursive_triggers is on), PostgreSQL's TRUNCATE.

Revision ID: a1d0c3e5f7b9
Revises: bf6c89e46dd3
Create Date: 2026-11-23 18:30:00

"""

from alembic import op

revision = "a1d0c3e5f7b9"
down_revision = "bf6c89e46dd3"
branch_labels = None
depends_on = None

MESSAGE = "ledger_entries is append-only"

SQLITE_UP = [
    f"""CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}: UPDATE refused'); END""",
    f"""CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}: DELETE refused'); END""",
    # REPLACE resolves a unique conflict by deleting the old row first; refuse the insert
    # before that can happen, whatever the connection's recursive_triggers setting.
    f"""CREATE TRIGGER ledger_entries_no_replace BEFORE INSERT ON ledger_entries
    WHEN EXISTS (SELECT 1 FROM ledger_entries WHERE id = NEW.id
                 OR idempotency_key = NEW.idempotency_key
                 OR (NEW.reverses_id IS NOT NULL AND reverses_id = NEW.reverses_id))
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}: existing entry refused'); END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER ledger_entries_no_update",
    "DROP TRIGGER ledger_entries_no_delete",
    "DROP TRIGGER ledger_entries_no_replace",
]

POSTGRESQL_UP = [
    f"""CREATE FUNCTION ledger_entries_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE}: % refused', TG_OP USING ERRCODE = 'restrict_violation';
    END $$""",
    """CREATE TRIGGER ledger_entries_no_update_delete BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_entries_refuse_change()""",
    """CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_refuse_change()""",
]
POSTGRESQL_DOWN = [
    "DROP TRIGGER ledger_entries_no_truncate ON ledger_entries",
    "DROP TRIGGER ledger_entries_no_update_delete ON ledger_entries",
    "DROP FUNCTION ledger_entries_refuse_change()",
]


def _run(statements_by_dialect):
    dialect = op.get_bind().dialect.name
    if dialect not in statements_by_dialect:
        raise NotImplementedError(f"no append-only triggers for {dialect}")
    for statement in statements_by_dialect[dialect]:
        op.execute(statement)


def upgrade():
    _run({"sqlite": SQLITE_UP, "postgresql": POSTGRESQL_UP})


def downgrade():
    _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRESQL_DOWN})
