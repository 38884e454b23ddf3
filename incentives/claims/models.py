"""Claims and what hangs on them: photos, objections, and each village's notice setting.

A claim is anything that waits for the notice before it posts: a villager's self-report, a
committee's deduction, one household's share of a bulk award. It keeps the rule version it was
made under, so a later revision of the rule never changes what it posts.
"""

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incentives.auth.models import User
from incentives.awards.models import Award
from incentives.places.models import Household, Region
from incentives.rules.models import Rule, RuleVersion
from ledger.base import Base
from ledger.models import BigId, utcnow

DEFAULT_NOTICE_DAYS = 7


class ClaimKind(enum.StrEnum):
    REPORT = "report"  # 申报: a villager for their own household
    DEDUCTION = "deduction"  # 扣分: entered by the committee
    BULK = "bulk"  # 集体奖励: one household's share of a committee's bulk award


class ClaimState(enum.StrEnum):
    SUBMITTED = "submitted"  # waits for a reviewer
    IN_NOTICE = "in_notice"  # approved, on the public notice until notice_ends_at
    OBJECTED = "objected"  # someone objected during the notice: back with the committee
    REJECTED = "rejected"  # refused at review, or withdrawn after an objection
    POSTED = "posted"  # on the ledger, through an award


KIND_LABELS = {
    ClaimKind.REPORT: _l("申报"),
    ClaimKind.DEDUCTION: _l("扣分"),
    ClaimKind.BULK: _l("集体奖励"),
}

STATE_LABELS = {
    ClaimState.SUBMITTED: _l("待审核"),
    ClaimState.IN_NOTICE: _l("公示中"),
    ClaimState.OBJECTED: _l("有异议，待村委处理"),
    ClaimState.REJECTED: _l("未通过"),
    ClaimState.POSTED: _l("已入账"),
}


class VillageSettings(Base):
    """A village's own choices (claims' notice, honour-roll names, yearly expiry); a village
    without a row uses the defaults."""

    __tablename__ = "village_settings"

    village_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), primary_key=True)
    notice_days: Mapped[int] = mapped_column(default=DEFAULT_NOTICE_DAYS)  # 0: no notice
    # Honour rolls and expiry (incentives/publications, incentives/expiry):
    show_full_names: Mapped[bool] = mapped_column(default=False, server_default=false())  # else 张*明
    expire_yearly: Mapped[bool] = mapped_column(default=False, server_default=false())  # year-end 清零
    expiry_notice_days: Mapped[int] = mapped_column(default=30, server_default="30")  # told this early
    # When expiry was switched on (naive UTC): a year is expired only if this is early enough for
    # villagers to be told ``expiry_notice_days`` ahead.
    expire_yearly_since: Mapped[datetime | None]
    updated_by: Mapped[str] = mapped_column(String(64), default="system")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Claim(Base):
    __tablename__ = "claims"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    state: Mapped[str] = mapped_column(String(12))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    # The household's village, kept here so the notice and the review queue are one indexed read.
    village_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    rule_id: Mapped[int] = mapped_column(ForeignKey("rules.id"))
    rule_version_id: Mapped[int] = mapped_column(ForeignKey("rule_versions.id"))
    quantity: Mapped[int]  # minutes for per-hour rules, a count otherwise
    points: Mapped[int]  # what the version gives for the quantity, before any cap
    done_on: Mapped[date]
    note: Mapped[str] = mapped_column(String(500), default="")
    submitted_by: Mapped[str] = mapped_column(String(64))  # "user:<id>" of who entered it
    submitted_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_by: Mapped[str | None] = mapped_column(String(64))  # the approver, the award's actor
    reviewed_at: Mapped[datetime | None]
    reject_reason: Mapped[str | None] = mapped_column(String(300))
    notice_ends_at: Mapped[datetime | None]
    posted_at: Mapped[datetime | None]
    award_id: Mapped[int | None] = mapped_column(ForeignKey("awards.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    household: Mapped[Household] = relationship()
    village: Mapped[Region] = relationship()
    rule: Mapped[Rule] = relationship()
    rule_version: Mapped[RuleVersion] = relationship()
    award: Mapped[Award | None] = relationship()
    photos: Mapped[list["ClaimPhoto"]] = relationship(
        back_populates="claim", order_by="ClaimPhoto.id", cascade="all, delete-orphan"
    )
    objections: Mapped[list["Objection"]] = relationship(
        back_populates="claim", order_by="Objection.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        Index("ix_claims_household", "household_id", "id"),
        Index("ix_claims_village_state", "village_id", "state"),
        # The posting job's read: claims in notice whose end has come.
        Index("ix_claims_state_notice_end", "state", "notice_ends_at"),
    )

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[ClaimState(self.state)])

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[ClaimKind(self.kind)])

    @property
    def open_objection(self) -> "Objection | None":
        return next((o for o in self.objections if o.resolution is None), None)


class ClaimPhoto(Base):
    """A photo attached to a claim. The file lives outside the database, named by ``sha256``
    (of the stored JPEG), so the same picture sent twice is stored once."""

    __tablename__ = "claim_photos"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    width: Mapped[int]
    height: Mapped[int]
    size: Mapped[int]  # bytes of the stored file
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    claim: Mapped[Claim] = relationship(back_populates="photos")

    __table_args__ = (UniqueConstraint("claim_id", "sha256"),)


class Resolution(enum.StrEnum):
    UPHELD = "upheld"  # the claim stands: back to the notice, or posted if its notice is over
    WITHDRAWN = "withdrawn"  # the objection was right: the claim is rejected


class Objection(Base):
    """异议: a villager's objection to an item in notice, and how the committee resolved it."""

    __tablename__ = "claim_objections"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolution: Mapped[str | None] = mapped_column(String(10))
    resolution_note: Mapped[str | None] = mapped_column(String(300))
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolved_at: Mapped[datetime | None]

    claim: Mapped[Claim] = relationship(back_populates="objections")
    user: Mapped[User] = relationship()
