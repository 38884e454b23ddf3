"""Events (活动), who attended them, and the record of who recorded what (谁组织谁记录)."""

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incentives.auth.models import User
from incentives.awards.models import Award
from incentives.places.models import Person, Region
from incentives.rules.models import RuleVersion
from ledger.base import Base
from ledger.models import BigId, utcnow


class Status(enum.StrEnum):
    OPEN = "open"  # people check in and out
    CLOSED = "closed"  # everyone checked out; the organiser adjusts minutes
    CONFIRMED = "confirmed"  # hours and points posted, once


STATUS_LABELS = {
    Status.OPEN: _l("开放签到"),
    Status.CLOSED: _l("已结束，待确认入账"),
    Status.CONFIRMED: _l("已确认入账"),
}


class Method(enum.StrEnum):
    SCAN = "scan"  # the organiser's rotating code, scanned with the villager's own phone
    PRINTED = "printed"  # the printed code: counts only once the organiser confirms it
    BY_NAME = "by_name"  # a grid worker or the organiser, for someone without a phone


METHOD_LABELS = {
    Method.SCAN: _l("扫码签到"),
    Method.PRINTED: _l("扫纸质码签到"),
    Method.BY_NAME: _l("代为签到"),
}


class Event(Base):
    """An event in one village, paid by one per-hour rule version fixed when it was created."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    title: Mapped[str] = mapped_column(String(100))
    place: Mapped[str] = mapped_column(String(100))
    starts_at: Mapped[datetime]  # naive UTC, like every time in the database
    ends_at: Mapped[datetime]
    rule_version_id: Mapped[int] = mapped_column(ForeignKey("rule_versions.id"))
    capacity: Mapped[int]
    organiser_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=Status.OPEN.value)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]

    village: Mapped[Region] = relationship()
    rule_version: Mapped[RuleVersion] = relationship()
    organiser: Mapped[User] = relationship()
    attendances: Mapped[list["Attendance"]] = relationship(
        back_populates="event", order_by="Attendance.id"
    )

    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="window_order"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
        Index("ix_events_village_starts", "village_id", "starts_at"),
    )

    @property
    def window_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[Status(self.status)])


class Attendance(Base):
    """One person at one event: the UNIQUE pair is the last guard against a double check-in."""

    __tablename__ = "event_attendances"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    method: Mapped[str] = mapped_column(String(10))
    checked_in_at: Mapped[datetime]
    checked_in_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    checked_out_at: Mapped[datetime | None]
    checked_out_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: automatic
    # Set for a printed-code scan: it counts only once the organiser has confirmed it.
    needs_confirmation: Mapped[bool] = mapped_column(default=False)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    adjusted_minutes: Mapped[int | None]
    adjust_reason: Mapped[str | None] = mapped_column(String(200))
    adjusted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Filled in when the event is confirmed: what was posted for this person, and where.
    posted_minutes: Mapped[int | None]
    award_id: Mapped[int | None] = mapped_column(ForeignKey("awards.id"))
    hours_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))

    event: Mapped[Event] = relationship(back_populates="attendances")
    person: Mapped[Person] = relationship()
    checked_in_by: Mapped[User] = relationship(foreign_keys=[checked_in_by_id])
    checked_out_by: Mapped[User | None] = relationship(foreign_keys=[checked_out_by_id])
    confirmed_by: Mapped[User | None] = relationship(foreign_keys=[confirmed_by_id])
    adjusted_by: Mapped[User | None] = relationship(foreign_keys=[adjusted_by_id])
    award: Mapped[Award | None] = relationship()

    __table_args__ = (
        UniqueConstraint("event_id", "person_id"),
        CheckConstraint("adjusted_minutes >= 0", name="adjusted_minutes_not_negative"),
    )

    @property
    def method_label(self) -> str:
        return str(METHOD_LABELS[Method(self.method)])

    @property
    def counts(self) -> bool:
        """Whether this attendance earns anything: a printed-code scan only once confirmed."""
        return not self.needs_confirmation or self.confirmed_by_id is not None

    @property
    def recorded_minutes(self) -> int:
        """Whole minutes present inside the event's window, as checked in and out."""
        if self.checked_out_at is None:
            return 0
        start = max(self.checked_in_at, self.event.starts_at)
        end = min(self.checked_out_at, self.event.ends_at)
        return max(0, int((end - start).total_seconds() // 60))

    @property
    def minutes(self) -> int:
        """The minutes that will be posted: the organiser's adjustment, else as recorded."""
        return self.recorded_minutes if self.adjusted_minutes is None else self.adjusted_minutes


class LogAction(enum.StrEnum):
    CREATE = "create"
    CHECK_IN = "check_in"
    CHECK_OUT = "check_out"
    AUTO_CHECK_OUT = "auto_check_out"
    CONFIRM_PRINTED = "confirm_printed"
    ADJUST = "adjust"
    CLOSE = "close"
    CONFIRM = "confirm"
    TAKE_OVER = "take_over"


LOG_LABELS = {
    LogAction.CREATE: _l("创建活动"),
    LogAction.CHECK_IN: _l("签到"),
    LogAction.CHECK_OUT: _l("签退"),
    LogAction.AUTO_CHECK_OUT: _l("活动结束时自动签退"),
    LogAction.CONFIRM_PRINTED: _l("确认纸质码签到"),
    LogAction.ADJUST: _l("调整时长"),
    LogAction.CLOSE: _l("结束活动"),
    LogAction.CONFIRM: _l("确认入账"),
    LogAction.TAKE_OVER: _l("接手活动"),
}


class EventLog(Base):
    """谁组织谁记录，谁记录谁证明: every record made about an event, by whom, never changed."""

    __tablename__ = "event_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    attendance_id: Mapped[int | None] = mapped_column(ForeignKey("event_attendances.id"))
    action: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the system
    method: Mapped[str | None] = mapped_column(String(10))  # how a check-in was made
    minutes: Mapped[int | None]  # an adjustment's new minutes, a confirmation's total
    detail: Mapped[str] = mapped_column(String(300), default="")  # a reason, as typed
    at: Mapped[datetime]

    actor: Mapped[User | None] = relationship()
    attendance: Mapped[Attendance | None] = relationship()

    @property
    def action_label(self) -> str:
        return str(LOG_LABELS[LogAction(self.action)])

    @property
    def method_label(self) -> str:
        return str(METHOD_LABELS[Method(self.method)]) if self.method else ""
