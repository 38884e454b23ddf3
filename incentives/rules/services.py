"""Publishing, revising and adjusting rules, and finding the catalogue that applies to a village."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from incentives.errors import ServiceError
from incentives.places.models import Level, Region
from incentives.rules.models import CapPeriod, Category, Per, Rule, RuleVersion

PUBLISHING_LEVELS = {Level.COUNTY.value, Level.TOWNSHIP.value, Level.VILLAGE.value}
VERSION_FIELDS = (
    "name", "points", "per", "village_min", "village_max", "cap_period", "cap_points",
    "evidence_required", "approval_required", "self_report",
)


class RuleError(ServiceError):
    """A refusal about the rules catalogue."""


def _check(values: dict) -> None:
    if not values.get("name") or len(values["name"]) > 100:
        raise RuleError(_l("细则名称必填，最多 100 字"))
    if not isinstance(values.get("points"), int) or values["points"] == 0:
        raise RuleError(_l("分值必须是非零整数（扣分为负数）"))
    Per(values["per"])
    CapPeriod(values.get("cap_period", CapPeriod.NONE))
    low, high = values.get("village_min"), values.get("village_max")
    if (low is None) != (high is None) or (low is not None and low > high):
        raise RuleError(_l("村级可调范围不正确"))
    if values.get("cap_points") is not None and values["cap_points"] <= 0:
        raise RuleError(_l("封顶分值必须大于 0"))


def publish_rule(session: Session, region: Region, category: Category, actor: str, **values) -> Rule:
    """A new rule published by ``region`` (county, township or village), as version 1."""
    if region.level not in PUBLISHING_LEVELS:
        raise RuleError(_l("只有县、乡镇、村可以发布积分细则"))
    values.setdefault("cap_period", CapPeriod.NONE.value)
    _check(values)
    rule = Rule(region=region, category=Category(category).value)
    session.add(rule)
    session.flush()
    return _add_version(session, rule, actor, values)


def revise_rule(session: Session, rule: Rule, actor: str, **changes) -> RuleVersion:
    """A new version of ``rule`` with ``changes``; points already posted keep their version."""
    values = {name: getattr(rule.current, name) for name in VERSION_FIELDS} | changes
    _check(values)
    if rule.adjusts_rule_id is not None:
        _check_within(session.get(Rule, rule.adjusts_rule_id), values["points"])
    _add_version(session, rule, actor, values)
    return rule.current


def adjust_for_village(session: Session, rule: Rule, village: Region, points: int, actor: str) -> Rule:
    """A village's own value for a higher level's rule, within the range that rule allows."""
    if village.level != Level.VILLAGE or not rule.region.contains(village):
        raise RuleError(_l("只能调整上级对本村适用的细则"))
    _check_within(rule, points)
    existing = session.execute(
        select(Rule).where(Rule.region_id == village.id, Rule.adjusts_rule_id == rule.id)
    ).scalar_one_or_none()
    if existing is not None:
        revise_rule(session, existing, actor, points=points)
        return existing
    adjusted = Rule(region=village, adjusts_rule_id=rule.id, category=rule.category)
    session.add(adjusted)
    session.flush()
    values = {name: getattr(rule.current, name) for name in VERSION_FIELDS}
    values |= {"points": points, "village_min": None, "village_max": None}
    _add_version(session, adjusted, actor, values)
    return adjusted


def _check_within(rule: Rule, points: int) -> None:
    low, high = rule.current.village_min, rule.current.village_max
    if low is None:
        raise RuleError(_l("上级不允许调整这条细则的分值"))
    if not low <= points <= high:
        raise RuleError(_l("分值须在 %(low)s 到 %(high)s 之间", low=low, high=high))


def _add_version(session: Session, rule: Rule, actor: str, values: dict) -> Rule:
    number = (rule.versions[-1].number + 1) if rule.versions else 1
    version = RuleVersion(rule=rule, number=number, created_by=actor, **values)
    session.add(version)
    session.flush()
    return rule


def catalogue_for(session: Session, village: Region) -> list[Rule]:
    """The rules in force in ``village``: its own, and its county's and township's, with the
    village's adjustments in place of the rules they adjust."""
    ancestor_ids = [int(i) for i in village.path.strip("/").split("/")]
    rules = session.execute(
        select(Rule).where(Rule.region_id.in_(ancestor_ids), Rule.active.is_(True)).order_by(Rule.id)
    ).scalars().all()
    adjusted = {r.adjusts_rule_id for r in rules if r.region_id == village.id and r.adjusts_rule_id}
    in_force = [r for r in rules if r.id not in adjusted]
    return sorted(in_force, key=lambda r: (list(Category).index(Category(r.category)), r.id))


def rule_in_force(session: Session, rule_id: int, village: Region) -> Rule:
    """The rule ``rule_id`` as it applies in ``village`` (its adjustment if the village has one)."""
    for rule in catalogue_for(session, village):
        if rule.id == rule_id or rule.adjusts_rule_id == rule_id:
            return rule
    raise RuleError(_l("这条细则在本村不适用"), status=404)


def root_rule_id(rule: Rule) -> int:
    """The rule a cap is counted against: a village's adjustment shares its original's cap."""
    return rule.adjusts_rule_id or rule.id


def points_for(version: RuleVersion, quantity: int) -> int:
    """Points for ``quantity`` units: minutes for per-hour rules, a count otherwise. Exact
    integers: part hours are paid pro rata, rounded toward zero."""
    if version.per == Per.HOUR:
        whole = abs(version.points) * quantity // 60
        return whole if version.points > 0 else -whole
    return version.points * quantity
