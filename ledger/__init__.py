"""The append-only, double-entry points ledger.

This package knows nothing of Flask, the web app or the supermarket. It works inside the
caller's SQLAlchemy session and never commits; callers open the transaction with
:func:`ledger.transaction.run_in_transaction`.
"""

from ledger.accounts import get_account, issuing_account, open_account
from ledger.errors import (
    AlreadyReversed,
    IdempotencyConflict,
    InsufficientBalance,
    InvalidPosting,
    LedgerError,
    NotReversible,
    UnitMismatch,
    UnknownAccount,
)
from ledger.kinds import AccountKind, EntryKind, Unit
from ledger.models import Account, Entry, LedgerHead
from ledger.posting import Posting, post, post_many
from ledger.reversal import reverse

__all__ = [
    "Account",
    "AccountKind",
    "AlreadyReversed",
    "Entry",
    "EntryKind",
    "IdempotencyConflict",
    "InsufficientBalance",
    "InvalidPosting",
    "LedgerError",
    "LedgerHead",
    "NotReversible",
    "Posting",
    "Unit",
    "UnitMismatch",
    "UnknownAccount",
    "get_account",
    "issuing_account",
    "open_account",
    "post",
    "post_many",
    "reverse",
]
