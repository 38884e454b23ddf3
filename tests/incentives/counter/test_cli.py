"""``flask supermarket check-stock`` and ``flask supermarket reconcile`` for operations."""

from datetime import datetime
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from sqlalchemy import text

from ledger.transaction import run_in_transaction
from redeem.checkout import checkout
from tests.redeem.world import make_world


def test_stock_check_and_monthly_reconciliation(runner, session, tmp_path):
    world = make_world(session)
    run_in_transaction(session, lambda: checkout(
        session, supermarket_id=world.supermarket.id, buyer=world.buyer(), lines=[(world.soap.id, 2)],
        key="cli", actor="u",
    ))
    month = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")

    ok = runner.invoke(args=["supermarket", "check-stock"])
    assert ok.exit_code == 0 and "ok" in ok.output
    report = runner.invoke(args=["supermarket", "reconcile", month, "--xlsx-dir", str(tmp_path)])
    assert report.exit_code == 0, report.output
    assert "receipts 20, ledger 20, ok" in report.output
    sheet = load_workbook(tmp_path / f"reconciliation-{world.supermarket.id}-{month}.xlsx").active
    assert any(row[0] == "洗衣粉" and row[4] == 2 for row in sheet.iter_rows(values_only=True))
    assert runner.invoke(args=["supermarket", "reconcile", "2026-13"]).exit_code == 2

    # A shelf changed behind the movements' back is found.
    run_in_transaction(session, lambda: session.execute(
        text("UPDATE goods SET stock = stock + 1 WHERE id = :id"), {"id": world.soap.id}
    ))
    broken = runner.invoke(args=["supermarket", "check-stock"])
    assert broken.exit_code == 1 and f"goods {world.soap.id}" in broken.output
