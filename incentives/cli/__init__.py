"""``flask`` commands for operations, one group per topic."""

from flask import Flask


def register(app: Flask) -> None:
    from incentives.cli.appraisal import appraisal_cli
    from incentives.cli.claims import claims_cli
    from incentives.cli.credits import credits_cli
    from incentives.cli.demo import demo_cli
    from incentives.cli.ledger import ledger_cli
    from incentives.cli.photos import photos_cli
    from incentives.cli.publications import publications_cli
    from incentives.cli.scheduler import scheduler_cli
    from incentives.cli.supermarket import supermarket_cli

    app.cli.add_command(ledger_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(claims_cli)
    app.cli.add_command(credits_cli)
    app.cli.add_command(scheduler_cli)
    app.cli.add_command(publications_cli)
    app.cli.add_command(supermarket_cli)
    app.cli.add_command(appraisal_cli)
    app.cli.add_command(photos_cli)
