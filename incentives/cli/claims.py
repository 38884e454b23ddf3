"""``flask claims post-due``: post every claim whose public notice has ended (the scheduled job)."""

from datetime import UTC, datetime

import click
from flask.cli import AppGroup

from incentives.claims.services import POST_BATCH, post_due_claims
from incentives.extensions import db
from ledger.models import utcnow
from ledger.transaction import run_in_transaction

claims_cli = AppGroup("claims", help="Claims and their public notice.")


def _parse_now(value: str | None) -> datetime:
    if not value:
        return utcnow()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use ISO 8601, e.g. 2026-12-01T08:00:00+08:00") from None
    # A time without an offset is UTC, as the database keeps it.
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


@claims_cli.command("post-due")
@click.option("--now", "now_text", help="Post as if it were this time (ISO 8601; default: now).")
def post_due_command(now_text: str | None):
    """Post claims whose notice has ended. Safe to run again at any time: each posts once.

    Works in batches, one transaction each, so a long backlog never holds one huge lock.
    """
    now = _parse_now(now_text)
    total = 0
    while True:
        posted = run_in_transaction(
            db.session, lambda: len(post_due_claims(db.session, now, limit=POST_BATCH))
        )
        total += posted
        if posted < POST_BATCH:
            break
    click.echo(f"posted {total} claims due by {now.isoformat(timespec='seconds')} UTC")
