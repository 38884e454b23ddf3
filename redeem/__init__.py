"""The love supermarket: member identification, goods, credits and redemption. Imports only
``ledger``; knows nothing of Flask."""
