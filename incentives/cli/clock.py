"""``--now`` for the operations commands: a past moment replays what a job would have done then."""

from datetime import UTC, datetime, timedelta

import click

from ledger.models import utcnow

# Clocks of two machines disagree a little; a --now further ahead than this is refused.
NOW_SLACK = timedelta(minutes=1)


def parse_now(value: str | None) -> datetime | None:
    """``value`` (ISO 8601) as naive UTC, as the database keeps times; None when not given.

    A future time is refused: it would close periods that have not ended (an incomplete honour
    roll published for good, points expired before the year is out, claims posted before their
    notice is over).
    """
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use ISO 8601, e.g. 2026-12-01T08:00:00+08:00") from None
    # A time without an offset is UTC, as the database keeps it.
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    if moment > utcnow() + NOW_SLACK:
        raise click.BadParameter("may not be in the future: periods that have not ended would be run",
                                 param_hint="--now")
    return moment
