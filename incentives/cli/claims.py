"""``flask claims post-due``: post every claim whose public notice has ended (the scheduled job)."""


import click
from flask.cli import AppGroup

from incentives.claims.services import post_all_due
from incentives.cli.clock import parse_now
from incentives.extensions import db
from ledger.models import utcnow

claims_cli = AppGroup("claims", help="Claims and their public notice.")


@claims_cli.command("post-due")
@click.option("--now", "now_text", help="Post as if it were this time (ISO 8601; default: now).")
def post_due_command(now_text: str | None):
    """Post claims whose notice has ended. Safe to run again at any time: each posts once.

    Works in batches, one transaction each, so a long backlog never holds one huge lock.
    """
    now = parse_now(now_text) or utcnow()
    total = post_all_due(db.session, now)
    click.echo(f"posted {total} claims due by {now.isoformat(timespec='seconds')} UTC")
