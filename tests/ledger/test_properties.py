"""The ledger's invariants under random sequences of postings, batches, replays and reversals.

A Hypothesis state machine drives the real ledger on a real database (SQLite or PostgreSQL, as
``TEST_DATABASE_URL`` says) next to a plain Python model of what every balance should be. Entries
can never be deleted, so one database serves the whole test: each example opens its own accounts
(unique owners) and takes the shared issuing accounts' balances as it finds them.

After every step: every unit sums to zero, every cached balance equals its entries, no limited
account is negative, the model's balances are the database's, and the ledger holds exactly the
entries the model expects (so a refused or replayed posting wrote nothing).
"""

import itertools
import uuid
from dataclasses import dataclass, replace

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger import (
    AccountKind,
    AlreadyReversed,
    EntryKind,
    IdempotencyConflict,
    InsufficientBalance,
    InvalidPosting,
    LedgerError,
    NotReversible,
    Posting,
    UnitMismatch,
    issuing_account,
    open_account,
    post,
    post_many,
    reverse,
)
from ledger.balances import reconcile
from ledger.chain import read_head, verify_chain
from ledger.errors import UnknownEntry
from ledger.kinds import Unit
from ledger.models import Account, Entry
from ledger.transaction import run_in_transaction

pytestmark = pytest.mark.slow

