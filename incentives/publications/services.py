"""Publishing honour rolls and rankings as frozen snapshots, errata, and a village's settings.

Publishing is idempotent: a (kind, region, period) is published once; asking again returns the
first publication unchanged, so the scheduled job can run any number of times. A publication
records the ledger head it counted; later reversals or late entries never change it. When the
ledger has changed, :func:`publish_erratum` publishes the corrected figures as the next revision,
pointing at the one it corrects. Each function runs inside ``run_in_transaction``, takes ``now``
(naive UTC) from its caller, and raises :class:`PublicationError` on refusal.
"""

import hashlib
import json
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from incentives.claims.models import DEFAULT_NOTICE_DAYS, VillageSettings
from incentives.permissions import Action, can
from incentives.places.models import Household, Level, Region
from incentives.publications.errors import PublicationError
from incentives.publications.models import Publication, PublicationKind
from incentives.publications.snapshots import (
    Window,
    current_head,
    full_names_of,
    honour_roll,
    village_ids_of,
    village_ranking,
    without_names,
)
from incentives.scheduler.periods import Period, PeriodKind, local

REASON_LENGTH = 300
MAX_NOTICE_DAYS = 90
MAX_APPRAISAL_ROWS = 5000
QUARTER_NAMES = {1: "一", 2: "二", 3: "三", 4: "四"}
TITLE_WORDS = {
    PublicationKind.HONOUR_ROLL: "光荣榜",
    PublicationKind.VILLAGE_RANKING: "积分参与排名（季通报）",
    PublicationKind.APPRAISAL_RANKING: "道德评议结果",
}


def period_label(period: Period) -> str:
    """The period as the notice board writes it: 2026年11月, 2026年第四季度."""
    start = period.start
    if period.kind == PeriodKind.QUARTER:
        return f"{start.year}年第{QUARTER_NAMES[(start.month - 1) // 3 + 1]}季度"
    if period.kind == PeriodKind.YEAR:
        return f"{start.year}年"
    return f"{start.year}年{start.month}月"


# -- publishing ----------------------------------------------------------------------------------


def publish_honour_roll(session: Session, region: Region, period: Period, *, now: datetime,
                        actor: str = "system", interim: bool = False) -> Publication:
    """光荣榜 of a village or township for a month or quarter that has ended by ``now``.

    ``interim=True`` publishes a period still running, counted up to ``now`` under a key of its
    own ("2026-11@2026-11-29"), so the regular one still appears when the period ends.
    """
    _require_level(region, (Level.VILLAGE, Level.TOWNSHIP))
    return _publish_counted(session, PublicationKind.HONOUR_ROLL, region, period, now, actor, interim)


def publish_village_ranking(session: Session, township: Region, period: Period, *, now: datetime,
                            actor: str = "system") -> Publication:
    """季通报排名 of a township's villages by participation, for a period that has ended."""
    _require_level(township, (Level.TOWNSHIP,))
    return _publish_counted(session, PublicationKind.VILLAGE_RANKING, township, period, now, actor, False)


def _publish_counted(session, kind, region, period, now, actor, interim) -> Publication:
    if period.kind not in (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR):
        raise PublicationError(_l("只能按月、季度或年发布。"))
    end, key, label = period.end_utc, period.key, period_label(period)
    if end > now:
        if not interim:
            raise PublicationError(_l("该期尚未结束，不能发布。"))
        today = local(now, period.start.tzinfo).date()
        end, key = now, f"{period.key}@{today.isoformat()}"
        label = f"{label}（截至{today.month}月{today.day}日）"
    existing = find_publication(session, kind, region.id, key)
    if existing is not None:
        return existing
    head_id, head_hash = current_head(session)
    window = Window(period.start_utc, end, head_id, head_hash)
    data = _compute(session, kind, region, window)
    interim = end != period.end_utc
    last_day = local(end, period.start.tzinfo).date() if interim else period.last_day
    data["period"] = {
        "kind": period.kind.value, "key": key, "label": label, "interim": interim,
        "from": period.start.date().isoformat(), "to": last_day.isoformat(),
    }
    data["region"] = _region_info(region)
    return _create(
        session, kind=kind, region=region, period_kind=period.kind.value, period_key=key,
        title=f"{region.name} {label} {TITLE_WORDS[kind]}", window=window, data=data,
        now=now, actor=actor,
    )


