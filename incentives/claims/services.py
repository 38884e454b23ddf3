"""Claims from report to ledger (申报 -> 审核 -> 公示 -> 入账), and the committee's deductions and
bulk awards, which take the same notice.

Every service takes the acting user and ``now`` (naive UTC) from its caller: the clock is a
parameter, so tests and the posting job can move it. Each must run inside ``run_in_transaction``
and raises :class:`ClaimError` (a 4xx with a Chinese message) on refusal, leaving nothing written.
Nothing reaches the ledger before its notice has ended, so balances never hold unapproved items;
posting goes through :func:`grant_award`, which applies caps and keeps the cut.
"""

from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from incentives.awards.services import grant_award
from incentives.claims.errors import ClaimError
from incentives.claims.inputs import (
    DEFAULT_ZONE,
    NOTE_LENGTH,
    REASON_LENGTH,
    check_date,
    clean_text,
    naive_utc,
    parse_quantity,
    required_text,
    valid_id,
)
from incentives.claims.models import (
    DEFAULT_NOTICE_DAYS,
    STATE_LABELS,
    Claim,
    ClaimKind,
    ClaimPhoto,
    ClaimState,
    Objection,
    Resolution,
    VillageSettings,
)
from incentives.claims.photos import MAX_PHOTOS, StoredPhoto
from incentives.permissions import Action, can, is_member, is_villager_of
from incentives.places.models import Household, Level, Region
from incentives.rules.models import Per
from incentives.rules.services import points_for, rule_in_force
from ledger.transaction import run_in_transaction

MAX_BULK = 2000
MAX_NOTICE_DAYS = 30
POST_BATCH = 500

# The ledger keeps a reason with every entry; it is stored data, in the villagers' language.
LEDGER_WORDS = {ClaimKind.REPORT: "申报", ClaimKind.DEDUCTION: "扣分", ClaimKind.BULK: "集体奖励"}


# -- settings ------------------------------------------------------------------------------------


def notice_days_for(session: Session, village_id: int) -> int:
    """How many days an approved item stands in ``village_id``'s notice (0: it posts at once)."""
    settings = session.get(VillageSettings, village_id)
    return DEFAULT_NOTICE_DAYS if settings is None else settings.notice_days


def set_notice_days(session: Session, user, village_id: int, days: int, *, now: datetime) -> int:
    """Set the village's notice period. Items already in notice keep the end they were given."""
    village = session.execute(
        # Locking the village row serialises two committee members saving at once.
        select(Region).where(Region.id == (valid_id(village_id) or 0)).with_for_update()
    ).scalar_one_or_none()
    if village is None or village.level != Level.VILLAGE:
        raise ClaimError(_l("找不到该村。"), status=404)
    if not can(user, Action.MANAGE_NOTICE, village):
        raise ClaimError(_l("只有本村村委可以设置公示天数。"), status=403)
    if not isinstance(days, int) or not 0 <= days <= MAX_NOTICE_DAYS:
        raise ClaimError(_l("公示天数须在 0 到 %(max)s 之间。", max=MAX_NOTICE_DAYS))
    settings = session.get(VillageSettings, village.id) or VillageSettings(village_id=village.id)
    settings.notice_days = days
    settings.updated_by = actor_of(user)
    settings.updated_at = naive_utc(now)
    session.add(settings)
    session.flush()
    return days


# -- the villager's report -----------------------------------------------------------------------


def submit_claim(
    session: Session,
    user,
    *,
    rule_id: int,
    amount,
    done_on: date,
    note: str = "",
    photos: list[StoredPhoto] = (),
    now: datetime,
    zone: tzinfo = DEFAULT_ZONE,
) -> Claim:
    """A villager's report (申报) for their own household, under the rule version now in force.

    ``amount`` is hours (per-hour rules) or a count. Photos are stored beforehand by
    :func:`incentives.claims.photos.store_photo`; the rule's version says whether one is needed.
    A rule that needs no approval posts at once (through :func:`grant_award`, caps applied);
    otherwise the claim waits for a reviewer.
    """
    now = naive_utc(now)
    person = getattr(user, "person", None)
    if person is None:
        raise ClaimError(_l("您的账号还没有关联到住户，不能申报。"), status=403)
    household = person.household
    rule = rule_in_force(session, rule_id, household.village)
    version = rule.current
    if version.points < 0 or not version.self_report:
        raise ClaimError(_l("这一项不能自己申报，请联系网格员或村委。"))
    quantity = parse_quantity(version, amount)
    check_date(done_on, now, zone)
    photos = _unique_photos(photos)
    if len(photos) > MAX_PHOTOS:
        raise ClaimError(_l("最多上传 %(n)s 张照片。", n=MAX_PHOTOS))
    if version.evidence_required and not photos:
        raise ClaimError(_l("这一项需要上传照片作为证明。"))
    claim = _new_claim(
        session, ClaimKind.REPORT, household, rule, version, quantity, done_on,
        clean_text(note, NOTE_LENGTH, _l("说明最多 %(n)s 字。", n=NOTE_LENGTH)), user, now,
    )
    claim.photos = [ClaimPhoto(sha256=p.sha256, width=p.width, height=p.height, size=p.size,
                               created_at=now) for p in photos]
    session.flush()
    if not version.approval_required:
        # The rule trusts the villager: no review and no notice, but still one award, capped.
        _mark_reviewed(claim, user, now)
        _post(session, claim, now)
    return claim


