"""Publications: database triggers refusing any change once written; village expiry opt-in date.

The ORM already refuses to update or delete a publication; these triggers refuse it whatever route
is taken (a script, a SQL console), as the ledger's entries are protected. ``expire_yearly_since``
records when a village switched yearly expiry on, so a year is expired only where villagers were
told in time.

Revision ID: 7b3e9c2a4d15
Revises: df38aee11759
Create Date: 2026-11-29 18:05:00

"""

import sqlalchemy as sa
from alembic import op

revision = "7b3e9c2a4d15"
down_revision = "df38aee11759"
branch_labels = None
depends_on = None

MESSAGE = "publications are frozen; publish an erratum instead"

SQLITE_UP = [
    f"""CREATE TRIGGER publications_no_update BEFORE UPDATE ON publications
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}: UPDATE refused'); END""",
    f"""CREATE TRIGGER publications_no_delete BEFORE DELETE ON publications
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}: DELETE refused'); END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER publications_no_update",
    "DROP TRIGGER publications_no_delete",
]

POSTGRESQL_UP = [
    f"""CREATE FUNCTION publications_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE}: % refused', TG_OP USING ERRCODE = 'restrict_violation';
    END $$""",
    """CREATE TRIGGER publications_no_update_delete BEFORE UPDATE OR DELETE ON publications
    FOR EACH ROW EXECUTE FUNCTION publications_refuse_change()""",
    """CREATE TRIGGER publications_no_truncate BEFORE TRUNCATE ON publications
    FOR EACH STATEMENT EXECUTE FUNCTION publications_refuse_change()""",
]
POSTGRESQL_DOWN = [
    "DROP TRIGGER publications_no_truncate ON publications",
    "DROP TRIGGER publications_no_update_delete ON publications",
    "DROP FUNCTION publications_refuse_change()",
]


def _run(statements_by_dialect):
    dialect = op.get_bind().dialect.name
    if dialect not in statements_by_dialect:
        raise NotImplementedError(f"no publication triggers for {dialect}")
    for statement in statements_by_dialect[dialect]:
        op.execute(statement)


def upgrade():
    _run({"sqlite": SQLITE_UP, "postgresql": POSTGRESQL_UP})
    with op.batch_alter_table("village_settings") as batch_op:
        batch_op.add_column(sa.Column("expire_yearly_since", sa.DateTime(), nullable=True))
    # Villages that chose expiry already: from when their settings were last saved.
    op.execute("UPDATE village_settings SET expire_yearly_since = updated_at WHERE expire_yearly")


def downgrade():
    with op.batch_alter_table("village_settings") as batch_op:
        batch_op.drop_column("expire_yearly_since")
    _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRESQL_DOWN})