def publish_appraisal_ranking(session: Session, *, village_id: int, round_key: str, title: str, rows,
                              method: str = "", period_start: date | None = None,
                              period_end: date | None = None, now: datetime,
                              actor: str = "system") -> Publication:
    """道德评议结果 of a closed appraisal round, frozen as given; once per (village, round_key).

    ``rows`` are dicts, best first: ``household_id``, ``rank``, ``score`` (shown exactly as
    given; pass decimals as strings), optionally ``detail``. Names come from the households,
    shown as the village chooses (张*明 by default). Runs in the caller's transaction.
    """
    village = session.get(Region, village_id)
    if village is None or village.level != Level.VILLAGE:
        raise PublicationError(_l("找不到该村。"), status=404)
    round_key = str(round_key or "").strip()[:40]
    if not round_key:
        raise PublicationError(_l("缺少评议轮次。"))
    existing = find_publication(session, PublicationKind.APPRAISAL_RANKING, village.id, round_key)
    if existing is not None:
        return existing
    rows = list(rows)[:MAX_APPRAISAL_ROWS]
    ids = [int(r["household_id"]) for r in rows]
    households = {
        h.id: h for h in session.execute(
            select(Household).where(Household.id.in_(ids), Household.village_id == village.id)
        ).scalars()
    }
    if len(households) != len(set(ids)):
        raise PublicationError(_l("评议结果中有不属于本村的住户。"))
    from incentives.publications.snapshots import full_names_in, shown_name

    full = full_names_in(session, [village.id])
    head_id, head_hash = current_head(session)
    data = {
        "format": 1,
        "scope": "village",
        "method": str(method or "")[:500],
        "rows": [
            {"rank": int(r["rank"]), "household_id": h.id,
             "name": shown_name(h.head_name, village.id, full), "number": h.number,
             "score": r["score"] if isinstance(r["score"], int) else str(r["score"]),
             "detail": str(r.get("detail") or "")[:200]}
            for r in rows for h in [households[int(r["household_id"])]]
        ],
        "period": {"kind": "round", "key": round_key, "label": str(title)[:100],
                   "from": period_start.isoformat() if period_start else None,
                   "to": period_end.isoformat() if period_end else None, "interim": False},
        "region": _region_info(village),
    }
    window = Window(None, None, head_id, head_hash)  # the round's dates are in data["period"]
    return _create(
        session, kind=PublicationKind.APPRAISAL_RANKING, region=village, period_kind="round",
        period_key=round_key,
        title=f"{village.name} {str(title)[:100]} {TITLE_WORDS[PublicationKind.APPRAISAL_RANKING]}",
        window=window, data=data, now=now, actor=actor,
    )


def publish_erratum(session: Session, user, publication_id: int, reason: str, *,
                    now: datetime) -> Publication:
    """Publish the corrected figures of a publication as its next revision (勘误).

    Counts the same window against the ledger as it is now. Refused when nothing it shows has
    changed, for appraisal results (corrected in the appraisal itself), and for anyone but the
    region's committee or the admins above it.
    """
    original = session.get(Publication, publication_id)
    if original is None:
        raise PublicationError(_l("找不到该公告。"), status=404)
    if not can(user, Action.MANAGE_PUBLICATIONS, original.region):
        raise PublicationError(_l("只有本村村委或上级管理员可以发布更正。"), status=403)
    if original.kind == PublicationKind.APPRAISAL_RANKING:
        raise PublicationError(_l("道德评议结果由评议委员会在评议中更正。"))
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise PublicationError(_l("请填写更正的原因。"))
    if len(reason) > REASON_LENGTH:
        raise PublicationError(_l("更正原因最多 %(n)s 字。", n=REASON_LENGTH))
    latest = latest_revision(session, original)
    head_id, head_hash = current_head(session)
    window = Window(latest.period_start, latest.period_end, head_id, head_hash)
    before = latest.content
    # Names as the original showed them, whatever the village has chosen since.
    full = full_names_of(before, village_ids_of(session, latest.region))
    data = _compute(session, PublicationKind(latest.kind), latest.region, window, full=full)
    data["period"], data["region"] = before["period"], before["region"]
    # A renamed head of household or village alone is no correction of the figures.
    if without_names(data) == without_names(before):
        raise PublicationError(_l("自发布以来账本没有影响本榜的变化，无需更正。"))
    return _create(
        session, kind=PublicationKind(latest.kind), region=latest.region, period_kind=latest.period_kind,
        period_key=latest.period_key, title=latest.title.removesuffix("（更正）") + "（更正）",
        window=window, data=data, now=now, actor=_actor(user), revision=latest.revision + 1,
        supersedes=latest, note=reason,
    )


# -- reading -------------------------------------------------------------------------------------


def find_publication(session: Session, kind, region_id: int, period_key: str, revision: int = 0):
    return session.execute(
        select(Publication).where(
            Publication.kind == str(kind), Publication.region_id == region_id,
            Publication.period_key == period_key, Publication.revision == revision,
        )
    ).scalar_one_or_none()