# -- review ----------------------------------------------------------------------------------------


def approve_claim(session: Session, user, claim_id: int, *, now: datetime) -> Claim:
    """Approve a submitted report: it goes on the village's notice, or posts at once when the
    village has no notice period. Only a reviewer of the household (its grid worker or the
    village committee) may approve, and never their own household's report."""
    now = naive_utc(now)
    claim = _locked_claim(session, claim_id)
    _require_reviewer(user, claim)
    _require_state(claim, ClaimState.SUBMITTED, _reviewed_message(claim))
    _mark_reviewed(claim, user, now)
    _start_notice(session, claim, now)
    return claim


def reject_claim(session: Session, user, claim_id: int, reason: str, *, now: datetime) -> Claim:
    """Reject a submitted report with a reason the household will read."""
    now = naive_utc(now)
    claim = _locked_claim(session, claim_id)
    _require_reviewer(user, claim)
    _require_state(claim, ClaimState.SUBMITTED, _reviewed_message(claim))
    reason = required_text(reason, REASON_LENGTH, _l("请填写不通过的理由。"))
    _mark_reviewed(claim, user, now)
    claim.state = ClaimState.REJECTED.value
    claim.reject_reason = reason
    session.flush()
    return claim


# -- the notice and objections ---------------------------------------------------------------------


def lodge_objection(session: Session, user, claim_id: int, reason: str, *, now: datetime) -> Objection:
    """Any villager of the claim's village may object, with a reason, while it is in notice. The
    item then waits for the committee (it does not post meanwhile), who upholds or withdraws it."""
    now = naive_utc(now)
    claim = _locked_claim(session, claim_id)
    if not is_villager_of(user, claim.village):
        raise ClaimError(_l("只有本村村民可以对公示事项提出异议。"), status=403)
    if claim.state != ClaimState.IN_NOTICE:
        raise ClaimError(
            _l("只能对公示中的事项提出异议（这一项：%(state)s）。", state=_state_label(claim)),
            status=409,
        )
    if now >= claim.notice_ends_at:
        raise ClaimError(_l("公示期已结束，不能再提出异议。"), status=409)
    reason = required_text(reason, REASON_LENGTH, _l("请填写异议理由。"))
    objection = Objection(claim=claim, user_id=user.id, reason=reason, created_at=now)
    session.add(objection)
    claim.state = ClaimState.OBJECTED.value
    session.flush()
    return objection


def uphold_claim(session: Session, user, claim_id: int, note: str = "", *, now: datetime) -> Claim:
    """The committee finds the objection unfounded: the item goes back on the notice until its
    original end, or posts now if that end has passed while the objection was considered."""
    now = naive_utc(now)
    claim = _locked_claim(session, claim_id)
    _require_notice_manager(user, claim)
    _require_state(claim, ClaimState.OBJECTED, _no_objection_message(claim))
    _resolve_objections(claim, user, Resolution.UPHELD, clean_text(note, REASON_LENGTH), now)
    if now >= claim.notice_ends_at:
        _post(session, claim, now)
    else:
        claim.state = ClaimState.IN_NOTICE.value
    session.flush()
    return claim


def withdraw_claim(session: Session, user, claim_id: int, reason: str, *, now: datetime) -> Claim:
    """The committee agrees with the objection: the item is rejected with the given reason."""
    now = naive_utc(now)
    claim = _locked_claim(session, claim_id)
    _require_notice_manager(user, claim)
    _require_state(claim, ClaimState.OBJECTED, _no_objection_message(claim))
    reason = required_text(reason, REASON_LENGTH, _l("请填写撤销的理由。"))
    _resolve_objections(claim, user, Resolution.WITHDRAWN, reason, now)
    claim.state = ClaimState.REJECTED.value
    claim.reject_reason = reason
    session.flush()
    return claim


