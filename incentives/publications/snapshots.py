"""What a publication shows, computed from the ledger as of one chain head.

Every figure counts only entries with ``id <= head`` (ids are gapless and in chain order, so that
is exactly the ledger anyone can verify against the published head hash) created inside the
period's window. Points earned are the household's EARN entries in the window less those of them
reversed (by head); balances play no part. Pure aggregate queries: one per list, any region size.

The snapshot is plain JSON-able data (numbers, names as shown, no labels): templates and the
poster put words around it in the reader's language.
"""

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from incentives.appraisal.scoring import competition_ranks
from incentives.awards.models import Award
from incentives.claims.models import VillageSettings
from incentives.filters import masked_name
from incentives.places.models import Household, Level, Person, Region
from incentives.places.services import village_ids_select
from incentives.rules.models import Category, Rule, RuleVersion
from ledger import EntryKind
from ledger.models import Entry, LedgerHead

FORMAT = 1
TOP_HOUSEHOLDS = 10
TOP_VOLUNTEERS = 10
# 平安家庭: no deduction in the period and at least this many points from safe-family rules.
SAFE_FAMILY_MIN_POINTS = 5


@dataclass(frozen=True)
class Window:
    """The ledger a snapshot counts: entries up to ``head_id`` created in ``[start, end)``."""

    start: datetime  # naive UTC
    end: datetime
    head_id: int
    head_hash: str


def current_head(session: Session) -> tuple[int, str]:
    """The chain head now: the last entry id (0 for an empty ledger) and its hash."""
    row = session.execute(select(LedgerHead.last_id, LedgerHead.hash).where(LedgerHead.id == 1)).first()
    return (int(row.last_id), row.hash) if row else (0, "")


# -- the building blocks -------------------------------------------------------------------------


def village_ids_of(session: Session, region: Region) -> list[int]:
    """The villages a region covers: itself for a village, its villages for a township or county."""
    return list(session.execute(village_ids_select(region).order_by(Region.id)).scalars())


def _in_window(entry, window: Window):
    return and_(entry.id <= window.head_id, entry.created_at >= window.start, entry.created_at < window.end)


def _net_earned(session: Session, owner_id, account_col, scope, window: Window) -> dict[int, int]:
    """Per owner (household or person): EARN entries into its account in the window, less the
    amounts of those entries reversed by the head."""
    earned = dict(session.execute(
        select(owner_id, func.sum(Entry.amount))
        .join(Entry, Entry.to_account_id == account_col)
        .where(scope, Entry.kind == EntryKind.EARN.value, _in_window(Entry, window))
        .group_by(owner_id)
    ).all())
    reversal = aliased(Entry)
    reversed_ = session.execute(
        select(owner_id, func.sum(Entry.amount))
        .join(Entry, Entry.to_account_id == account_col)
        .join(reversal, reversal.reverses_id == Entry.id)
        .where(scope, Entry.kind == EntryKind.EARN.value, _in_window(Entry, window),
               reversal.id <= window.head_id)
        .group_by(owner_id)
    ).all()
    for owner, amount in reversed_:
        earned[owner] = earned.get(owner, 0) - amount
    return {owner: int(amount) for owner, amount in earned.items() if amount > 0}


def earned_by_household(session: Session, village_ids: list[int], window: Window) -> dict[int, int]:
    return _net_earned(session, Household.id, Household.account_id,
                       Household.village_id.in_(village_ids), window)


def minutes_by_person(session: Session, village_ids: list[int], window: Window) -> dict[int, int]:
    """Time-bank minutes earned in the window by the people now living in the villages."""
    return _net_earned(
        session, Person.id, Person.hours_account_id,
        Person.household_id.in_(select(Household.id).where(Household.village_id.in_(village_ids))),
        window,
    )


def _award_scope(village_ids: list[int], window: Window):
    """Awards of the villages' households counted in the window: posted up to the head and not
    reversed by it; an award that posted nothing (a deduction cut to zero) counts by its time."""
    reversal = aliased(Entry)
    entry = aliased(Entry)
    not_reversed = ~select(reversal.id).where(
        reversal.reverses_id == Award.entry_id, reversal.id <= window.head_id
    ).exists()
    posted_in_window = select(entry.id).where(entry.id == Award.entry_id, _in_window(entry, window)).exists()
    unposted_in_window = and_(
        Award.entry_id.is_(None), Award.created_at >= window.start, Award.created_at < window.end
    )
    return and_(
        Award.household_id.in_(select(Household.id).where(Household.village_id.in_(village_ids))),
        (posted_in_window & not_reversed) | unposted_in_window,
    )


