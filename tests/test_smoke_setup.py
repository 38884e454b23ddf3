from ledger.chain import read_head


def test_fresh_database_has_an_empty_chain(session):
    head = read_head(session)
    assert head.last_id == 0
    assert head.hash == "0" * 64
