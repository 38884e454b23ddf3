"""``flask demo seed``: fill an empty database with demo data for a first look."""

import click
from flask import current_app
from flask.cli import AppGroup

from incentives.demo import seed_demo
from incentives.extensions import db
from ledger.transaction import run_in_transaction

demo_cli = AppGroup("demo", help="Demo data.")


@demo_cli.command("seed")
def seed_command():
    """Create the demo county once; running it again changes nothing and says so.

    Ends with one line per demo user: role, phone, password (outside checks log in with these).
    """
    key = current_app.config["ID_HASH_KEY"]
    result = run_in_transaction(db.session, lambda: seed_demo(db.session, id_key=key))
    if result.created:
        click.echo(f"演示数据已创建：{result.entries} 条积分记录。登录页：/login")
    else:
        click.echo("演示数据已存在，未做任何更改。登录页：/login")
    for note in result.notes:
        click.echo(note)
    for role, phone, password in result.users:
        click.echo(f"{role} {phone} {password}")
