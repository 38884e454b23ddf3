"""``flask supermarket ...``: prove the shelves add up, and write a month's reconciliation."""

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from incentives.extensions import db
from incentives.i18n import local_zone
from redeem.errors import InvalidInput
from redeem.models import Supermarket
from redeem.reconciliation import month_bounds, monthly_report
from redeem.stock import reconcile_stock

supermarket_cli = AppGroup("supermarket", help="Check the love supermarkets.")


@supermarket_cli.command("check-stock")
def check_stock_command():
    """Prove every article's stock equals the sum of its movements; exit 1 naming any that do not."""
    mismatches = reconcile_stock(db.session)
    for m in mismatches:
        click.echo(f"goods {m.goods_id}: stock {m.cached}, movements add up to {m.computed}", err=True)
    if mismatches:
        sys.exit(1)
    click.echo("ok every article's stock equals its movements")


@supermarket_cli.command("reconcile")
@click.argument("month")  # YYYY-MM
@click.option("--xlsx-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Also write each supermarket's workbook into this folder.")
def reconcile_command(month: str, xlsx_dir: Path | None):
    """The month's reconciliation of every supermarket; exit 1 if any does not tie out to the ledger."""

    from incentives.supermarkets.exports import reconciliation_xlsx

    try:
        year, number = (int(part) for part in month.split("-"))
        month_bounds(year, number)
    except (ValueError, InvalidInput):
        raise click.BadParameter("月份格式为 YYYY-MM", param_hint="MONTH") from None
    zone = local_zone()
    failed = False
    for supermarket in db.session.execute(select(Supermarket).order_by(Supermarket.id)).scalars():
        report = monthly_report(db.session, supermarket, year, number, zone)
        click.echo(f"{supermarket.id} {supermarket.name}: receipts {report.points_from_receipts}, "
                   f"ledger {report.points_from_ledger}, {'ok' if report.ties_out else 'MISMATCH'}")
        failed |= not report.ties_out
        if xlsx_dir is not None:
            xlsx_dir.mkdir(parents=True, exist_ok=True)
            with current_app.test_request_context():
                data = reconciliation_xlsx(report)
            (xlsx_dir / f"reconciliation-{supermarket.id}-{month}.xlsx").write_bytes(data)
    if failed:
        sys.exit(1)
