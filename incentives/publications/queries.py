"""Reading publications: lists for the public pages, revisions, and what an erratum changed."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from incentives.places.models import Level, Region
from incentives.publications.models import Publication

PAGE = 50

# The lists a snapshot holds, with the id that identifies a row and the figure that matters.
SECTIONS = (
    ("top_households", "household_id", "points"),
    ("volunteers", "person_id", "minutes"),
    ("safe_families", "household_id", "points"),
    ("villages", "village_id", "share_permille"),
    ("rows", "household_id", "score"),
)


def publications_of(session: Session, region: Region | None, *, limit: int = PAGE) -> list[Publication]:
    """Newest first: the region's own and (for a township or county) those of the regions below it."""
    query = select(Publication).join(Region, Region.id == Publication.region_id)
    if region is not None:
        query = query.where(Region.path.startswith(region.path))
    return list(session.execute(
        query.order_by(Publication.published_at.desc(), Publication.id.desc()).limit(limit)
    ).scalars())


def revisions_of(session: Session, publication: Publication) -> list[Publication]:
    """Every revision of the same (kind, region, period), the original first."""
    return list(session.execute(
        select(Publication).where(
            Publication.kind == publication.kind, Publication.region_id == publication.region_id,
            Publication.period_key == publication.period_key,
        ).order_by(Publication.revision)
    ).scalars())


def regions_with_publications(session: Session) -> list[Region]:
    """Villages and townships that have published something, for the public index's picker."""
    ids = select(Publication.region_id).distinct()
    return list(session.execute(
        select(Region)
        .where(Region.id.in_(ids), Region.level.in_([Level.VILLAGE.value, Level.TOWNSHIP.value]))
        .order_by(Region.path)
    ).scalars())


def differences(before: dict, after: dict) -> list[dict]:
    """What an erratum changed, row by row: for each list, rows whose figure or rank moved,
    rows that came in and rows that went out. ``before``/``after`` are snapshots' data."""
    changes = []
    for section, id_field, figure in SECTIONS:
        old = {row[id_field]: row for row in before.get(section, [])}
        new = {row[id_field]: row for row in after.get(section, [])}
        for key in list(old) + [k for k in new if k not in old]:
            a, b = old.get(key), new.get(key)
            if a and b and (a.get(figure), a.get("rank")) == (b.get(figure), b.get("rank")):
                continue
            row = b or a
            changes.append({
                "section": section,
                "name": row.get("name") or row.get("village"),
                "before": None if a is None else a.get(figure),
                "after": None if b is None else b.get(figure),
                "rank_before": None if a is None else a.get("rank"),
                "rank_after": None if b is None else b.get("rank"),
            })
    totals_before, totals_after = before.get("totals", {}), after.get("totals", {})
    for name in sorted(set(totals_before) | set(totals_after)):
        if totals_before.get(name) != totals_after.get(name):
            changes.append({"section": "totals", "name": name, "before": totals_before.get(name),
                            "after": totals_after.get(name), "rank_before": None, "rank_after": None})
    return changes
