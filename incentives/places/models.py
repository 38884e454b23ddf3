"""Regions of the tree, households and the persons in them."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ledger.base import Base
from ledger.models import BigId, utcnow


class Level(enum.StrEnum):
    COUNTY = "county"  # 县/区
    TOWNSHIP = "township"  # 乡镇/街道
    VILLAGE = "village"  # 村/社区
    GRID = "grid"  # 网格


CHILD_LEVEL = {Level.COUNTY: Level.TOWNSHIP, Level.TOWNSHIP: Level.VILLAGE, Level.VILLAGE: Level.GRID}


class Region(Base):
    """A node of the tree. ``path`` is the chain of ids from the root ("/1/4/9/"), so "is B in
    A's subtree" is a prefix test and a subtree is one indexed range query."""

    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    level: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(100))
    path: Mapped[str] = mapped_column(String(200), default="", index=True)

    parent: Mapped["Region | None"] = relationship(remote_side=[id])

    __table_args__ = (UniqueConstraint("parent_id", "name"),)

    def contains(self, other: "Region") -> bool:
        return other.path.startswith(self.path)

    def __repr__(self) -> str:
        return f"<Region {self.id} {self.level} {self.name}>"


class Household(Base):
    """户: points belong to the household, kept in its ledger account."""

    __tablename__ = "households"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    number: Mapped[str] = mapped_column(String(20))  # 户号 within the village
    head_name: Mapped[str] = mapped_column(String(50))
    address: Mapped[str] = mapped_column(String(200), default="")
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    village: Mapped[Region] = relationship(foreign_keys=[village_id])
    grid: Mapped[Region | None] = relationship(foreign_keys=[grid_id])
    members: Mapped[list["Person"]] = relationship(
        back_populates="household", order_by="Person.id"
    )

    __table_args__ = (UniqueConstraint("village_id", "number"),)

    @property
    def region(self) -> Region:
        """The narrowest node the household sits in: permissions are checked against it."""
        return self.grid or self.village


class Person(Base):
    """A resident. Only a keyed hash and the last four digits of the ID number are kept."""

    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    is_head: Mapped[bool] = mapped_column(default=False)
    id_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    id_last4: Mapped[str | None] = mapped_column(String(4))
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    hours_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    household: Mapped[Household] = relationship(back_populates="members")


class HouseholdMove(Base):
    """A person's move to another household (and maybe village); their hours stay with them."""

    __tablename__ = "household_moves"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    from_household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    to_household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    actor: Mapped[str] = mapped_column(String(64))
    moved_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_household_moves_to", "to_household_id"),)
