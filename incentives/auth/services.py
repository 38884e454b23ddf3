"""Accounts of people who log in: creating them, granting roles, passwords and login throttling."""

import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from incentives.auth.models import LoginAttempt, RoleGrant, User
from incentives.auth.roles import Role
from incentives.errors import ServiceError
from incentives.permissions import can_hold
from incentives.places.models import Region
from ledger.models import utcnow

MIN_PASSWORD_LENGTH = 6
# Digits only: a slip is read aloud and typed on a phone keypad by elderly villagers.
SLIP_PASSWORD_DIGITS = 8


class AuthError(ServiceError):
    """A refusal about logging in or managing an account."""


def normalize_phone(raw: str) -> str:
    digits = "".join(ch for ch in (raw or "") if ch.isdigit())
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def is_valid_phone(phone: str) -> bool:
    return len(phone) == 11 and phone.startswith("1")


def create_user(
    session: Session, phone: str, name: str, password: str | None = None, *, person=None
) -> tuple[User, str]:
    """A user logging in with ``phone``. Without a password one is generated and must be
    changed at first login. Returns the user and the password to hand over."""
    phone = normalize_phone(phone)
    if not is_valid_phone(phone):
        raise AuthError(_l("手机号格式不对"))
    if session.execute(select(User.id).where(User.phone == phone)).first():
        raise AuthError(_l("该手机号已注册"), status=409)
    generated = password is None
    password = password or slip_password()
    user = User(phone=phone, name=name, person=person, must_change_password=generated)
    user.set_password(password)
    session.add(user)
    session.flush()
    return user, password


def grant_role(session: Session, user: User, role: Role, region: Region, by: str = "system"):
    """Grant ``role`` on ``region`` (idempotent). The role must fit the node's level."""
    if not can_hold(role, region):
        raise AuthError(_l("该角色不能授予在这一级"))
    for grant in user.grants:
        if grant.role == role and grant.region_id == region.id:
            return grant
    grant = RoleGrant(user=user, role=Role(role).value, region=region, granted_by=by)
    session.add(grant)
    session.flush()
    return grant


def slip_password() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(SLIP_PASSWORD_DIGITS))


def reset_password(session: Session, user: User) -> str:
    """Give ``user`` a new one-time password (for a printed slip); they must change it at login."""
    password = slip_password()
    user.set_password(password)
    user.must_change_password = True
    session.flush()
    return password


def change_password(session: Session, user: User, current: str, new: str) -> None:
    if not user.check_password(current):
        raise AuthError(_l("原密码不对"))
    if len(new) < MIN_PASSWORD_LENGTH:
        raise AuthError(_l("新密码至少 6 位"))
    if new == current:
        raise AuthError(_l("新密码不能和原密码相同"))
    user.set_password(new)
    user.must_change_password = False
    session.flush()


def authenticate(
    session: Session, phone: str, password: str, ip: str, *, max_failures: int, window_minutes: int
) -> User | None:
    """The user with this phone and password, or None. Every attempt is recorded (so the caller
    commits even a failure);
    after ``max_failures`` failures in the window, for the phone or the address, logins are refused
    without checking the password (so guessing gains nothing)."""
    phone = normalize_phone(phone)
    since = utcnow() - timedelta(minutes=window_minutes)
    failures = select(func.count(LoginAttempt.id)).where(
        LoginAttempt.succeeded.is_(False), LoginAttempt.at >= since
    )
    by_phone = session.execute(failures.where(LoginAttempt.phone == phone)).scalar_one()
    by_ip = session.execute(failures.where(LoginAttempt.ip == ip)).scalar_one()
    if by_phone >= max_failures or by_ip >= max_failures * 4:
        raise AuthError(
            _l("登录失败次数太多，请 %(minutes)s 分钟后再试", minutes=window_minutes), status=429
        )
    user = session.execute(select(User).where(User.phone == phone)).scalar_one_or_none()
    ok = user is not None and user.active and user.check_password(password)
    session.add(LoginAttempt(phone=phone[:20], ip=ip[:45], succeeded=ok))
    session.flush()
    return user if ok else None
