"""``flask photos prune``: remove photo files that no claim or goods row names (also a daily job)."""

from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from incentives.claims.photo_cleanup import DEFAULT_GRACE, prune_photos
from incentives.claims.photos import photo_dir
from incentives.extensions import db
from ledger.models import utcnow

photos_cli = AppGroup("photos", help="Stored evidence and goods photos.")


@photos_cli.command("prune")
@click.option("--older-than-hours", type=click.IntRange(min=1), show_default=True,
              default=int(DEFAULT_GRACE.total_seconds() // 3600),
              help="Leave files written more recently alone.")
@click.option("--dry-run", is_flag=True, help="Count what would be removed; remove nothing.")
def prune_command(older_than_hours: int, dry_run: bool):
    """Remove photos nothing refers to (left by refused claims and replaced goods photos)."""
    result = prune_photos(db.session, photo_dir(current_app), utcnow(),
                          grace=timedelta(hours=older_than_hours), dry_run=dry_run)
    db.session.rollback()
    verb = "would remove" if dry_run else "removed"
    click.echo(f"checked {result.checked} photos; {verb} {result.removed} unreferenced "
               f"({result.freed / 1_048_576:.1f} MB) and {result.leftovers} interrupted uploads")
