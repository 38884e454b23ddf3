"""Demo data for a newcomer: a county with townships, villages, grids, households, a user of
every role, and points history in the ledger.

Deterministic (a fixed random seed, fixed idempotency keys and passwords), so seeding twice
changes nothing and the printed logins are always the same.
"""

import random
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from incentives.appraisal.demo import seed_appraisal_demo
from incentives.auth.roles import Role
from incentives.auth.services import create_user, grant_role
from incentives.awards.models import Award
from incentives.awards.services import grant_award, grant_hours
from incentives.credits.demo import demo_notes, seed_credits_and_cards
from incentives.places import identity
from incentives.places.models import Household, Level, Person, Region
from incentives.places.services import add_person, add_region, create_household
from incentives.publications.demo import seed_publications_demo
from incentives.rules.models import Per
from incentives.rules.services import adjust_for_village, rule_in_force
from incentives.rules.standard_catalogue import publish_standard_catalogue
from incentives.supermarkets.demo import seed_supermarket, seed_supermarket_once
from ledger import (
    AccountKind,
    EntryKind,
    Posting,
    issuing_account,
    open_account,
    post,
    reverse,
)
from ledger.chain import read_head
from ledger.kinds import Unit
from ledger.models import Entry

MARKER_KEY = "demo:seeded"

COUNTY = "平安县"
TOWNSHIPS = {"和平镇": ("和平村", "东风社区"), "石桥乡": ("石桥村",)}
GRIDS = ("第一网格", "第二网格")
SURNAMES = "张王李刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = "建国 秀英 志强 桂兰 明 红梅 德胜 玉兰 海涛 春花 永福 丽娟 国庆 金凤 小军 淑芬 卫东".split()

# (role, phone, password, where): printed at the end so a newcomer can log in as each role.
DEMO_USERS = (
    (Role.VILLAGER, "13900000001", "demo0001", "和平村"),
    (Role.GRID_WORKER, "13900000002", "demo0002", "和平村/第一网格"),
    (Role.VILLAGE_COMMITTEE, "13900000003", "demo0003", "和平村"),
    (Role.APPRAISER, "13900000004", "demo0004", "和平村"),
    (Role.CLERK, "13900000005", "demo0005", "和平村"),
    (Role.WOMENS_FEDERATION, "13900000006", "demo0006", "和平镇"),
    (Role.YOUTH_LEAGUE, "13900000007", "demo0007", COUNTY),
    (Role.TOWNSHIP_ADMIN, "13900000008", "demo0008", "和平镇"),
    (Role.COUNTY_ADMIN, "13900000009", "demo0009", COUNTY),
)
STAFF_NAMES = ("", "李网格", "王主任", "赵评议", "孙店长", "周妇联", "吴团委", "郑镇长", "钱县长")


