"""Events: staff create and run them; villagers scan the organiser's code to check in and out."""

from datetime import UTC, datetime

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import to_utc
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from incentives.choices import choices
from incentives.claims.inputs import valid_id
from incentives.events import tokens
from incentives.events.errors import EventError
from incentives.events.forms import AdjustForm, CheckInForm, EventForm
from incentives.events.models import Attendance, Event, Status
from incentives.events.queries import (
    attendance_for,
    attendances_of,
    event_log,
    headcount,
    people_to_check_in,
    villages_to_organise,
    visible_events,
)
from incentives.events.services import (
    adjust_minutes,
    close_event,
    confirm_event,
    confirm_printed,
    create_event,
    event_rules,
    record_by_name,
    scan_event_code,
    take_over_event,
)
from incentives.extensions import db
from incentives.filters import hours
from incentives.permissions import (
    Action,
    can,
    can_view_event,
    is_organiser,
    is_villager_of,
    may_take_over_event,
    regions_for,
    require,
)
from incentives.places.models import Level, Region
from incentives.qr import qr_svg
from ledger.models import utcnow
from ledger.transaction import run_in_transaction

bp = Blueprint("events", __name__, url_prefix="/events")

# Where a scan waits while its visitor logs in: which token, and when this browser first saw it.
PENDING_SCAN = "pending_event_scan"


def _event_or_404(event_id: int, allowed=can_view_event) -> Event:
    event = db.session.get(Event, valid_id(event_id) or 0)
    require(event is not None and allowed(current_user, event))
    return event


def _records_attendance() -> bool:
    return bool(regions_for(current_user, Action.RECORD_ATTENDANCE))


# --- staff: list and create ------------------------------------------------------------------


@bp.get("")
@login_required
def index():
    may_organise = bool(regions_for(current_user, Action.ORGANISE_EVENT))
    require(may_organise or _records_attendance())
    events = visible_events(db.session, current_user)
    return render_template("events/index.html", events=events, may_organise=may_organise)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    village_id = request.args.get("village", type=int)
    if village_id is None:
        return _choose_village()
    village = db.session.get(Region, valid_id(village_id) or 0)
    require(
        village is not None and village.level == Level.VILLAGE
        and can(current_user, Action.ORGANISE_EVENT, village)
    )
    form = EventForm()
    form.rule.choices = _rule_choices(village)
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("events/new.html", village=village, form=form), status
    user_id = current_user.id
    try:
        event_id = run_in_transaction(db.session, lambda: create_event(
            db.session, village_id, user_id, title=form.title.data, place=form.place.data,
            starts_at=to_utc(form.starts_at.data), ends_at=to_utc(form.ends_at.data),
            rule_id=form.rule.data, capacity=form.capacity.data, now=utcnow(),
        ).id)
    except EventError as exc:
        # Keep what was typed: say what is wrong above the form.
        flash(str(exc.message), "error")
        return render_template("events/new.html", village=village, form=form), exc.status
    flash(_("活动已创建。活动开始时，在手机上打开“签到二维码”给大家扫。"), "info")
    return redirect(url_for("events.show", event_id=event_id))


def _choose_village():
    """A county or township role covers many villages: pick one, by part of its name."""
    query = request.args.get("q", "").strip()[:50]
    villages = villages_to_organise(db.session, current_user, query=query)
    require(bool(villages) or bool(query))
    return render_template("events/new.html", villages=villages, query=query)


def _rule_choices(village: Region) -> list[SelectChoice]:
    return choices(
        (r.id, _("%(name)s（每小时 %(points)s 分）", name=r.current.name, points=r.current.points))
        for r in event_rules(db.session, village)
    )


# --- staff: the event page -------------------------------------------------------------------


@bp.get("/<int:event_id>")
@login_required
def show(event_id: int):
    event = _event_or_404(event_id)
    organiser = is_organiser(current_user, event)
    return render_template(
        "events/show.html",
        event=event,
        attendances=attendances_of(db.session, event.id),
        log=event_log(db.session, event.id),
        organiser=organiser,
        may_take_over=may_take_over_event(current_user, event, utcnow()),
        can_check_in=event.status == Status.OPEN and (organiser or _records_attendance()),
    )


