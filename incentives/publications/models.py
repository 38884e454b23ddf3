"""Publications: honour rolls and rankings, each a frozen snapshot of the ledger at one head.

A publication is written once and never changed (the ORM refuses an update or delete). A later
correction of the ledger does not alter it: an erratum is a new publication, the next revision
of the same (kind, region, period), pointing at the one it corrects.
"""

import enum
import json
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incentives.places.models import Region
from ledger.base import Base
from ledger.models import BigId


class PublicationKind(enum.StrEnum):
    HONOUR_ROLL = "honour_roll"  # 光荣榜: top households, 志愿之星, 平安家庭 (village or township)
    VILLAGE_RANKING = "village_ranking"  # 季通报排名: the township's villages by participation
    APPRAISAL_RANKING = "appraisal_ranking"  # 道德评议结果: from a closed appraisal round


KIND_LABELS = {
    PublicationKind.HONOUR_ROLL: _l("光荣榜"),
    PublicationKind.VILLAGE_RANKING: _l("村（社区）积分参与排名"),
    PublicationKind.APPRAISAL_RANKING: _l("道德评议结果"),
}


class PublicationFrozen(Exception):
    """Raised on any attempt to change or delete a publication once written."""


class Publication(Base):
    __tablename__ = "publications"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    period_kind: Mapped[str] = mapped_column(String(10))  # month, quarter, round
    period_key: Mapped[str] = mapped_column(String(40))  # "2026-11", "2026-Q4", "round-12"
    revision: Mapped[int] = mapped_column(default=0)  # 0: as first published; 1, 2 ...: errata
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("publications.id"), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    period_start: Mapped[datetime | None]  # naive UTC; the window the snapshot counts
    period_end: Mapped[datetime | None]
    data: Mapped[str] = mapped_column(Text)  # the snapshot, canonical JSON
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of data and the ledger head below
    head_entry_id: Mapped[int] = mapped_column(BigInteger)  # the ledger's last entry counted
    head_hash: Mapped[str] = mapped_column(String(64))  # ... and its hash, for anyone to check
    published_at: Mapped[datetime]
    published_by: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(String(500), default="")  # an erratum's reason

    region: Mapped[Region] = relationship()
    supersedes: Mapped["Publication | None"] = relationship(remote_side=[id])

    __table_args__ = (
        # Re-running a job for the same period finds this row and changes nothing.
        UniqueConstraint("kind", "region_id", "period_key", "revision"),
        Index("ix_publications_region_published", "region_id", "published_at"),
    )

    @property
    def content(self) -> dict:
        return json.loads(self.data)

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(PublicationKind(self.kind), self.kind))

    def __repr__(self) -> str:
        return f"<Publication {self.id} {self.kind} {self.region_id} {self.period_key} r{self.revision}>"


@event.listens_for(Publication, "before_update")
@event.listens_for(Publication, "before_delete")
def _refuse_change(mapper, connection, target):
    raise PublicationFrozen(f"publication {target.id} is frozen; publish an erratum instead")