def post_due_claims(session: Session, now: datetime, *, limit: int = POST_BATCH) -> list[Claim]:
    """Post every claim whose notice has ended by ``now``, at most ``limit`` of them; call again
    until it returns fewer than ``limit``. Idempotent: a posted claim is no longer in notice,
    and the award is unique per claim, so running it twice (or twice at once) posts each once."""
    now = naive_utc(now)
    due = session.execute(
        select(Claim)
        .where(Claim.state == ClaimState.IN_NOTICE.value, Claim.notice_ends_at <= now)
        .order_by(Claim.id)
        .limit(limit)
        # A claim locked by an objection being lodged right now is left for the next run.
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    ).scalars().all()
    for claim in due:
        _post(session, claim, now)
    return list(due)


# -- the committee's own entries ---------------------------------------------------------------


def post_all_due(session: Session, now: datetime) -> int:
    """Post every claim due by ``now`` in batches of :data:`POST_BATCH`, one transaction each (a
    long backlog never holds one huge lock); return how many were posted. Runs its own
    transactions, so call it outside ``run_in_transaction``."""
    total = 0
    while True:
        posted = run_in_transaction(session, lambda: len(post_due_claims(session, now, limit=POST_BATCH)))
        total += posted
        if posted < POST_BATCH:
            return total


def enter_deduction(
    session: Session,
    user,
    *,
    household_id: int,
    rule_id: int,
    amount=1,
    done_on: date,
    reason: str,
    now: datetime,
    zone: tzinfo = DEFAULT_ZONE,
) -> Claim:
    """A deduction (扣分) against a household by its village committee, with a deduction rule and
    a reason. It stands in the notice like an approved report, then posts; at posting the
    deduction takes at most what the household holds, and the rest is shown as the cut."""
    now = naive_utc(now)
    household = session.get(Household, valid_id(household_id) or 0)
    if household is None:
        raise ClaimError(_l("找不到该住户。"), status=404)
    if not can(user, Action.ENTER_DEDUCTION, household.region):
        raise ClaimError(_l("只有本村村委可以录入扣分。"), status=403)
    rule = rule_in_force(session, rule_id, household.village)
    version = rule.current
    if version.points >= 0:
        raise ClaimError(_l("请选择扣分细则。"))
    quantity = parse_quantity(version, amount)
    check_date(done_on, now, zone)
    reason = required_text(reason, REASON_LENGTH, _l("请填写扣分理由。"))
    claim = _new_claim(session, ClaimKind.DEDUCTION, household, rule, version, quantity, done_on,
                       reason, user, now)
    _mark_reviewed(claim, user, now)
    _start_notice(session, claim, now)
    return claim


def bulk_award(
    session: Session,
    user,
    *,
    village_id: int,
    rule_id: int,
    household_ids: list[int],
    amount=1,
    done_on: date,
    note: str = "",
    now: datetime,
    zone: tzinfo = DEFAULT_ZONE,
) -> list[Claim]:
    """Award one rule to many households of the committee's village: one approved claim each,
    all in the caller's one transaction, so either every household gets its claim or none does.
    They stand in the notice like any approved report."""
    now = naive_utc(now)
    village = session.get(Region, valid_id(village_id) or 0)
    if village is None or village.level != Level.VILLAGE:
        raise ClaimError(_l("找不到该村。"), status=404)
    if not can(user, Action.BULK_AWARD, village):
        raise ClaimError(_l("只有本村村委可以集体奖励。"), status=403)
    rule = rule_in_force(session, rule_id, village)
    version = rule.current
    if version.points <= 0:
        raise ClaimError(_l("集体奖励只能用加分细则。"))
    quantity = parse_quantity(version, amount)
    check_date(done_on, now, zone)
    note = clean_text(note, NOTE_LENGTH, _l("说明最多 %(n)s 字。", n=NOTE_LENGTH))
    households = _village_households(session, village, household_ids)
    claims = []
    for household in households:
        claim = _new_claim(session, ClaimKind.BULK, household, rule, version, quantity, done_on,
                           note, user, now)
        _mark_reviewed(claim, user, now)
        _start_notice(session, claim, now)
        claims.append(claim)
    return claims


def _village_households(session: Session, village: Region, household_ids) -> list[Household]:
    ids = sorted({valid_id(i) for i in household_ids})
    if None in ids:
        raise ClaimError(_l("住户选择有误。"))
    if not ids:
        raise ClaimError(_l("请至少选择一户。"))
    if len(ids) > MAX_BULK:
        raise ClaimError(_l("一次最多奖励 %(n)s 户。", n=MAX_BULK))
    households = session.execute(
        select(Household).where(Household.id.in_(ids), Household.village_id == village.id)
        .order_by(Household.id)
    ).scalars().all()
    if len(households) != len(ids):
        raise ClaimError(_l("所选住户中有不属于本村的，全部未奖励。"))
    return list(households)


