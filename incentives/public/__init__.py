"""Pages anyone may see: the front page and the public ledger."""
