"""One row per job and period: claimed in a transaction, it decides which process runs it."""

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ledger.base import Base
from ledger.models import BigId


class RunStatus(enum.StrEnum):
    RUNNING = "running"  # claimed by ``owner``; a crashed owner's claim lapses after the lease
    SUCCEEDED = "succeeded"  # done: no process will run this period again
    FAILED = "failed"  # will be tried again from ``next_attempt_at``
    GAVE_UP = "gave_up"  # failed ``max_attempts`` times: reported, left for a person


STATUS_LABELS = {
    RunStatus.RUNNING: _l("运行中"),
    RunStatus.SUCCEEDED: _l("成功"),
    RunStatus.FAILED: _l("失败，等待重试"),
    RunStatus.GAVE_UP: _l("多次失败，已停止"),
}


class JobRun(Base):
    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    job: Mapped[str] = mapped_column(String(64))
    period_key: Mapped[str] = mapped_column(String(32))
    period_start: Mapped[datetime]  # naive UTC, as every time in the database
    period_end: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(default=1)
    owner: Mapped[str] = mapped_column(String(100))  # host:pid of the process that claimed it
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime | None]
    result: Mapped[str | None] = mapped_column(Text)  # a short summary, as JSON
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        # The lock: whoever inserts this row first runs the period; nobody else can insert it.
        UniqueConstraint("job", "period_key"),
        Index("ix_job_runs_job_status", "job", "status", "period_start"),
        Index("ix_job_runs_started", "started_at"),
    )

    def __repr__(self) -> str:
        return f"<JobRun {self.job} {self.period_key} {self.status} x{self.attempts}>"
