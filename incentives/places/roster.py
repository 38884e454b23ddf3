"""Importing a village's household roster: every row checked first, then all written or none.

A household is recognised on re-import by its 户号, else by the head's ID number, else by the
head's name with the last four ID digits; importing the same file again changes nothing.
"""

import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from incentives.auth.models import User
from incentives.auth.services import is_valid_phone, normalize_phone
from incentives.errors import ServiceError
from incentives.places import identity
from incentives.places.models import Household, Level, Person, Region
from incentives.places.roster_file import RosterRow
from incentives.places.services import add_person, create_household, find_or_add_region

_MEMBER_SPLIT = re.compile(r"[、，,；;/\s]+")


@dataclass(frozen=True)
class RowError:
    line: int
    message: str


class RosterRejected(ServiceError):
    status = 422

    def __init__(self, errors: list[RowError]):
        super().__init__(_l("花名册有 %(n)s 处错误，未导入任何数据", n=len(errors)), status=422)
        self.errors = errors


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    grids_created: list[str] = field(default_factory=list)


@dataclass
class _Checked:
    line: int
    number: str
    head_name: str
    id_hash: str | None
    id_last4: str | None
    phone: str | None
    grid: str
    members: list[str]
    address: str


def import_roster(session: Session, village: Region, rows: list[RosterRow], id_key: str) -> ImportResult:
    """Check every row, then create or update the village's households, all or nothing.

    Raises :class:`RosterRejected` listing every bad row (line number and reason in Chinese);
    nothing is written then. Must run inside ``run_in_transaction``.
    """
    if village.level != Level.VILLAGE:
        raise ServiceError(_l("只能向村或社区导入花名册"))
    errors: list[RowError] = []
    checked = [c for c in (_check_row(row, id_key, errors) for row in rows) if c is not None]
    _check_duplicates(checked, errors)
    matches = {c.line: _match(session, village, c) for c in checked}
    _check_against_database(session, village, checked, matches, errors)
    if errors:
        raise RosterRejected(sorted(errors, key=lambda e: e.line))
    return _apply(session, village, checked, matches)


def _check_row(row: RosterRow, id_key: str, errors: list[RowError]) -> _Checked | None:
    v = row.values
    problems = []
    head_name = v.get("head_name", "")
    if not head_name:
        problems.append(_l("户主姓名为空"))
    elif len(head_name) > 50:
        problems.append(_l("户主姓名太长"))
    number = v.get("number", "")
    if len(number) > 20:
        problems.append(_l("户号太长"))
    id_hash = id_last4 = None
    raw_id = identity.normalize(v.get("id_number", ""))
    if raw_id:
        if identity.is_valid_id_number(raw_id):
            id_hash, id_last4 = identity.id_hash(raw_id, id_key), raw_id[-4:]
        else:
            problems.append(_l("身份证号不正确（应为 18 位，校验位要对）"))
    last4 = identity.normalize(v.get("id_last4", ""))
    if last4 and not raw_id:
        if identity.is_valid_last4(last4):
            id_last4 = last4
        else:
            problems.append(_l("身份证号后四位应为 4 位数字（最后一位可为 X）"))
    # Only when no ID was given at all: a malformed one already has its own message above.
    if not (number or raw_id or last4) and head_name:
        problems.append(_l("缺少户号或身份证号，无法识别该户"))
    phone = normalize_phone(v.get("phone", "")) or None
    if v.get("phone") and not (phone and is_valid_phone(phone)):
        problems.append(_l("手机号应为 11 位数字"))
    members = [m for m in _MEMBER_SPLIT.split(v.get("members", "")) if m and m != head_name]
    if any(len(m) > 50 for m in members):
        problems.append(_l("家庭成员姓名太长"))
    grid = v.get("grid", "")
    if len(grid) > 100:
        problems.append(_l("网格名称太长"))
    for message in problems:
        errors.append(RowError(row.line, str(message)))
    if problems:
        return None
    return _Checked(
        row.line, number, head_name, id_hash, id_last4, phone, grid, members, v.get("address", "")
    )


