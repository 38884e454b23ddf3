"""Users (logging in by phone number), their role grants, and login attempts for throttling."""

import os
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from incentives.places.models import Person, Region
from ledger.base import Base
from ledger.models import BigId, utcnow


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    password_hash: Mapped[str] = mapped_column(String(256))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), unique=True)
    # Set when a committee member resets the password: the next login must choose a new one.
    must_change_password: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    person: Mapped[Person | None] = relationship()
    grants: Mapped[list["RoleGrant"]] = relationship(
        back_populates="user", lazy="selectin", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:
        return self.active

    def set_password(self, password: str) -> None:
        # scrypt by default; PASSWORD_HASH_METHOD lets the test suite use a cheap method.
        method = os.environ.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


class RoleGrant(Base):
    """A role held on a node: it covers that node's subtree and nothing else."""

    __tablename__ = "role_grants"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(24))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    granted_by: Mapped[str] = mapped_column(String(64), default="system")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="grants")
    region: Mapped[Region] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("user_id", "role", "region_id"),)


class LoginAttempt(Base):
    """Kept in the database so throttling holds across all web workers."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    phone: Mapped[str] = mapped_column(String(20))
    ip: Mapped[str] = mapped_column(String(45))
    succeeded: Mapped[bool]
    at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_login_attempts_phone_at", "phone", "at"),
        Index("ix_login_attempts_ip_at", "ip", "at"),
    )
