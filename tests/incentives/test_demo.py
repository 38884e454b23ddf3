"""`flask demo seed` fills an empty database once; a second run changes nothing and says so."""

from ledger.balances import reconcile
from ledger.chain import read_head, verify_chain


def test_demo_seed_once(runner, session):
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    assert "演示数据已创建" in first.output
    head = read_head(session)
    assert head.last_id > 100

    second = runner.invoke(args=["demo", "seed"])
    session.rollback()
    assert second.exit_code == 0
    assert "演示数据已存在，未做任何更改" in second.output
    assert read_head(session).hash == head.hash
    assert verify_chain(session).ok
    assert reconcile(session).ok