@bp.get("/<int:event_id>/qr")
@login_required
def qr(event_id: int):
    event = _event_or_404(event_id, is_organiser)
    now = utcnow()
    page = render_template(
        "events/qr.html",
        event=event,
        qr=_screen_qr(event.id, now) if event.status == Status.OPEN else None,
        first_refresh=tokens.seconds_to_next_step(now),
        checked_in=headcount(db.session, event.id),
    )
    return page, 200, {"Cache-Control": "no-store"}


@bp.get("/<int:event_id>/qr.svg")
@login_required
def qr_svg_now(event_id: int):
    """The current code alone, fetched each minute by the QR page's script."""
    event = _event_or_404(event_id, is_organiser)
    require(event.status == Status.OPEN)
    response = Response(str(_screen_qr(event.id, utcnow())), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-store"
    return response


def _screen_qr(event_id: int, now):
    token = tokens.screen_token(current_app.config["SECRET_KEY"], event_id, now)
    return qr_svg(url_for("events.scan", event_id=event_id, t=token, _external=True))


@bp.get("/<int:event_id>/print")
@login_required
def print_code(event_id: int):
    event = _event_or_404(event_id, is_organiser)
    token = tokens.printed_token(current_app.config["SECRET_KEY"], event.id)
    url = url_for("events.scan", event_id=event.id, t=token, _external=True)
    return render_template("print/event_code.html", event=event, qr=qr_svg(url))


# --- villagers: scanning ---------------------------------------------------------------------


@bp.get("/<int:event_id>/scan")
def scan(event_id: int):
    """What the QR code opens. The token is checked before anything else, logged in or not."""
    token = request.args.get("t", "")[:100]
    now = utcnow()
    kind = tokens.check_token(
        current_app.config["SECRET_KEY"], event_id, token, now,
        first_seen=_first_seen(event_id, token),
    )
    if not current_user.is_authenticated:
        _remember_scan(event_id, token, now)
        flash(_("请先登录，登录后自动为您签到。"), "info")
        return redirect(url_for("auth.login", next=url_for("events.scan", event_id=event_id, t=token)))
    session.pop(PENDING_SCAN, None)
    user_id = current_user.id
    result = run_in_transaction(db.session, lambda: scan_event_code(
        db.session, event_id, user_id, printed=kind == tokens.Kind.PRINTED, now=now
    ))
    if result.checked_in:
        flash(_("签到成功！活动结束离开时，再扫一次二维码签退。"), "info")
    else:
        flash(_("签退成功，本次记录 %(time)s。", time=hours(result.attendance.recorded_minutes)), "info")
    # Redirect, so reloading the page does not scan again.
    return redirect(url_for("events.me", event_id=event_id))


def _first_seen(event_id: int, token: str):
    """When this browser first scanned ``token`` before logging in, if it did."""
    pending = session.get(PENDING_SCAN)
    if not isinstance(pending, dict) or pending.get("event") != event_id or pending.get("t") != token:
        return None
    try:
        return datetime.fromtimestamp(float(pending["seen"]), UTC).replace(tzinfo=None)
    except (KeyError, TypeError, ValueError, OverflowError, OSError):
        return None


def _remember_scan(event_id: int, token: str, now) -> None:
    if _first_seen(event_id, token) is None:
        seen = now.replace(tzinfo=UTC).timestamp()
        session[PENDING_SCAN] = {"event": event_id, "t": token, "seen": seen}


@bp.get("/<int:event_id>/me")
@login_required
def me(event_id: int):
    event = db.session.get(Event, valid_id(event_id) or 0)
    require(event is not None)
    person = current_user.person
    attendance = attendance_for(db.session, event.id, person.id) if person else None
    require(
        attendance is not None
        or is_villager_of(current_user, event.village)
        or can_view_event(current_user, event)
    )
    return render_template("events/me.html", event=event, attendance=attendance)


# --- staff: recording ------------------------------------------------------------------------


@bp.route("/<int:event_id>/check-in", methods=["GET", "POST"])
@login_required
def check_in(event_id: int):
    event = _event_or_404(event_id)
    require(is_organiser(current_user, event) or _records_attendance())
    query = request.args.get("q", "").strip()[:50]
    form = CheckInForm()
    if form.validate_on_submit():
        user_id, person_id, out = current_user.id, form.person_id.data, form.action.data == "out"
        attendance = run_in_transaction(db.session, lambda: record_by_name(
            db.session, event_id, person_id, user_id, check_out=out, now=utcnow()
        ))
        name = attendance.person.name
        flash(_("%(name)s 已签退", name=name) if out else _("%(name)s 已签到", name=name), "info")
        return redirect(url_for("events.check_in", event_id=event_id, q=query or None))
    if request.method == "POST":
        abort(400)
    people = people_to_check_in(db.session, event, current_user, query=query)
    return render_template("events/check_in.html", event=event, people=people, query=query)


@bp.post("/<int:event_id>/attendances/<int:attendance_id>/confirm")
@login_required
def confirm_attendance(event_id: int, attendance_id: int):
    _event_or_404(event_id, is_organiser)
    require(db.session.get(Attendance, valid_id(attendance_id) or 0) is not None)
    user_id = current_user.id
    attendance = run_in_transaction(db.session, lambda: confirm_printed(
        db.session, event_id, attendance_id, user_id, utcnow()
    ))
    flash(_("已确认 %(name)s 的签到", name=attendance.person.name), "info")
    return redirect(url_for("events.show", event_id=event_id))


@bp.post("/<int:event_id>/close")
@login_required
def close(event_id: int):
    _event_or_404(event_id, is_organiser)
    user_id = current_user.id
    count = run_in_transaction(db.session, lambda: close_event(db.session, event_id, user_id, utcnow()))
    flash(_("活动已结束，%(count)s 人自动签退。请核对时长，再确认入账。", count=count), "info")
    return redirect(url_for("events.show", event_id=event_id))


@bp.post("/<int:event_id>/take-over")
@login_required
def take_over(event_id: int):
    _event_or_404(event_id)
    user_id = current_user.id
    run_in_transaction(db.session, lambda: take_over_event(db.session, event_id, user_id, utcnow()))
    flash(_("您已接手这个活动，请核对签到记录后结束活动并确认入账。"), "info")
    return redirect(url_for("events.show", event_id=event_id))


@bp.route("/<int:event_id>/attendances/<int:attendance_id>/adjust", methods=["GET", "POST"])
@login_required
def adjust(event_id: int, attendance_id: int):
    event = _event_or_404(event_id, is_organiser)
    attendance = db.session.get(Attendance, valid_id(attendance_id) or 0)
    require(attendance is not None and attendance.event_id == event.id)
    form = AdjustForm(data={"minutes": attendance.minutes} if request.method == "GET" else None)
    context = {"event": event, "attendance": attendance, "form": form}
    if not form.validate_on_submit():
        return render_template("events/adjust.html", **context), 422 if request.method == "POST" else 200
    user_id = current_user.id
    try:
        run_in_transaction(db.session, lambda: adjust_minutes(
            db.session, event_id, attendance_id, user_id, minutes=form.minutes.data,
            reason=form.reason.data, now=utcnow(),
        ))
    except EventError as exc:
        flash(str(exc.message), "error")
        return render_template("events/adjust.html", **context), exc.status
    flash(_("已调整时长"), "info")
    return redirect(url_for("events.show", event_id=event_id))


@bp.post("/<int:event_id>/confirm")
@login_required
def confirm(event_id: int):
    _event_or_404(event_id, is_organiser)
    user_id = current_user.id
    result = run_in_transaction(db.session, lambda: confirm_event(db.session, event_id, user_id, utcnow()))
    if result.posted:
        flash(
            _("已确认入账：%(people)s 人，共 %(time)s，%(points)s 积分。",
              people=result.people, time=hours(result.minutes), points=result.points),
            "info",
        )
    else:
        flash(_("这个活动已经确认入账过了，没有重复发放。"), "info")
    return redirect(url_for("events.show", event_id=event_id))
