"""The claims jobs: every ten minutes, post the claims whose public notice has ended; every day,
remove photo files nothing refers to."""

from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from incentives.claims.photo_cleanup import prune_photos
from incentives.claims.photos import photo_dir
from incentives.claims.services import post_all_due
from incentives.scheduler.periods import Period, PeriodKind
from incentives.scheduler.registry import registry


@registry.job(
    "claims.post_due", PeriodKind.TEN_MINUTES, title=_l("公示期满的申报入账"),
    # Each run posts everything due by its time, so after downtime one run catches up.
    catch_up=1, retry_seconds=60, max_attempts=5,
)
def post_due(session: Session, period: Period, now: datetime) -> dict:
    """Post every claim due by ``now`` (as ``flask claims post-due`` does). Idempotent: a posted
    claim is no longer in notice."""
    return {"posted": post_all_due(session, now)}


@registry.job(
    "photos.prune", PeriodKind.DAY, title=_l("清理无人引用的照片"),
    catch_up=1, retry_seconds=300, max_attempts=3,
)
def prune(session: Session, period: Period, now: datetime) -> dict:
    """Remove photo files no row names, older than a day (as ``flask photos prune`` does)."""
    result = prune_photos(session, photo_dir(current_app), now)
    session.rollback()  # it only read
    return {"checked": result.checked, "removed": result.removed, "freed": result.freed}
