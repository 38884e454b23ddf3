"""Report pages and their XLSX downloads, for township and county staff (and Women's
Federation and Youth League staff) over their subtree."""

from datetime import UTC

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from incentives.claims.inputs import valid_id
from incentives.errors import ServiceError
from incentives.extensions import db
from incentives.i18n import local_zone
from incentives.permissions import Action, can, regions_for, require
from incentives.places.models import Level, Region
from incentives.places.services import subtree
from incentives.reports.charts import chart_data
from incentives.reports.queries import REPORTS, TITLES, Period
from incentives.reports.xlsx import report_workbook
from incentives.xlsx import xlsx_response
from ledger.models import utcnow

bp = Blueprint("reports", __name__, url_prefix="/reports")

REPORT_LEVELS = (Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE)


def _scope() -> tuple[Region, Period]:
    """The region (default: the user's first report node) and year asked for, checked."""
    mine = regions_for(current_user, Action.VIEW_REPORTS)
    require(bool(mine))
    region_id = request.args.get("region", type=int)
    if region_id is None:
        region = mine[0]
    else:
        region = db.session.get(Region, valid_id(region_id) or 0)
        require(region is not None and region.level in REPORT_LEVELS
                and can(current_user, Action.VIEW_REPORTS, region))
    zone = local_zone()
    # The year it is in the village, not in UTC: from 00:00 on 1 January local time, not 08:00.
    this_year = utcnow().replace(tzinfo=UTC).astimezone(zone).year
    year = request.args.get("year", default=this_year, type=int)
    if year is None or not 2000 <= year <= 2100:
        raise ServiceError(_("年份须在 2000 到 2100 之间"))
    return region, Period.year_in(year, zone.key)


@bp.get("")
@login_required
def index():
    region, period = _scope()
    mine = regions_for(current_user, Action.VIEW_REPORTS)
    choices = {r.id: r for m in mine for r in subtree(db.session, m) if r.level in REPORT_LEVELS}
    return render_template("reports/index.html", region=region, year=period.year,
                           choices=sorted(choices.values(), key=lambda r: r.path), titles=TITLES)


@bp.get("/<key>")
@login_required
def show(key: str):
    require(key in REPORTS)
    region, period = _scope()
    report = REPORTS[key](db.session, region, period)
    return render_template("reports/show.html", report=report, region=region, year=period.year,
                           chart=chart_data(report))


@bp.get("/<key>.xlsx")
@login_required
def download(key: str):
    require(key in REPORTS)
    region, period = _scope()
    report = REPORTS[key](db.session, region, period)
    name = f"{key}-{region.id}-{period.year}.xlsx"
    return xlsx_response(report_workbook(report), name)
