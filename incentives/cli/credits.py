"""``flask credits expire``: return expired, unused credits' points to their budgets (the
scheduled job does the same); ``flask credits fund-pool``: put points into a village's pool."""

import click
from flask.cli import AppGroup

from incentives.cli.clock import parse_now
from incentives.credits.jobs import expire_all_due
from incentives.credits.services import fund_village_pool
from incentives.extensions import db
from incentives.places.models import Level, Region
from ledger.models import utcnow
from ledger.transaction import run_in_transaction

credits_cli = AppGroup("credits", help="QR-coded credits (积分券).")


@credits_cli.command("expire")
@click.option("--now", "now_text", help="Expire as if it were this time (ISO 8601; default: now).")
def expire_command(now_text: str | None):
    """Settle every batch past its expiry: unused credits expire and their points go back to the
    budget, one posting per batch. Safe to run again at any time: a batch is settled once."""
    now = parse_now(now_text) or utcnow()
    result = expire_all_due(db.session, now)
    click.echo(
        f"settled {result['batches']} batches: {result['credits']} credits expired, "
        f"{result['points']} points returned (as of {now.isoformat(timespec='seconds')} UTC)"
    )


@credits_cli.command("fund-pool")
@click.argument("village_id", type=int)
@click.argument("amount", type=click.IntRange(min=1))
@click.option("--sponsor", required=True, help="Who pays for these points (printed in the ledger).")
@click.option("--key", required=True, help="Idempotency key: running the same key again adds nothing.")
def fund_pool_command(village_id: int, amount: int, sponsor: str, key: str):
    """Put AMOUNT points into the pool of the village VILLAGE_ID, from which its committee issues
    credits."""

    def work():
        village = db.session.get(Region, village_id)
        if village is None or village.level != Level.VILLAGE:
            raise click.ClickException(f"no village with id {village_id}")
        return fund_village_pool(db.session, village, amount, sponsor=sponsor, actor="cli",
                                 key=f"village-pool:{key}").balance

    balance = run_in_transaction(db.session, work)
    click.echo(f"village {village_id} pool holds {balance} points")
