"""Shared fixtures: a fresh migrated database per test, the app, its client and CLI runner."""

import os

import pytest
from sqlalchemy.orm import Session

from incentives import create_app
from ledger.transaction import configure_engine
from tests.databases import open_databases

# scrypt costs ~0.2 s a hash; the suite hashes hundreds of passwords. Production keeps scrypt.
os.environ.setdefault("PASSWORD_HASH_METHOD", "pbkdf2:sha256:1000")


@pytest.fixture(scope="session")
def databases():
    dbs = open_databases()
    yield dbs
    dbs.close()


@pytest.fixture
def db_url(databases):
    url = databases.create()
    yield url
    databases.drop(url)


@pytest.fixture
def engine(db_url):
    import sqlalchemy as sa

    engine = configure_engine(sa.create_engine(db_url))
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine):
    """A plain SQLAlchemy session: the ledger is tested without Flask."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def app(db_url):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": db_url,
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
        }
    )
    yield app
    from incentives.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def login_as(client):
    """Log the test client in as ``user`` (with the factories' password)."""
    from tests.factories import PASSWORD

    def login(user, password=PASSWORD):
        response = client.post("/login", data={"phone": user.phone, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return login