@dataclass
class SeedResult:
    created: bool
    entries: int
    users: list[tuple[str, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # printed before the users: demo cards, codes


def seed_demo(session: Session, households_per_village: int = 17, id_key: str = "demo") -> SeedResult:
    """Create the demo county once. Must run inside ``run_in_transaction``."""
    users = [(role.value, phone, password) for role, phone, password, _ in DEMO_USERS]
    if session.execute(select(Entry.id).where(Entry.idempotency_key == MARKER_KEY)).first():
        # Idempotent: gives a database seeded before the appraisal existed its demo rounds once.
        seed_appraisal_demo(session, _village_names())
        seed_publications_demo(session, _village_names() + list(TOWNSHIPS))
        seed_supermarket_once(session)
        return SeedResult(False, 0, users, demo_notes(session))
    rng = random.Random(2026)
    regions = _build_tree(session)
    households = _build_households(session, regions, households_per_village, rng, id_key)
    _create_users(session, regions, households)
    entries = _write_history(session, regions, households, rng)
    seed_appraisal_demo(session, _village_names())
    seed_publications_demo(session, _village_names() + list(TOWNSHIPS))
    return SeedResult(True, entries, users, demo_notes(session))


def _village_names() -> list[str]:
    return [name for villages in TOWNSHIPS.values() for name in villages]


def _build_tree(session: Session) -> dict[str, Region]:
    county = add_region(session, COUNTY, Level.COUNTY)
    regions = {COUNTY: county}
    for township_name, villages in TOWNSHIPS.items():
        township = add_region(session, township_name, Level.TOWNSHIP, county)
        regions[township_name] = township
        for village_name in villages:
            village = add_region(session, village_name, Level.VILLAGE, township)
            regions[village_name] = village
            for grid_name in GRIDS:
                regions[f"{village_name}/{grid_name}"] = add_region(
                    session, grid_name, Level.GRID, village
                )
    return regions


def _demo_id_number(rng: random.Random) -> str:
    body = "450102" + f"{rng.randint(1940, 2000)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    body += f"{rng.randint(0, 999):03d}"
    total = sum(int(d) * w for d, w in zip(body, identity._WEIGHTS, strict=True))
    return body + identity._CHECK[total % 11]


def _build_households(session, regions, per_village, rng, id_key) -> list[Household]:
    households = []
    phone = 13800000000
    for township_villages in TOWNSHIPS.values():
        for village_name in township_villages:
            village = regions[village_name]
            for number in range(1, per_village + 1):
                surname = rng.choice(SURNAMES)
                head_name = surname + rng.choice(GIVEN)
                grid = regions[f"{village_name}/{GRIDS[number % len(GRIDS)]}"]
                household = create_household(
                    session, village, f"{number:03d}", head_name, grid=grid,
                    address=f"{village_name}{rng.randint(1, 99)}号",
                )
                id_number = _demo_id_number(rng)
                phone += 1
                add_person(session, household, head_name, is_head=True, phone=str(phone),
                           id_hash=identity.id_hash(id_number, id_key), id_last4=id_number[-4:])
                for _ in range(rng.randint(1, 3)):
                    add_person(session, household, surname + rng.choice(GIVEN))
                households.append(household)
    return households


def _create_users(session, regions, households) -> None:
    for (role, phone, password, where), name in zip(DEMO_USERS, STAFF_NAMES, strict=True):
        person = None
        if role == Role.VILLAGER:
            household = households[0]
            person = next(p for p in household.members if p.is_head)
            person.phone = phone
            name = person.name
        user, _ = create_user(session, phone, name, password, person=person)
        grant_role(session, user, role, regions[where], by="demo")


def _write_history(session, regions, households, rng) -> int:
    """Points earned and lost under the standard catalogue, through awards like real ones."""
    county = regions[COUNTY]
    rules = publish_standard_catalogue(session, county, "demo:county")
    volunteer_hour = rules[0]
    adjust_for_village(session, volunteer_hour, regions["和平村"], 6, "demo:committee")
    earning = [r for r in rules if r.current.points > 0 and r.current.self_report]
    deducting = [r for r in rules if r.current.points < 0]
    source_id = 0
    for household in households:
        village = household.village
        people = session.execute(
            select(Person).where(Person.household_id == household.id).order_by(Person.id)
        ).scalars().all()
        picks = [rng.choice(earning) for _ in range(rng.randint(2, 6))]
        if rng.random() < 0.2:
            picks.append(rng.choice(deducting))
        for rule in picks:
            version = rule_in_force(session, rule.id, village).current
            quantity = rng.choice((60, 120, 180)) if version.per == Per.HOUR else 1
            source_id += 1
            actor = "demo:committee"
            grant_award(session, household, version, quantity, source_type="demo",
                        source_id=source_id, actor=actor, reason=version.name)
            if version.per == Per.HOUR:
                grant_hours(session, rng.choice(people), quantity, key=f"demo:hours:{source_id}",
                            actor=actor, reason=version.name)
    posted = select(Award).where(Award.entry_id.is_not(None)).order_by(Award.id)
    first = session.execute(posted).scalars().first()
    reverse(session, first.entry_id, key="demo:reversal:1", actor="demo:committee",
            reason="录入错误：重复登记，予以冲正")
    # Redemptions are real checkouts at the demo supermarket: receipts, stock and ledger together.
    seed_supermarket(session, regions, households)
    seed_credits_and_cards(session, regions, households)
    issuing = issuing_account(session, Unit.POINTS)
    # The marker goes to a pool of its own, so the supermarket's account holds only redemptions.
    pool = open_account(session, AccountKind.BUDGET, "demo:seed", "演示数据标记")
    marker = Posting(MARKER_KEY, issuing.id, pool.id, 1, EntryKind.ADJUST, "demo", "演示数据标记")
    post(session, marker)
    return read_head(session).last_id
