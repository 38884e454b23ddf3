"""Configuration from the environment, with safe defaults."""

from incentives import config


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = config.secret_key(str(tmp_path))
    assert len(first) == 64
    assert config.secret_key(str(tmp_path)) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_secret_key_from_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-env")
    assert config.secret_key(str(tmp_path)) == "from-env"
    assert not (tmp_path / "secret_key").exists()


def test_database_url_defaults_to_sqlite_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert config.database_url(str(tmp_path)) == f"sqlite:///{tmp_path}/jifen.sqlite"


def test_plain_postgresql_urls_get_the_psycopg_driver(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h:5432/d")
    assert config.database_url("") == "postgresql+psycopg://u@h:5432/d"
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/d")
    assert config.database_url("") == "postgresql+psycopg://u@h/d"
