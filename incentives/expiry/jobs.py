"""The yearly expiry job: just after midnight on 1 January, the year just ended lapses in the
villages that chose it."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from incentives.expiry.services import run_yearly_expiry
from incentives.scheduler.periods import Period, PeriodKind
from incentives.scheduler.registry import registry


@registry.job("expiry.yearly", PeriodKind.YEAR, title=_l("年底积分清零（按村设置）"), catch_up=1,
              retry_seconds=300, max_attempts=5)
def expire_year(session: Session, period: Period, now: datetime) -> dict:
    return run_yearly_expiry(session, period, now)
