"""Fresh migrated databases for tests: SQLite file copies or PostgreSQL TEMPLATE copies.

``TEST_DATABASE_URL`` picks the server: unset means SQLite; a ``postgresql`` URL means each test
gets its own database created from a migrated template on that server. The append-only
triggers forbid truncating entries, so isolation is by fresh database, never by cleanup.
"""

import os
import shutil
import tempfile
import uuid
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from incentives.config import database_url


def test_server_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if not url:
        return ""
    os.environ["DATABASE_URL"] = url
    try:
        return database_url("")
    finally:
        del os.environ["DATABASE_URL"]


def migrate(url: str) -> None:
    """Run every Alembic revision on the empty database at ``url``."""
    import flask_migrate

    from incentives import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        flask_migrate.upgrade(revision="heads")  # works while parallel branches await a merge
        from incentives.extensions import db

        db.engine.dispose()


class SqliteDatabases:
    """Migrate one file once; hand every test a copy of it."""

    dialect = "sqlite"

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="jifen-tests-"))
        self.template = self.dir / "template.sqlite"
        migrate(f"sqlite:///{self.template}")

    def create(self) -> str:
        path = self.dir / f"{uuid.uuid4().hex}.sqlite"
        shutil.copyfile(self.template, path)
        return f"sqlite:///{path}"

    def drop(self, url: str) -> None:
        path = Path(make_url(url).database)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


class PostgresDatabases:
    """Migrate one template database once; ``CREATE DATABASE ... TEMPLATE`` for every test."""

    dialect = "postgresql"

    def __init__(self, server_url: str):
        self.server_url = make_url(server_url)
        self.admin = sa.create_engine(self.server_url, isolation_level="AUTOCOMMIT")
        self.prefix = f"jifen_t{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.template = f"{self.prefix}_tpl"
        self._execute(f'CREATE DATABASE "{self.template}"')
        migrate(self._url(self.template))

    def _url(self, name: str) -> str:
        return self.server_url.set(database=name).render_as_string(hide_password=False)

    def _execute(self, sql: str) -> None:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(sql)

    def create(self) -> str:
        name = f"{self.prefix}_{uuid.uuid4().hex[:8]}"
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        return self._url(name)

    def drop(self, url: str) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')

    def close(self) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
        self.admin.dispose()


def open_databases():
    server = test_server_url()
    if server.startswith("postgresql"):
        return PostgresDatabases(server)
    if server and not server.startswith("sqlite"):
        raise RuntimeError(f"TEST_DATABASE_URL must be sqlite or postgresql, not {server}")
    return SqliteDatabases()
