"""``flask`` commands for operations, one group per topic."""

from flask import Flask


def register(app: Flask) -> None:
    from incentives.cli.claims import claims_cli
    from incentives.cli.demo import demo_cli
    from incentives.cli.ledger import ledger_cli

    app.cli.add_command(ledger_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(claims_cli)