SETTINGS = settings(
    max_examples=40,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# Account groups each example opens; "issuing"/"hours_issuing" are the shared system accounts.
GROUPS = {
    "budget": (AccountKind.BUDGET, 2),
    "household": (AccountKind.HOUSEHOLD, 3),
    "supermarket": (AccountKind.SUPERMARKET, 2),
    "person": (AccountKind.PERSON_HOURS, 2),
}

# route name -> (entry kind, source group, target group)
ROUTES = {
    "fund": (EntryKind.TRANSFER, "issuing", "budget"),
    "earn": (EntryKind.EARN, "budget", "household"),
    "spend": (EntryKind.REDEEM, "household", "supermarket"),
    "deduct": (EntryKind.DEDUCT, "household", "budget"),
    "hours": (EntryKind.EARN, "hours_issuing", "person"),
    "mismatch": (EntryKind.TRANSFER, "household", "person"),  # points into minutes: refused
}
# Batches mostly hold valid routes; a points-into-minutes posting turns up now and then.
BATCH_ROUTES = [*["fund"] * 4, *["earn"] * 5, *["spend"] * 5, *["deduct"] * 2, *["hours"] * 3, "mismatch"]

CHANGES = ("to_account_id", "amount", "kind", "actor", "reason", "ref_id")

index = st.integers(min_value=0, max_value=10_000)
# How much to move out of a limited account, given its balance (see choose()).
HOW_MUCH = st.sampled_from(["as drawn", "a part", "everything", "one too many", "far too many"])
BATCH_HOW = st.sampled_from(["a part", "a part", "a part", "as drawn", "everything", "one too many"])
_example_numbers = itertools.count(1)


def choose(balance: int, drawn: int, how: str) -> int:
    """An amount near the interesting edges of ``balance``: within it, all of it, or beyond it."""
    if how == "a part" and balance > 0:
        return 1 + drawn % balance
    if how == "everything" and balance > 0:
        return balance
    if how == "one too many":
        return balance + 1
    if how == "far too many":
        return balance + drawn
    return drawn


@dataclass
class Recorded:
    """One entry this example wrote, as the model knows it."""

    posting: Posting
    entry_id: int
    reversal: "Recorded | None" = None


@dataclass(frozen=True)
class Accepted:
    ids: list[int]
    balances: dict[int, int]
    fresh: list[Posting]


@dataclass(frozen=True)
class Refused:
    error: type[LedgerError]
    details: dict


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self, engine):
        super().__init__()
        self.session = Session(engine, expire_on_commit=False)
        self.prefix = f"prop{next(_example_numbers)}-{uuid.uuid4().hex[:8]}"
        self.keys = (f"{self.prefix}-k{n}" for n in itertools.count(1))
        s = self.session

        def open_all():
            groups = {
                "issuing": [issuing_account(s, Unit.POINTS)],
                "hours_issuing": [issuing_account(s, Unit.MINUTES)],
            }
            for group, (kind, count) in GROUPS.items():
                groups[group] = [
                    open_account(s, kind, f"{self.prefix}-{group}{n}") for n in range(count)
                ]
            return groups

        groups = run_in_transaction(s, open_all)
        # The Account objects stay in the session (expire_on_commit=False): after each posting
        # they must show the new balances, as the rows do.
        self.loaded = {a.id: a for accounts in groups.values() for a in accounts}
        self.groups = {name: [a.id for a in accounts] for name, accounts in groups.items()}
        self.unit = {a.id: a.unit for accounts in groups.values() for a in accounts}
        self.limited = {a.id: a.limited for accounts in groups.values() for a in accounts}
        # Only the shared issuing accounts start with what earlier examples left in them.
        self.balances = self.db_balances()
        assert all(self.balances[i] == 0 for name in GROUPS for i in self.groups[name])
        self.entry_count = self.db_entry_count()
        self.recorded: list[Recorded] = []  # in entry order
        self.by_key: dict[str, Recorded] = {}

    # --- reading the database -------------------------------------------------------------

    def db_balances(self) -> dict[int, int]:
        self.session.rollback()  # a fresh snapshot, nothing stale from the identity map
        rows = self.session.execute(
            select(Account.id, Account.balance).where(Account.id.in_(list(self.unit)))
        )
        return {account_id: balance for account_id, balance in rows}

    def db_entry_count(self) -> int:
        self.session.rollback()
        return self.session.execute(select(func.count(Entry.id))).scalar_one()

    # --- the model ------------------------------------------------------------------------

    def account(self, group: str, n: int) -> int:
        ids = self.groups[group]
        return ids[n % len(ids)]

    def make(self, route: str, i: int, j: int, amount: int, key: str | None = None) -> Posting:
        kind, source, target = ROUTES[route]
        return Posting(
            key=key or next(self.keys),
            from_account_id=self.account(source, i),
            to_account_id=self.account(target, j),
            amount=amount,
            kind=kind,
            actor=f"user:{route}",
            reason=f"性质测试 {route}",
            ref_type="prop",
            ref_id=str(amount),
        )

    def predict(self, postings: list[Posting]) -> Accepted | Refused:
        """What the ledger should do with this batch, from the model alone."""
        # Keys first: a key seen before (in the ledger or earlier in the batch) must repeat its
        # payload exactly, or the whole batch is refused.
        in_batch: dict[str, dict] = {}
        for p in postings:
            if p.key in self.by_key:
                original = self.by_key[p.key].posting.payload()
            elif p.key in in_batch:
                original = in_batch[p.key]
            else:
                in_batch[p.key] = p.payload()
                continue
            payload = p.payload()
            for field in original:
                if payload[field] != original[field]:
                    return Refused(IdempotencyConflict, {"key": p.key, "field": field})
        # Then the new postings in order, each against the balances the previous ones left.
        balances = dict(self.balances)
        ids: dict[str, int] = {}
        fresh: list[Posting] = []
        next_id = self.entry_count
        for p in postings:
            if p.key in self.by_key:
                ids[p.key] = self.by_key[p.key].entry_id
                continue
            if p.key in ids:
                continue
            source, target = p.from_account_id, p.to_account_id
            if self.unit[source] != self.unit[target]:
                return Refused(UnitMismatch, {})
            if self.limited[source] and balances[source] < p.amount:
                return Refused(
                    InsufficientBalance,
                    {"account_id": source, "balance": balances[source], "amount": p.amount},
                )
            balances[source] -= p.amount
            balances[target] += p.amount
            next_id += 1
            ids[p.key] = next_id
            fresh.append(p)
        return Accepted([ids[p.key] for p in postings], balances, fresh)

    # --- talking to the ledger ------------------------------------------------------------

    def submit(self, label: str, postings: list[Posting], *, single: bool, call=None):
        """Run ``call`` (default: post or post_many of ``postings``), compare with the model.

        Returns the entry ids or the refusal. ``postings`` is what the call is expected to post.
        """
        s = self.session
        expected = self.predict(postings)
        before = self.db_entry_count()
        assert before == self.entry_count
        if call is None:
            if single:
                (p,) = postings

                def call():
                    return [post(s, p)]
            else:

                def call():
                    return post_many(s, postings)

        try:
            returned = run_in_transaction(s, call)
        except LedgerError as refusal:
            assert isinstance(expected, Refused), (
                f"ledger refused {refusal!r}; model expected ids {expected.ids}"
            )
            assert type(refusal) is expected.error, (refusal, expected)
            event(f"{label}: {type(refusal).__name__}")
            for name, value in expected.details.items():
                assert getattr(refusal, name) == value, (name, refusal, expected)
            # A refusal writes nothing.
            assert self.db_entry_count() == before
            assert self.db_balances() == self.balances
            return refusal

        # post() and reverse() return the entry, post_many() its id.
        ids = [r if isinstance(r, int) else r.id for r in returned]
        assert isinstance(expected, Accepted), f"ledger accepted {ids}; model expected {expected}"
        assert ids == expected.ids
        for p, r in zip(postings, returned, strict=True):
            if isinstance(r, Entry):  # the entry written, or the original of a replay
                assert {field: getattr(r, field) for field in p.payload()} == p.payload()
        assert {i: a.balance for i, a in self.loaded.items()} == expected.balances
        event(f"{label}: {'posted' if expected.fresh else 'replayed'}")
        self.balances = expected.balances
        self.entry_count += len(expected.fresh)
        assert self.db_entry_count() == before + len(expected.fresh)
        id_of = dict(zip((p.key for p in postings), ids, strict=True))
        for p in expected.fresh:
            record = Recorded(p, id_of[p.key])
            self.by_key[p.key] = record
            self.recorded.append(record)
            if p.reverses_id is not None:
                self.recorded_by_id(p.reverses_id).reversal = record
        self.check_written(expected.fresh, id_of)
        return ids

    def check_written(self, fresh: list[Posting], id_of: dict[str, int]):
        """The new entries hold exactly what was posted, with the ids the model predicted."""
        if not fresh:
            return
        self.session.rollback()
        table = Entry.__table__  # columns, not ORM objects: the rows as stored, not the session's
        rows = self.session.execute(
            select(table).where(table.c.id.in_([id_of[p.key] for p in fresh])).order_by(table.c.id)
        ).all()
        assert len(rows) == len(fresh)
        for p, row in zip(fresh, rows, strict=True):
            assert (row.id, row.idempotency_key) == (id_of[p.key], p.key)
            assert {field: getattr(row, field) for field in p.payload()} == p.payload()
        self.session.rollback()

    def recorded_by_id(self, entry_id: int) -> Recorded:
        (record,) = [r for r in self.recorded if r.entry_id == entry_id]
        return record

    # --- rules ----------------------------------------------------------------------------

    @initialize(
        budgets=st.lists(st.integers(0, 3000), min_size=2, max_size=2),
        households=st.lists(st.integers(0, 400), min_size=3, max_size=3),
    )
    def opening_balances(self, budgets, households):
        """Start most examples with money about, so that spending is not always refused."""
        for n, amount in enumerate(budgets):
            if amount:
                self.submit("open", [self.make("fund", 0, n, amount)], single=True)
        for n, amount in enumerate(households):
            if amount and self.balances[self.account("budget", n)] >= amount:
                self.submit("open", [self.make("earn", n, n, amount)], single=True)

    @rule(budget=index, amount=st.integers(1, 1000))
    def fund_budget(self, budget, amount):
        self.submit("fund", [self.make("fund", 0, budget, amount)], single=True)

    @rule(budget=index, household=index, amount=st.integers(1, 300), how=HOW_MUCH)
    def earn(self, budget, household, amount, how):
        amount = choose(self.balances[self.account("budget", budget)], amount, how)
        result = self.submit("earn", [self.make("earn", budget, household, amount)], single=True)
        if how.endswith("too many"):
            assert isinstance(result, InsufficientBalance)

    @rule(household=index, shop=index, amount=st.integers(1, 300), how=HOW_MUCH)
    def spend(self, household, shop, amount, how):
        amount = choose(self.balances[self.account("household", household)], amount, how)
        result = self.submit("spend", [self.make("spend", household, shop, amount)], single=True)
        if how.endswith("too many"):
            assert isinstance(result, InsufficientBalance)

    @rule(person=index, minutes=st.integers(1, 240))
    def credit_hours(self, person, minutes):
        self.submit("hours", [self.make("hours", 0, person, minutes)], single=True)

    @rule(household=index, person=index, amount=st.integers(1, 50))
    def points_into_minutes(self, household, person, amount):
        result = self.submit("mismatch", [self.make("mismatch", household, person, amount)], single=True)
        assert isinstance(result, UnitMismatch)

    @rule(
        specs=st.lists(
            st.tuples(st.sampled_from(BATCH_ROUTES), index, index, st.integers(1, 300), BATCH_HOW),
            min_size=1,
            max_size=5,
        ),
        extra=st.sampled_from(["none", "none", "repeat", "repeat changed", "old", "old changed"]),
        where=index,
        which=index,
    )
    def batch(self, specs, extra, where, which):
        # Amounts are chosen against what the earlier postings of the batch leave in the source
        # (a batch may fund an account and spend from it), so batches often pass or fail by one.
        running = dict(self.balances)
        postings = []
        for route, i, j, drawn, how in specs:
            p = self.make(route, i, j, 1)
            source, target = p.from_account_id, p.to_account_id
            amount = choose(running[source], drawn, how) if self.limited[source] else drawn
            postings.append(replace(p, amount=amount, ref_id=str(amount)))
            if self.unit[source] == self.unit[target] and (
                not self.limited[source] or running[source] >= amount
            ):
                running[source] -= amount
                running[target] += amount
        if extra.startswith("repeat"):
            added = postings[which % len(postings)]
        elif extra.startswith("old") and self.recorded:
            added = self.recorded[which % len(self.recorded)].posting
        else:
            added = None
        if added is not None:
            if extra.endswith("changed"):
                added = replace(added, amount=added.amount + 1)
            postings.insert(where % (len(postings) + 1), added)
        self.submit(f"batch ({extra}, {len(postings)})", postings, single=False)

    @precondition(lambda self: self.recorded)
    @rule(which=index, single=st.booleans())
    def replay_same_payload(self, which, single):
        record = self.recorded[which % len(self.recorded)]
        before = self.db_balances()
        ids = self.submit("replay same", [record.posting], single=single)
        assert ids == [record.entry_id]
        assert self.db_balances() == before

    @precondition(lambda self: self.recorded)
    @rule(which=index, field=st.sampled_from(CHANGES), single=st.booleans())
    def replay_other_payload(self, which, field, single):
        record = self.recorded[which % len(self.recorded)]
        original = record.posting
        if field == "to_account_id":
            value = next(
                i for i in self.unit if i not in (original.from_account_id, original.to_account_id)
            )
        elif field == "amount":
            value = original.amount + 1
        elif field == "kind":
            value = next(k for k in EntryKind if k != original.kind)
        else:
            value = f"{getattr(original, field)}-changed"
        refusal = self.submit("replay other", [replace(original, **{field: value})], single=single)
        assert isinstance(refusal, IdempotencyConflict)
        assert (refusal.key, refusal.field) == (original.key, field)

    @precondition(lambda self: self.recorded)
    @rule(
        which=index,
        key=st.sampled_from(["new", "its reversal's", "another entry's"]),
        other=index,
        reason=st.sampled_from(["录入错误", "重复登记"]),
    )
    def reverse_entry(self, which, key, other, reason):
        record = self.recorded[which % len(self.recorded)]
        original = record.posting
        if key == "its reversal's" and record.reversal is not None:
            chosen = record.reversal.posting.key
        elif key == "another entry's":
            chosen = self.recorded[other % len(self.recorded)].posting.key
        else:
            chosen = next(self.keys)
        mirror = Posting(
            key=chosen,
            from_account_id=original.to_account_id,
            to_account_id=original.from_account_id,
            amount=original.amount,
            kind=EntryKind.REVERSE,
            actor="user:committee",
            reason=reason,
            ref_type="entry",
            ref_id=str(record.entry_id),
            reverses_id=record.entry_id,
        )
        s = self.session

        def call():
            return [reverse(s, record.entry_id, key=chosen, actor="user:committee", reason=reason)]

        if original.kind == EntryKind.REVERSE:
            expected = Refused(NotReversible, {})
        elif record.reversal is not None and record.reversal.posting.key != chosen:
            expected = Refused(
                AlreadyReversed,
                {"entry_id": record.entry_id, "reversal_id": record.reversal.entry_id},
            )
        else:
            expected = None  # an ordinary posting of the mirror: the model predicts it
        if expected is None:
            balances = dict(self.balances)
            new_key = chosen not in self.by_key
            result = self.submit(f"reverse ({key} key)", [mirror], single=True, call=call)
            if new_key and isinstance(result, list):
                # A new reversal: the amount went back from the target to the source.
                assert self.balances[original.from_account_id] == (
                    balances[original.from_account_id] + original.amount
                )
                assert self.balances[original.to_account_id] == (
                    balances[original.to_account_id] - original.amount
                )
            return
        before = self.db_entry_count()
        balances = self.db_balances()
        with pytest.raises(expected.error) as refused:
            run_in_transaction(s, call)
        event(f"reverse ({key} key): {expected.error.__name__}")
        for name, value in expected.details.items():
            assert getattr(refused.value, name) == value
        assert self.db_entry_count() == before
        assert self.db_balances() == balances == self.balances

    @rule(
        problem=st.sampled_from(
            ["zero", "negative", "same account", "empty reason", "unknown entry"]
        ),
        household=index,
        shop=index,
    )
    def malformed_request(self, problem, household, shop):
        s = self.session
        p = self.make("spend", household, shop, 1)
        if problem == "unknown entry":
            error = UnknownEntry

            def call():
                return reverse(s, 10**12, key=p.key, actor="user:committee", reason="更正")
        else:
            error = InvalidPosting
            p = {
                "zero": replace(p, amount=0),
                "negative": replace(p, amount=-3),
                "same account": replace(p, to_account_id=p.from_account_id),
                "empty reason": replace(p, reason=""),
            }[problem]

            def call():
                return post_many(s, [p])

        before = self.db_entry_count()
        with pytest.raises(error):
            run_in_transaction(s, call)
        event(f"malformed ({problem}): {error.__name__}")
        assert self.db_entry_count() == before
        assert self.db_balances() == self.balances

    # --- invariants -----------------------------------------------------------------------

    @invariant()
    def every_unit_sums_to_zero_and_balances_match_entries(self):
        self.session.rollback()
        result = reconcile(self.session)
        assert result.mismatches == []
        assert all(total == 0 for total in result.totals_by_unit.values()), result.totals_by_unit
        assert result.ok

    @invariant()
    def no_limited_account_is_negative(self):
        self.session.rollback()
        negative = self.session.execute(
            select(Account.id, Account.balance).where(Account.limited, Account.balance < 0)
        ).all()
        assert negative == []

    @invariant()
    def database_agrees_with_the_model(self):
        assert self.db_balances() == self.balances
        assert self.db_entry_count() == self.entry_count
        assert read_head(self.session).last_id == self.entry_count
        self.session.rollback()

    def teardown(self):
        try:
            self.session.rollback()
            report = verify_chain(self.session)  # every hash and link, once per example
            assert report.ok, report
        finally:
            self.session.close()


def test_ledger_invariants_hold_under_random_operations(engine):
    run_state_machine_as_test(lambda: LedgerMachine(engine), settings=SETTINGS)
