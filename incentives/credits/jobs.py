"""The credits job: every hour, expired unused credits give their points back to the budget."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from incentives.scheduler.periods import Period, PeriodKind
from incentives.scheduler.registry import registry
from ledger.transaction import run_in_transaction
from redeem.credits import expire_due_credits


def expire_all_due(session: Session, now: datetime) -> dict:
    """Settle every batch due by ``now``, one batch per transaction (the lock order of
    :mod:`redeem.credits`). Idempotent."""
    totals = {"batches": 0, "credits": 0, "points": 0}
    while True:
        settled = run_in_transaction(session, lambda: expire_due_credits(session, now))
        if not settled:
            return totals
        totals["batches"] += len(settled)
        totals["credits"] += sum(s.credits for s in settled)
        totals["points"] += sum(s.points for s in settled)


@registry.job(
    "credits.expire", PeriodKind.HOUR, title=_l("过期积分券退回预算"),
    # Each run settles everything due by its time, so after downtime one run catches up.
    catch_up=1, retry_seconds=60, max_attempts=5,
)
def expire(session: Session, period: Period, now: datetime) -> dict:
    return expire_all_due(session, now)
