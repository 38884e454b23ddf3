"""Settings from environment variables, with defaults that are safe on a fresh machine."""

import os
import secrets
from pathlib import Path


def database_url(instance_path: str) -> str:
    """``DATABASE_URL``, or a SQLite file in the instance folder.

    Plain ``postgres://`` and ``postgresql://`` URLs are given the psycopg 3 driver we install.
    """
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "jifen.sqlite")
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def secret_key(instance_path: str) -> str:
    """``SECRET_KEY``, or a key generated once and kept in the instance folder.

    Never a constant in the code: a known key would let anyone forge sessions and QR tokens.
    """
    return instance_secret(instance_path, "SECRET_KEY", "secret_key")


def instance_secret(instance_path: str, env_name: str, filename: str) -> str:
    """The environment variable ``env_name``, or a random key made once into ``filename``."""
    key = os.environ.get(env_name, "").strip()
    if key:
        return key
    path = Path(instance_path) / filename
    if not path.exists():
        # O_EXCL: two workers starting at once must not write two different keys.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
    return path.read_text().strip()


def load(instance_path: str) -> dict:
    """The app's configuration as a mapping, read from the environment now."""
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    return {
        "SECRET_KEY": secret_key(instance_path),
        # A separate key for hashing ID numbers: rotating the session key must not lose matches.
        "ID_HASH_KEY": instance_secret(instance_path, "ID_HASH_KEY", "id_hash_key"),
        "LOGIN_MAX_FAILURES": int(os.environ.get("LOGIN_MAX_FAILURES", 5)),
        "LOGIN_WINDOW_MINUTES": int(os.environ.get("LOGIN_WINDOW_MINUTES", 15)),
        "SQLALCHEMY_DATABASE_URI": database_url(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "BABEL_DEFAULT_LOCALE": os.environ.get("DEFAULT_LOCALE", "zh_CN"),
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("TIMEZONE", "Asia/Shanghai"),
        "LANGUAGES": ("zh_CN", "en"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "") == "1",
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_UPLOAD_BYTES", 8 * 1024 * 1024)),
        "PUBLIC_LEDGER_PAGE_SIZE": 50,
        # Claim and goods photos live on disk, outside the database and the static folder.
        "PHOTO_DIR": os.environ.get("PHOTO_DIR", "").strip() or str(Path(instance_path) / "photos"),
        # The address printed in QR codes (credit sheets, posters): what phones reach, which behind
        # a proxy is not the address a request came in on. Empty: the request's own address.
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "").strip().rstrip("/"),
    }
