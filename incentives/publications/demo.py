"""Demo publications: an honour roll for each demo village and township, so a newcomer sees one.

The ledger stamps every entry with the time it is posted, so all demo history falls in the month
the demo was seeded: last month's roll would be empty. The demo therefore publishes an interim
roll of the current month, counted up to the seeding (titled "截至…"); the scheduled job still
publishes the month's own roll when it ends. Idempotent: a region with a demo publication gets no
other, so seeding again changes nothing.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from incentives.claims.models import VillageSettings
from incentives.places.models import Level, Region
from incentives.publications.models import Publication
from incentives.publications.services import publish_honour_roll
from incentives.scheduler.periods import period_containing
from ledger.models import utcnow

ACTOR = "demo"
ZONE_NAME = "Asia/Shanghai"
EXPIRING_VILLAGE = "石桥村"  # one demo village resets its points each year; the others never do


def seed_publications_demo(session: Session, region_names: list[str], zone=None) -> int:
    """Publish the demo rolls not yet published; return how many were made. Must run inside
    ``run_in_transaction``."""
    zone = zone or ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"] if has_app_context() else ZONE_NAME)
    now = utcnow()
    period = period_containing("month", now, zone)
    regions = session.execute(
        select(Region).where(Region.name.in_(region_names),
                             Region.level.in_([Level.VILLAGE.value, Level.TOWNSHIP.value]))
        .order_by(Region.path)
    ).scalars().all()
    made = 0
    for region in regions:
        done = session.execute(
            select(Publication.id)
            .where(Publication.region_id == region.id, Publication.published_by == ACTOR)
        ).first()
        if done:
            continue
        if region.name == EXPIRING_VILLAGE and session.get(VillageSettings, region.id) is None:
            session.add(VillageSettings(village_id=region.id, expire_yearly=True, expiry_notice_days=30,
                                        # chosen at the start of the year: this year's expiry applies
                                        expire_yearly_since=datetime(now.year, 1, 1), updated_by=ACTOR))
        publish_honour_roll(session, region, period, now=now, actor=ACTOR, interim=True)
        made += 1
    session.flush()
    return made
