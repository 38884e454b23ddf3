"""Scheduled publishing: monthly honour rolls of every village and township, and each township's
quarterly bulletin (its honour roll for the quarter and the ranking of its villages).

One transaction per region, so a county of 2,000 villages never holds one long lock; a retry
after a failure finds the regions already published and leaves them as they are.
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from incentives.places.models import Level, Region
from incentives.publications.models import PublicationKind
from incentives.publications.services import (
    find_publication,
    publish_honour_roll,
    publish_village_ranking,
)
from incentives.scheduler.periods import Period, PeriodKind
from incentives.scheduler.registry import registry
from ledger.transaction import run_in_transaction


def _region_ids(session: Session, level: Level) -> list[int]:
    ids = list(session.execute(select(Region.id).where(Region.level == level.value).order_by(Region.id))
               .scalars())
    session.rollback()
    return ids


def _publish_each(session: Session, kind: PublicationKind, level: Level, period: Period, now: datetime,
                  publish) -> dict:
    made = kept = 0
    for region_id in _region_ids(session, level):
        def work(region_id=region_id):
            if find_publication(session, kind, region_id, period.key) is not None:
                return False
            publish(session, session.get(Region, region_id), period, now=now)
            return True

        if run_in_transaction(session, work):
            made += 1
        else:
            kept += 1
    return {"published": made, "already": kept}


@registry.job("publications.monthly", PeriodKind.MONTH, title=_l("发布月度光荣榜"), catch_up=3)
def publish_monthly(session: Session, period: Period, now: datetime) -> dict:
    villages = _publish_each(session, PublicationKind.HONOUR_ROLL, Level.VILLAGE, period, now,
                             publish_honour_roll)
    townships = _publish_each(session, PublicationKind.HONOUR_ROLL, Level.TOWNSHIP, period, now,
                              publish_honour_roll)
    return {"villages": villages, "townships": townships}


@registry.job("publications.quarterly", PeriodKind.QUARTER, title=_l("发布季度通报（村排名和乡镇光荣榜）"),
              catch_up=2)
def publish_quarterly(session: Session, period: Period, now: datetime) -> dict:
    rankings = _publish_each(session, PublicationKind.VILLAGE_RANKING, Level.TOWNSHIP, period, now,
                             publish_village_ranking)
    rolls = _publish_each(session, PublicationKind.HONOUR_ROLL, Level.TOWNSHIP, period, now,
                          publish_honour_roll)
    return {"rankings": rankings, "township_rolls": rolls}