def safe_families(session: Session, village_ids: list[int], window: Window) -> dict[int, int]:
    """平安家庭: households with no deduction (扣分) in the window that earned at least
    ``SAFE_FAMILY_MIN_POINTS`` under safe-family rules in it; their safe-family points."""
    scope = _award_scope(village_ids, window)
    deducted = set(session.execute(
        select(Award.household_id).where(scope, Award.requested_points < 0).distinct()
    ).scalars())
    safe_points = session.execute(
        select(Award.household_id, func.sum(Award.points))
        .join(RuleVersion, RuleVersion.id == Award.rule_version_id)
        .join(Rule, Rule.id == RuleVersion.rule_id)
        .where(scope, Award.points > 0, Rule.category == Category.SAFE_FAMILY.value)
        .group_by(Award.household_id)
    ).all()
    return {
        household: int(points) for household, points in safe_points
        if household not in deducted and points >= SAFE_FAMILY_MIN_POINTS
    }


def households_counted(session: Session, village_ids: list[int], window: Window) -> dict[int, int]:
    """Per village: households registered before the window ended (the participation base)."""
    return dict(session.execute(
        select(Household.village_id, func.count(Household.id))
        .where(Household.village_id.in_(village_ids), Household.created_at < window.end)
        .group_by(Household.village_id)
    ).all())


def ranked(rows: list[dict], value: str, limit: int | None = None) -> list[dict]:
    """Sort by ``value`` (highest first, then by the tie-break ``order``) and number the ranks the
    way a notice board does: equal values share a rank (1, 2, 2, 4)."""
    rows = sorted(rows, key=lambda r: r["order"])
    rows.sort(key=lambda r: r[value], reverse=True)  # stable: equal values keep the tie-break order
    for row, rank in zip(rows, competition_ranks([r[value] for r in rows]), strict=True):
        row["rank"] = rank
    rows = rows[:limit] if limit is not None else rows
    return [_without_order(row) for row in rows]


def _without_order(row: dict) -> dict:
    return {k: v for k, v in row.items() if k != "order"}


# -- names ---------------------------------------------------------------------------------------


def full_names_in(session: Session, village_ids: list[int]) -> set[int]:
    """The villages that chose to show full names (the default is 张*明)."""
    return set(session.execute(
        select(VillageSettings.village_id).where(
            VillageSettings.village_id.in_(village_ids), VillageSettings.show_full_names.is_(True)
        )
    ).scalars())


def shown_name(name: str, village_id: int, full: set[int]) -> str:
    return name if village_id in full else masked_name(name)


def full_names_of(data: dict, village_ids: list[int]) -> set[int]:
    """The villages a published honour roll showed in full (older snapshots: all or none)."""
    if "full_name_villages" in data:
        return set(data["full_name_villages"])
    return set(village_ids) if data.get("names") == "full" else set()


def without_names(data: dict) -> dict:
    """``data`` without the names it shows: what is left are ids, figures, ranks and totals."""
    if isinstance(data, dict):
        return {k: without_names(v) for k, v in data.items()
                if k not in ("name", "village", "names", "full_name_villages", "period", "region")}
    if isinstance(data, list):
        return [without_names(v) for v in data]
    return data


# -- the snapshots -------------------------------------------------------------------------------


