"""``flask publications verify``: every publication still matches the digest it was published with."""

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from incentives.extensions import db
from incentives.publications.models import Publication
from incentives.publications.services import digest_of

publications_cli = AppGroup("publications", help="Honour rolls and rankings (frozen snapshots).")


@publications_cli.command("verify")
def verify_command():
    """Recompute each publication's digest; exit 1 naming any whose stored snapshot was altered."""
    count, bad = 0, []
    for publication in db.session.execute(select(Publication).order_by(Publication.id)).scalars():
        count += 1
        if digest_of(publication) != publication.digest:
            bad.append(publication.id)
    if bad:
        click.echo(f"{len(bad)} of {count} publications do not match their digest: {bad}")
        sys.exit(1)
    click.echo(f"{count} publications match their digests")
