"""``flask appraisal ...``: close a round from the command line (the same service as the page)."""

import click
from flask import current_app
from flask.cli import AppGroup

from incentives.appraisal.errors import AppraisalError
from incentives.appraisal.results import close_round, ranking
from incentives.extensions import db
from ledger.transaction import run_in_transaction

appraisal_cli = AppGroup("appraisal", help="Moral appraisal (道德评议).")


@appraisal_cli.command("close")
@click.argument("round_id", type=int)
@click.option("--actor", default="cli", help="Who closes it (kept on the round and the ledger).")
def close_command(round_id: int, actor: str):
    """Close round ROUND_ID: freeze it, store the results, post the bonus, publish the ranking.

    Running it again on a closed round changes nothing (the bonus is keyed per round and household).
    """
    # Refusals are translated messages, and the locale is chosen per request: give them one.
    with current_app.test_request_context():
        try:
            round_ = run_in_transaction(db.session, lambda: close_round(db.session, round_id, actor=actor))
        except AppraisalError as exc:
            raise click.ClickException(str(exc.message)) from None
    rows = ranking(db.session, round_)
    click.echo(f"评议 {round_.id} 已结束：{len(rows)} 户有结果")
    click.echo(f"账本第 {round_.ledger_last_id} 条 {round_.ledger_hash}")
    for r in rows[:10]:
        click.echo(f"{r.rank}\t{r.household.number}\t{r.display}\t{r.scorers}")