def honour_roll(session: Session, region: Region, window: Window, *, full: set[int] | None = None) -> dict:
    """光荣榜 of a village or a township: top households by points earned, 志愿之星 by
    time-bank minutes, and 平安家庭 (listed for a village, counted per village for a township).

    Names are shown in full for the villages in ``full`` (default: those that choose so now); an
    erratum passes the original's, so a later change of the setting does not show in it."""
    village_ids = village_ids_of(session, region)
    villages = _village_names(session, village_ids)
    full = full_names_in(session, village_ids) if full is None else set(full) & set(village_ids)
    earned = earned_by_household(session, village_ids, window)
    safe = safe_families(session, village_ids, window)
    households = _households(session, set(earned) | set(safe))
    minutes = minutes_by_person(session, village_ids, window)
    people = _people(session, set(minutes))

    def household_row(hid: int, points: int) -> dict:
        h = households[hid]
        return {"household_id": hid, "name": shown_name(h.head_name, h.village_id, full),
                "number": h.number, "village": villages[h.village_id], "points": points,
                "order": (h.village_id, h.number, hid)}

    top = ranked([household_row(hid, p) for hid, p in earned.items()], "points", TOP_HOUSEHOLDS)
    volunteers = ranked(
        [{"person_id": pid, "name": shown_name(people[pid].name, people[pid].village_id, full),
          "village": villages[people[pid].village_id], "minutes": m, "order": (pid,)}
         for pid, m in minutes.items()],
        "minutes", TOP_VOLUNTEERS,
    )
    counted = households_counted(session, village_ids, window)
    data = {
        "format": FORMAT,
        "scope": "village" if region.level == Level.VILLAGE else "township",
        "names": "full" if full >= set(village_ids) else "masked",
        "full_name_villages": sorted(full),
        "rules": {"top": TOP_HOUSEHOLDS, "volunteers": TOP_VOLUNTEERS,
                  "safe_family_min_points": SAFE_FAMILY_MIN_POINTS},
        "top_households": top,
        "volunteers": volunteers,
        "totals": {
            "households": sum(counted.values()),
            "participants": len(earned),
            "points": sum(earned.values()),
            "minutes": sum(minutes.values()),
            "safe_families": len(safe),
        },
    }
    if region.level == Level.VILLAGE:
        rows = [household_row(hid, p) for hid, p in safe.items()]
        # By house number, not by points: 平安家庭 is a standard met, not a contest.
        data["safe_families"] = [_without_order(r) for r in sorted(rows, key=lambda r: r["order"])]
    else:
        per_village: dict[int, int] = {}
        for hid in safe:
            per_village[households[hid].village_id] = per_village.get(households[hid].village_id, 0) + 1
        data["safe_family_counts"] = [
            {"village": villages[v], "count": per_village.get(v, 0)} for v in village_ids
        ]
    return data


def village_ranking(session: Session, township: Region, window: Window) -> dict:
    """季通报排名: the township's villages by participation (the share of households that earned
    points in the window), then by points earned per household. Exact: shares are compared as
    fractions; the shown percentage and average are rounded half up from the exact integers."""
    village_ids = village_ids_of(session, township)
    villages = _village_names(session, village_ids)
    earned = earned_by_household(session, village_ids, window)
    households = _households(session, set(earned))
    counted = households_counted(session, village_ids, window)
    participants: dict[int, int] = {}
    points: dict[int, int] = {}
    for hid, p in earned.items():
        v = households[hid].village_id
        participants[v] = participants.get(v, 0) + 1
        points[v] = points.get(v, 0) + p
    rows = []
    for v in village_ids:
        total, joined, earned_points = counted.get(v, 0), participants.get(v, 0), points.get(v, 0)
        share = Fraction(joined, total) if total else Fraction(0)
        per_household = Fraction(earned_points, total) if total else Fraction(0)
        rows.append({
            "village_id": v, "village": villages[v], "households": total, "participants": joined,
            "points": earned_points,
            "share_permille": _round_half_up(share * 1000),  # 425 means 42.5%
            "points_per_household": _round_half_up(per_household),
            "key": (share, per_household), "order": (villages[v], v),
        })
    rows = ranked(rows, "key")  # by share, then points per household
    for row in rows:
        del row["key"]
    return {
        "format": FORMAT,
        "scope": "township",
        "villages": rows,
        "totals": {
            "households": sum(counted.values()), "participants": len(earned),
            "points": sum(earned.values()),
        },
    }


def _round_half_up(value: Fraction) -> int:
    return int(value + Fraction(1, 2)) if value >= 0 else -int(-value + Fraction(1, 2))


def _village_names(session: Session, village_ids: list[int]) -> dict[int, str]:
    return dict(session.execute(select(Region.id, Region.name).where(Region.id.in_(village_ids))).all())


def _households(session: Session, ids: set[int]) -> dict:
    if not ids:
        return {}
    rows = session.execute(
        select(Household.id, Household.head_name, Household.number, Household.village_id)
        .where(Household.id.in_(sorted(ids)))
    ).all()
    return {row.id: row for row in rows}


def _people(session: Session, ids: set[int]) -> dict:
    if not ids:
        return {}
    rows = session.execute(
        select(Person.id, Person.name, Household.village_id)
        .join(Household, Household.id == Person.household_id)
        .where(Person.id.in_(sorted(ids)))
    ).all()
    return {row.id: row for row in rows}
