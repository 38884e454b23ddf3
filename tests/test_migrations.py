"""The schema comes only from migrations: after `db upgrade` the models find nothing to change."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from ledger.base import Base


def test_models_and_migrations_agree(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_append_only_triggers_come_from_a_migration(engine):
    query = (
        "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        if engine.dialect.name == "sqlite"
        else "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    )
    with engine.connect() as conn:
        names = {row[0] for row in conn.exec_driver_sql(query)}
    expected = (
        {"ledger_entries_no_update", "ledger_entries_no_delete", "ledger_entries_no_replace"}
        if engine.dialect.name == "sqlite"
        else {"ledger_entries_no_update_delete", "ledger_entries_no_truncate"}
    )
    assert expected <= names