def latest_revision(session: Session, publication: Publication) -> Publication:
    """The newest revision (the last erratum, or the publication itself)."""
    return session.execute(
        select(Publication).where(
            Publication.kind == publication.kind, Publication.region_id == publication.region_id,
            Publication.period_key == publication.period_key,
        ).order_by(Publication.revision.desc()).limit(1)
    ).scalar_one()


def digest_of(publication: Publication) -> str:
    """SHA-256 over every column of the snapshot (all but its id and the digest itself)."""
    p = publication
    fields = [
        str(p.kind), p.region_id, p.period_kind, p.period_key, p.revision, p.supersedes_id, p.title,
        _moment(p.period_start), _moment(p.period_end), p.data, p.head_entry_id, p.head_hash,
        _moment(p.published_at), p.published_by, p.note,
    ]
    canonical = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _moment(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(sep=" ", timespec="microseconds")


# -- the village's choices -----------------------------------------------------------------------


def village_settings(session: Session, village_id: int) -> VillageSettings:
    """The village's settings row, or an unsaved one holding the defaults."""
    return session.get(VillageSettings, village_id) or VillageSettings(
        village_id=village_id, notice_days=DEFAULT_NOTICE_DAYS, show_full_names=False, expire_yearly=False,
        expiry_notice_days=30,
    )


def update_village_settings(session: Session, user, village_id: int, *, show_full_names: bool,
                            expire_yearly: bool, expiry_notice_days: int, now: datetime) -> VillageSettings:
    """Set how the village's honour rolls show names and whether its points lapse at year end.
    Publications already made keep the names they were published with."""
    village = session.execute(
        select(Region).where(Region.id == village_id).with_for_update()
    ).scalar_one_or_none()
    if village is None or village.level != Level.VILLAGE:
        raise PublicationError(_l("找不到该村。"), status=404)
    if not can(user, Action.MANAGE_PUBLICATIONS, village):
        raise PublicationError(_l("只有本村村委或上级管理员可以修改这些设置。"), status=403)
    if not isinstance(expiry_notice_days, int) or not 0 <= expiry_notice_days <= MAX_NOTICE_DAYS:
        raise PublicationError(_l("提前提醒天数须在 0 到 %(max)s 之间。", max=MAX_NOTICE_DAYS))
    settings = session.get(VillageSettings, village.id) or VillageSettings(village_id=village.id)
    settings.show_full_names = bool(show_full_names)
    if expire_yearly and not settings.expire_yearly:
        settings.expire_yearly_since = now  # the villagers' notice counts from here
    elif not expire_yearly:
        settings.expire_yearly_since = None
    settings.expire_yearly = bool(expire_yearly)
    settings.expiry_notice_days = expiry_notice_days
    settings.updated_by = _actor(user)
    settings.updated_at = now
    session.add(settings)
    session.flush()
    return settings


# -- helpers -------------------------------------------------------------------------------------


def _compute(session: Session, kind: PublicationKind, region: Region, window: Window, *,
             full: set[int] | None = None) -> dict:
    if kind == PublicationKind.HONOUR_ROLL:
        return honour_roll(session, region, window, full=full)
    return village_ranking(session, region, window)


def _create(session: Session, *, kind, region: Region, period_kind: str, period_key: str, title: str,
            window: Window, data: dict, now: datetime, actor: str, revision: int = 0,
            supersedes: Publication | None = None, note: str = "") -> Publication:
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    publication = Publication(
        kind=str(kind), region_id=region.id, period_kind=period_kind, period_key=period_key,
        revision=revision, supersedes_id=supersedes.id if supersedes else None, title=title[:200],
        period_start=window.start, period_end=window.end, data=text,
        head_entry_id=window.head_id, head_hash=window.head_hash, published_at=now,
        published_by=actor[:64], note=note,
    )
    # Set before the row is written: it is inserted once, complete, and never updated.
    publication.digest = digest_of(publication)
    try:
        # A savepoint: a concurrent publisher of the same period wins, and we return its row.
        with session.begin_nested():
            session.add(publication)
    except IntegrityError:
        existing = find_publication(session, kind, region.id, period_key, revision)
        if existing is None:
            raise
        return existing
    return publication


def _region_info(region: Region) -> dict:
    return {"id": region.id, "name": region.name, "level": region.level,
            "parent": region.parent.name if region.parent else None}


def _require_level(region: Region | None, levels) -> None:
    if region is None or region.level not in {level.value for level in levels}:
        raise PublicationError(_l("只能为村（社区）或乡镇发布。"), status=404)


def _actor(user) -> str:
    return f"user:{user.id}"