def _check_duplicates(checked: list[_Checked], errors: list[RowError]) -> None:
    seen: dict[tuple, int] = {}
    for c in checked:
        keys = [
            ("number", c.number, _l("户号与第 %(line)s 行重复")),
            ("id", c.id_hash, _l("身份证号与第 %(line)s 行重复")),
            ("phone", c.phone, _l("手机号与第 %(line)s 行重复")),
        ]
        if not c.number and not c.id_hash:
            keys.append(("name", (c.head_name, c.id_last4), _l("户主姓名和身份证后四位与第 %(line)s 行重复")))
        for kind, value, message in keys:
            if not value:
                continue
            if (kind, value) in seen:
                errors.append(RowError(c.line, str(message % {"line": seen[(kind, value)]})))
            else:
                seen[(kind, value)] = c.line


def _match(session: Session, village: Region, c: _Checked) -> Household | None:
    if c.number:
        return session.execute(
            select(Household).where(Household.village_id == village.id, Household.number == c.number)
        ).scalar_one_or_none()
    head = select(Household).join(Person, Person.household_id == Household.id).where(
        Household.village_id == village.id, Person.is_head.is_(True)
    )
    if c.id_hash:
        return session.execute(head.where(Person.id_hash == c.id_hash)).scalar_one_or_none()
    return session.execute(
        head.where(Person.name == c.head_name, Person.id_last4 == c.id_last4)
    ).scalars().first()


def _head(household: Household | None) -> Person | None:
    if household is None:
        return None
    return next((p for p in household.members if p.is_head), None)


def _check_against_database(session, village, checked, matches, errors) -> None:
    for c in checked:
        head = _head(matches[c.line])
        if c.id_hash:
            owner = session.execute(
                select(Person.id).where(Person.id_hash == c.id_hash)
            ).scalar_one_or_none()
            if owner is not None and (head is None or owner != head.id):
                # Say no more: the other household may be in another village.
                errors.append(RowError(c.line, str(_l("该身份证号已在其他住户登记"))))
        if c.phone:
            user = session.execute(select(User).where(User.phone == c.phone)).scalar_one_or_none()
            if user is not None and (head is None or user.person_id != head.id):
                errors.append(RowError(c.line, str(_l("该手机号已被其他账号使用"))))


def _apply(session, village, checked, matches) -> ImportResult:
    result = ImportResult()
    grids: dict[str, Region] = {}
    in_file = (int(c.number) for c in checked if c.number.isdigit())
    next_number = max(_next_number(session, village), max(in_file, default=0) + 1)
    for c in checked:
        grid = None
        if c.grid:
            if c.grid not in grids:
                existing = {r.name for r in _children(session, village)}
                grids[c.grid] = find_or_add_region(session, c.grid, Level.GRID, village)
                if c.grid not in existing:
                    result.grids_created.append(c.grid)
            grid = grids[c.grid]
        household = matches[c.line]
        if household is None:
            number = c.number or str(next_number)
            next_number += 1
            household = create_household(
                session, village, number, c.head_name, grid=grid, address=c.address
            )
            add_person(session, household, c.head_name, is_head=True, phone=c.phone,
                       id_hash=c.id_hash, id_last4=c.id_last4)
            for name in c.members:
                add_person(session, household, name)
            result.created += 1
        elif _update(session, household, c, grid):
            result.updated += 1
        else:
            result.unchanged += 1
    return result


def _update(session, household: Household, c: _Checked, grid: Region | None) -> bool:
    """Bring an existing household in line with its row; True if anything changed."""
    changed = False
    head = _head(household)
    wanted = {"head_name": c.head_name, "grid_id": grid.id if grid else household.grid_id}
    if c.address:
        wanted["address"] = c.address
    for attr, value in wanted.items():
        if getattr(household, attr) != value:
            setattr(household, attr, value)
            changed = True
    if head is not None:
        for attr, value in (("name", c.head_name), ("phone", c.phone), ("id_hash", c.id_hash),
                            ("id_last4", c.id_last4)):
            if value and getattr(head, attr) != value:
                setattr(head, attr, value)
                changed = True
    present = {p.name for p in household.members}
    for name in c.members:
        if name not in present:
            add_person(session, household, name)
            changed = True
    session.flush()
    return changed


def _children(session: Session, village: Region) -> list[Region]:
    return list(session.execute(select(Region).where(Region.parent_id == village.id)).scalars())


def _next_number(session: Session, village: Region) -> int:
    numbers = session.execute(
        select(Household.number).where(Household.village_id == village.id)
    ).scalars()
    return max((int(n) for n in numbers if n.isdigit()), default=0) + 1