# -- inside --------------------------------------------------------------------------------------


def actor_of(user) -> str:
    return f"user:{user.id}"


def _new_claim(session, kind, household, rule, version, quantity, done_on, note, user, now) -> Claim:
    points = points_for(version, quantity)
    if points == 0:
        # 0.1 hours of a 5-points-per-hour rule is 0 points: nothing to review or post.
        raise ClaimError(_l("数量太少，不够 1 分。"))
    claim = Claim(
        kind=kind.value, state=ClaimState.SUBMITTED.value, household=household,
        village_id=household.village_id, rule=rule, rule_version=version, quantity=quantity,
        points=points, done_on=done_on, note=note, submitted_by=actor_of(user),
        submitted_by_user_id=user.id, created_at=now,
    )
    session.add(claim)
    session.flush()
    return claim


def _mark_reviewed(claim: Claim, user, now: datetime) -> None:
    claim.reviewed_by = actor_of(user)
    claim.reviewed_at = now


def _start_notice(session: Session, claim: Claim, now: datetime) -> None:
    days = notice_days_for(session, claim.village_id)
    if days == 0:
        _post(session, claim, now)
        return
    claim.state = ClaimState.IN_NOTICE.value
    claim.notice_ends_at = now + timedelta(days=days)
    session.flush()


def _post(session: Session, claim: Claim, now: datetime) -> None:
    """The one way a claim reaches the ledger: an award under the claim's own rule version,
    with the approver as its actor, once per claim however often this runs."""
    award = grant_award(
        session, claim.household, claim.rule_version, claim.quantity,
        source_type="claim", source_id=claim.id, actor=claim.reviewed_by,
        reason=_ledger_reason(claim),
    )
    claim.award = award
    claim.state = ClaimState.POSTED.value
    claim.posted_at = now
    session.flush()


def _ledger_reason(claim: Claim) -> str:
    version = claim.rule_version
    if version.per == Per.HOUR:
        amount = f" {Decimal(claim.quantity) / 60:g}小时"
    else:
        amount = f" ×{claim.quantity}" if claim.quantity > 1 else ""
    return f"{LEDGER_WORDS[ClaimKind(claim.kind)]}：{version.name}{amount}（#{claim.id}）"


def _locked_claim(session: Session, claim_id: int) -> Claim:
    # FOR UPDATE on PostgreSQL: two reviewers pressing "approve" at once are served one by one.
    claim = session.execute(
        select(Claim).where(Claim.id == (valid_id(claim_id) or 0)).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if claim is None:
        raise ClaimError(_l("找不到这条申报。"), status=404)
    return claim


def _require_reviewer(user, claim: Claim) -> None:
    if not can(user, Action.REVIEW_CLAIM, claim.household.region):
        raise ClaimError(_l("您没有审核这户申报的权限。"), status=403)
    if is_member(user, claim.household):
        raise ClaimError(_l("不能审核自己家的申报，请由其他工作人员审核。"), status=403)


def _require_notice_manager(user, claim: Claim) -> None:
    if not can(user, Action.MANAGE_NOTICE, claim.household.region):
        raise ClaimError(_l("只有本村村委可以处理异议。"), status=403)
    if is_member(user, claim.household):
        raise ClaimError(_l("不能处理自己家的异议，请由其他村委处理。"), status=403)


def _require_state(claim: Claim, state: ClaimState, message) -> None:
    if claim.state != state:
        raise ClaimError(message, status=409)


def _reviewed_message(claim: Claim):
    if claim.state == ClaimState.POSTED:
        return _l("这一项已入账，不能再审核；如有错误，请由村委冲正。")
    return _l("这一项已经审核过（%(state)s），不能重复审核。", state=_state_label(claim))


def _no_objection_message(claim: Claim):
    return _l("这一项没有待处理的异议（%(state)s）。", state=_state_label(claim))


def _state_label(claim: Claim) -> str:
    return str(STATE_LABELS[ClaimState(claim.state)])


def _resolve_objections(claim: Claim, user, resolution: Resolution, note: str, now: datetime) -> None:
    for objection in claim.objections:
        if objection.resolution is None:
            objection.resolution = resolution.value
            objection.resolution_note = note
            objection.resolved_by = actor_of(user)
            objection.resolved_at = now


def _unique_photos(photos) -> list[StoredPhoto]:
    seen: dict[str, StoredPhoto] = {}
    for photo in photos:
        seen.setdefault(photo.sha256, photo)
    return list(seen.values())
