"""Rules and their versions. A rule never changes in place: an edit is a new version, so the
points already posted keep pointing at the version they came from."""

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incentives.places.models import Region
from ledger.base import Base
from ledger.models import BigId, utcnow


class Category(enum.StrEnum):
    VOLUNTEER = "volunteer"
    SAFE_FAMILY = "safe_family"
    VILLAGE_RULES = "village_rules"
    FILIAL = "filial"
    ENVIRONMENT = "environment"
    OTHER = "other"


CATEGORY_LABELS = {
    Category.VOLUNTEER: _l("志愿服务"),
    Category.SAFE_FAMILY: _l("平安家庭"),
    Category.VILLAGE_RULES: _l("村规民约"),
    Category.FILIAL: _l("孝老爱亲"),
    Category.ENVIRONMENT: _l("环境卫生"),
    Category.OTHER: _l("其他"),
}


class Per(enum.StrEnum):
    HOUR = "hour"
    OCCURRENCE = "occurrence"


class CapPeriod(enum.StrEnum):
    NONE = "none"
    MONTH = "month"
    YEAR = "year"


class Rule(Base):
    """A rule's identity: who published it and, for a village's adjustment of a higher rule,
    which rule it adjusts. Its content lives in :class:`RuleVersion`."""

    __tablename__ = "rules"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    adjusts_rule_id: Mapped[int | None] = mapped_column(ForeignKey("rules.id"))
    category: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    region: Mapped[Region] = relationship()
    versions: Mapped[list["RuleVersion"]] = relationship(
        back_populates="rule", order_by="RuleVersion.number", lazy="selectin"
    )

    __table_args__ = (UniqueConstraint("region_id", "adjusts_rule_id"),)

    @property
    def current(self) -> "RuleVersion":
        return self.versions[-1]


class RuleVersion(Base):
    __tablename__ = "rule_versions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("rules.id"), index=True)
    number: Mapped[int]
    name: Mapped[str] = mapped_column(String(100))
    points: Mapped[int]  # per unit; negative for a deduction (扣分)
    per: Mapped[str] = mapped_column(String(12))
    # The range a village may set when it adjusts this rule (None: no adjustment allowed).
    village_min: Mapped[int | None]
    village_max: Mapped[int | None]
    cap_period: Mapped[str] = mapped_column(String(8), default=CapPeriod.NONE.value)
    cap_points: Mapped[int | None]  # most points one household may get from it per period
    evidence_required: Mapped[bool] = mapped_column(default=False)
    approval_required: Mapped[bool] = mapped_column(default=True)
    self_report: Mapped[bool] = mapped_column(default=True)  # villagers may 申报 it themselves
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    rule: Mapped[Rule] = relationship(back_populates="versions")

    __table_args__ = (UniqueConstraint("rule_id", "number"),)

    @property
    def is_deduction(self) -> bool:
        return self.points < 0
