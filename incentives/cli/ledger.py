"""``flask ledger ...``: verify the hash chain, print its head, reconcile balances."""

import sys

import click
from flask.cli import AppGroup

from incentives.extensions import db
from ledger.balances import reconcile
from ledger.chain import read_head, verify_chain

ledger_cli = AppGroup("ledger", help="Check the points ledger.")


@ledger_cli.command("verify")
def verify_command():
    """Recompute the whole hash chain; exit 1 naming the first entry that does not match.

    Progress goes to stderr every 100,000 entries; the result line is the one on stdout."""
    total = read_head(db.session).last_id

    def show(count: int) -> None:
        click.echo(f"verified {count:,} of {total:,} entries ({count * 100 // max(total, 1)}%)", err=True)

    report = verify_chain(db.session, progress=show)
    if report.ok:
        click.echo(f"ok {report.count} entries, head {report.head_hash}")
        return
    click.echo(
        f"BROKEN at entry {report.bad_entry_id}: {report.problem} "
        f"({report.count} entries verified before it)",
        err=True,
    )
    sys.exit(1)


@ledger_cli.command("head")
def head_command():
    """Print the id and hash of the last entry (publish it; anyone can check against it)."""
    head = read_head(db.session)
    click.echo(f"{head.last_id} {head.hash}")


@ledger_cli.command("reconcile")
def reconcile_command():
    """Prove every cached balance equals the sum of its entries and every unit sums to zero."""
    result = reconcile(db.session)
    for m in result.mismatches:
        click.echo(f"account {m.account_id}: cached {m.cached} != entries {m.computed}", err=True)
    for unit, total in sorted(result.totals_by_unit.items()):
        if total:
            click.echo(f"unit {unit} sums to {total}, not 0", err=True)
    if not result.ok:
        sys.exit(1)
    click.echo(f"ok {result.accounts} accounts reconcile with their entries")
