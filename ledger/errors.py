"""Refusals the ledger raises. Each carries a plain message; the web layer translates it."""


class LedgerError(Exception):
    """Base of every refusal by the ledger. A refused posting has written nothing."""

    code = "ledger_error"


class InvalidPosting(LedgerError):
    """The posting itself is malformed (non-positive amount, same account on both sides...)."""

    code = "invalid_posting"


class UnknownAccount(LedgerError):
    """An account id that does not exist."""

    code = "unknown_account"


class UnitMismatch(LedgerError):
    """Points cannot move into an hours account, nor hours into a points account."""

    code = "unit_mismatch"


class InsufficientBalance(LedgerError):
    """The debited account is limited and holds less than the amount."""

    code = "insufficient_balance"

    def __init__(self, account_id: int, balance: int, amount: int):
        self.account_id = account_id
        self.balance = balance
        self.amount = amount
        super().__init__(
            f"account {account_id} holds {balance}, cannot debit {amount}"
        )


class IdempotencyConflict(LedgerError):
    """The idempotency key was used before for a different posting."""

    code = "idempotency_conflict"

    def __init__(self, key: str, field: str):
        self.key = key
        self.field = field
        super().__init__(f"idempotency key {key!r} was used for a different posting ({field})")


class UnknownEntry(LedgerError):
    """An entry id that does not exist."""

    code = "unknown_entry"


class AlreadyReversed(LedgerError):
    """An entry can be reversed once; this one has been."""

    code = "already_reversed"

    def __init__(self, entry_id: int, reversal_id: int):
        self.entry_id = entry_id
        self.reversal_id = reversal_id
        super().__init__(f"entry {entry_id} was already reversed by entry {reversal_id}")


class NotReversible(LedgerError):
    """Reversals are not reversed again: post a new entry instead."""

    code = "not_reversible"


class AppendOnlyViolation(LedgerError):
    """Code tried to update or delete a ledger entry."""

    code = "append_only"
