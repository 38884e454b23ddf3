"""Opening a supermarket: its ledger account, whatever the length of its name."""

from ledger.models import Account
from ledger.transaction import run_in_transaction
from redeem.supermarkets import create_supermarket
from tests.redeem.world import make_world


def test_a_supermarket_with_the_longest_name_gets_an_account(session):
    world = make_world(session, points=0)
    name = "爱" * 100  # the longest name a supermarket may have
    shop = run_in_transaction(session, lambda: create_supermarket(
        session, world.other_village.id, name, [world.other_village.id]))
    account = session.get(Account, shop.account_id)
    # ledger_accounts.owner is String(64): PostgreSQL refuses anything longer.
    assert len(account.owner) <= 64 and account.name == name
    assert account.kind == "supermarket"
