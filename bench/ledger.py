"""Benchmark: the ledger's posting throughput on SQLite against a raw ``sqlite3`` baseline.

Run it from the repository root with the project's virtualenv (no server, no Flask needed)::

    .venv/bin/python bench/ledger.py

It is a benchmark, not a test: it prints figures and asserts nothing about speed. It makes a
temporary directory, runs every Alembic revision in ``migrations/`` on an empty SQLite file there
(the revisions ``flask db upgrade`` and ``tests.databases.migrate`` run, but driven through
Alembic directly), opens and funds a few accounts in it with the ledger, and copies that file
twice: one database for the ledger, one for the baseline, so both have exactly the same schema,
triggers and starting rows. Both use the ledger's SQLite pragmas
(``ledger.transaction.SQLITE_PRAGMAS``: WAL, ``synchronous=FULL``, foreign keys, busy timeout,
recursive triggers); the ledger gets them through its own ``configure_engine``.

What is measured, in one run, after a warm-up of both sides:

(a) Durable single postings per second. Ledger: every posting is its own
    ``run_in_transaction(session, lambda: post(session, Posting(...)))``, so one
    ``BEGIN IMMEDIATE ... COMMIT`` (and one fsync of the WAL) per posting. Baseline: plain
    ``sqlite3``, a connection in autocommit mode, and per posting: ``BEGIN IMMEDIATE``; read the
    chain head; look the idempotency key up; read the two accounts (unit, limited, balance) and
    check the units and the balance floor; insert the entry row with its sha256 chain hash
    (``ledger.chain.entry_hash``); update the two balances and the head row; ``COMMIT``.
(b) One batch of 10,000 postings in one transaction. Ledger: ``post_many()`` inside
    ``run_in_transaction``. Baseline: ``BEGIN IMMEDIATE``; read the head; look the 10,000 keys up
    (``IN`` lists of 500, as the ledger does); read the accounts; check and chain every entry in
    Python; one ``executemany`` INSERT of the entries, one ``executemany`` UPDATE of the
    balances, update the head; ``COMMIT``.

So the baseline writes the same rows the ledger writes (same columns, same timestamp format, same
hash chain, same balances and head row) and makes the same reads and checks, with the same
durability; the ratio shows what the ledger's own code (validation, SQLAlchemy) costs on top.
After timing, both databases are checked: each chain verifies, balances reconcile, and the two
hold the same entries and balances (timestamps and hashes aside).

Fairness: the single postings run in 40 pairs of blocks of 25 (ledger then raw, or raw then
ledger, alternating), the batches in 4 alternating rounds; each pair gives a ratio and the
printed ratio is the median of the pairs, so noise from elsewhere on the machine (another
process, an fsync stall) that hits one block does not decide the result. Overall ratios (total
time against total time) are printed too.

The last two lines of output are the ratios ledger rate / raw rate::

    single_vs_raw: 0.NN
    batch_vs_raw: 0.NN
"""

import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from ledger import AccountKind, EntryKind, Posting, open_account, post, post_many  # noqa: E402
from ledger.balances import reconcile  # noqa: E402
from ledger.chain import entry_hash, verify_chain  # noqa: E402
from ledger.errors import (  # noqa: E402
    IdempotencyConflict,
    InsufficientBalance,
    UnitMismatch,
    UnknownAccount,
)
from ledger.models import utcnow  # noqa: E402
from ledger.posting import PAYLOAD_FIELDS  # noqa: E402
from ledger.transaction import SQLITE_PRAGMAS, configure_engine, run_in_transaction  # noqa: E402

HOUSEHOLDS = 50
FUNDING = 10_000_000  # each household's starting balance: redemptions never run dry
WARMUP = 200  # single postings per side before measuring
BLOCK = 25  # single postings per side per block
PAIRS = 40  # pairs of blocks (ledger, raw): 1,000 measured single postings per side
BATCH = 10_000
BATCH_ROUNDS = 4  # batches per side, alternating

ENTRY_COLUMNS = (
    "id",
    "idempotency_key",
    *PAYLOAD_FIELDS,
    "created_at",
    "prev_hash",
    "hash",
)
INSERT_ENTRY = (
    f"INSERT INTO ledger_entries ({', '.join(ENTRY_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(ENTRY_COLUMNS))})"
)
# id, the payload, then the key: what a replay must match.
SELECT_REPLAY = (
    f"SELECT id, {', '.join(PAYLOAD_FIELDS)}, idempotency_key FROM ledger_entries WHERE idempotency_key"
)
_CHUNK = 500


# --- the workload --------------------------------------------------------------------------


class Accounts:
    def __init__(self, issuing: int, supermarket: int, households: list[int]):
        self.issuing, self.supermarket, self.households = issuing, supermarket, households


def make_postings(accounts: Accounts, phase: str, start: int, count: int) -> list[Posting]:
    """Alternate earning (from the unlimited issuing account) and redeeming (from a limited
    household account, so the balance floor is checked) across the households."""
    postings = []
    for i in range(start, start + count):
        household = accounts.households[i % len(accounts.households)]
        if i % 2 == 0:
            postings.append(
                Posting(
                    key=f"bench:{phase}:{i}",
                    from_account_id=accounts.issuing,
                    to_account_id=household,
                    amount=10,
                    kind=EntryKind.EARN,
                    actor="bench",
                    reason="benchmark: points earned",
                    ref_type="bench",
                    ref_id=str(i),
                )
            )
        else:
            postings.append(
                Posting(
                    key=f"bench:{phase}:{i}",
                    from_account_id=household,
                    to_account_id=accounts.supermarket,
                    amount=3,
                    kind=EntryKind.REDEEM,
                    actor="bench",
                    reason="benchmark: points redeemed",
                    ref_type="bench",
                    ref_id=str(i),
                )
            )
    return postings


def migrate(url: str) -> None:
    """Run every Alembic revision in ``migrations/`` on the empty database at ``url``.

    What ``flask db upgrade`` (and ``tests.databases.migrate``) does, without the Flask app:
    the same revisions, batch mode, on an engine configured by ``configure_engine``.
    """
    from alembic.config import Config
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory

    from ledger.base import Base

    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    script = ScriptDirectory.from_config(config)
    engine = configure_engine(sa.create_engine(url))
    try:
        with (
            engine.connect() as connection,
            EnvironmentContext(
                config, script, fn=lambda rev, context: script._upgrade_revs("heads", rev)
            ) as env,
        ):
            env.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
            with env.begin_transaction():
                env.run_migrations()
    finally:
        engine.dispose()


def prepare_template(path: Path) -> Accounts:
    """Migrate an empty database and open (and fund) the benchmark's accounts in it."""
    migrate(f"sqlite:///{path}")
    engine = configure_engine(sa.create_engine(f"sqlite:///{path}"))
    with Session(engine) as session:

        def setup():
            issuing = open_account(session, AccountKind.ISSUING, "system").id
            supermarket = open_account(session, AccountKind.SUPERMARKET, "bench:shop").id
            households = [
                open_account(session, AccountKind.HOUSEHOLD, f"bench:{n}").id
                for n in range(HOUSEHOLDS)
            ]
            post_many(
                session,
                [
                    Posting(f"bench:fund:{h}", issuing, h, FUNDING, EntryKind.TRANSFER, "bench", "fund")
                    for h in households
                ],
            )
            return Accounts(issuing, supermarket, households)

        accounts = run_in_transaction(session, setup)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return accounts


# --- the raw sqlite3 baseline ----------------------------------------------------------------


def raw_connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)  # autocommit: we write BEGIN ourselves
    for pragma in SQLITE_PRAGMAS:
        conn.execute(pragma)
    return conn


def _timestamp(dt) -> str:
    # How SQLAlchemy's DateTime stores a naive datetime in SQLite.
    return dt.strftime("%Y-%m-%d %H:%M:%S.%f")


def raw_post_many(conn: sqlite3.Connection, postings: list[Posting]) -> list[int]:
    """The ledger's posting rules in plain sqlite3, all or nothing in one transaction."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        last_id, prev_hash = conn.execute("SELECT last_id, hash FROM ledger_head WHERE id = 1").fetchone()

        # Keys already posted (replays), in IN lists short enough for SQLite's parameter limit.
        keys = list(dict.fromkeys(p.key for p in postings))
        replayed: dict[str, tuple] = {}
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            sql = f"{SELECT_REPLAY} IN ({', '.join('?' * len(chunk))})"
            replayed.update((row[-1], row[:-1]) for row in conn.execute(sql, chunk))

        ids = sorted({p.from_account_id for p in postings} | {p.to_account_id for p in postings})
        accounts = {
            row[0]: row
            for row in conn.execute(
                f"SELECT id, unit, limited, balance FROM ledger_accounts WHERE id IN "
                f"({', '.join('?' * len(ids))})",
                ids,
            )
        }
        for account_id in ids:
            if account_id not in accounts:
                raise UnknownAccount(f"no account {account_id}")
        balances = {account_id: row[3] for account_id, row in accounts.items()}

        result, rows = [], []
        for p in postings:
            if p.key in replayed:
                original = replayed[p.key]
                payload = p.payload()
                for n, field in enumerate(PAYLOAD_FIELDS):
                    if payload[field] != original[n + 1]:
                        raise IdempotencyConflict(p.key, field)
                result.append(original[0])
                continue
            source, target = accounts[p.from_account_id], accounts[p.to_account_id]
            if source[1] != target[1]:
                raise UnitMismatch(f"cannot move {source[1]} to {target[1]}")
            if source[2] and balances[source[0]] < p.amount:
                raise InsufficientBalance(source[0], balances[source[0]], p.amount)
            balances[source[0]] -= p.amount
            balances[target[0]] += p.amount
            last_id += 1
            created = utcnow()
            fields = {
                "id": last_id,
                "idempotency_key": p.key,
                "from_account_id": p.from_account_id,
                "to_account_id": p.to_account_id,
                "amount": p.amount,
                "kind": str(p.kind),
                "actor": p.actor,
                "reason": p.reason,
                "ref_type": p.ref_type,
                "ref_id": p.ref_id,
                "reverses_id": p.reverses_id,
                "created_at": created,
            }
            new_hash = entry_hash(fields, prev_hash)
            rows.append(
                (
                    last_id,
                    p.key,
                    p.from_account_id,
                    p.to_account_id,
                    p.amount,
                    fields["kind"],
                    p.actor,
                    p.reason,
                    p.ref_type,
                    p.ref_id,
                    p.reverses_id,
                    _timestamp(created),
                    prev_hash,
                    new_hash,
                )
            )
            prev_hash = new_hash
            replayed[p.key] = (last_id,) + tuple(fields[f] for f in PAYLOAD_FIELDS)
            result.append(last_id)

        if rows:
            conn.executemany(INSERT_ENTRY, rows)
            conn.executemany(
                "UPDATE ledger_accounts SET balance = ? WHERE id = ?",
                [(balances[i], i) for i in ids],
            )
            conn.execute(
                "UPDATE ledger_head SET last_id = ?, hash = ? WHERE id = 1", (last_id, prev_hash)
            )
        conn.execute("COMMIT")
        return result
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def raw_post(conn: sqlite3.Connection, p: Posting) -> int:
    """One posting in its own durable transaction, written the straightforward way."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        last_id, prev_hash = conn.execute("SELECT last_id, hash FROM ledger_head WHERE id = 1").fetchone()
        original = conn.execute(f"{SELECT_REPLAY} = ?", (p.key,)).fetchone()
        if original is not None:
            payload = p.payload()
            for n, field in enumerate(PAYLOAD_FIELDS):
                if payload[field] != original[n + 1]:
                    raise IdempotencyConflict(p.key, field)
            conn.execute("COMMIT")
            return original[0]
        source = conn.execute(
            "SELECT unit, limited, balance FROM ledger_accounts WHERE id = ?", (p.from_account_id,)
        ).fetchone()
        target = conn.execute(
            "SELECT unit, limited, balance FROM ledger_accounts WHERE id = ?", (p.to_account_id,)
        ).fetchone()
        if source is None or target is None:
            raise UnknownAccount("no such account")
        if source[0] != target[0]:
            raise UnitMismatch(f"cannot move {source[0]} to {target[0]}")
        if source[1] and source[2] < p.amount:
            raise InsufficientBalance(p.from_account_id, source[2], p.amount)
        entry_id = last_id + 1
        created = utcnow()
        kind = str(p.kind)
        fields = {
            "id": entry_id,
            "idempotency_key": p.key,
            "from_account_id": p.from_account_id,
            "to_account_id": p.to_account_id,
            "amount": p.amount,
            "kind": kind,
            "actor": p.actor,
            "reason": p.reason,
            "ref_type": p.ref_type,
            "ref_id": p.ref_id,
            "reverses_id": p.reverses_id,
            "created_at": created,
        }
        new_hash = entry_hash(fields, prev_hash)
        conn.execute(
            INSERT_ENTRY,
            (
                entry_id,
                p.key,
                p.from_account_id,
                p.to_account_id,
                p.amount,
                kind,
                p.actor,
                p.reason,
                p.ref_type,
                p.ref_id,
                p.reverses_id,
                _timestamp(created),
                prev_hash,
                new_hash,
            ),
        )
        conn.execute(
            "UPDATE ledger_accounts SET balance = ? WHERE id = ?",
            (source[2] - p.amount, p.from_account_id),
        )
        conn.execute(
            "UPDATE ledger_accounts SET balance = ? WHERE id = ?",
            (target[2] + p.amount, p.to_account_id),
        )
        conn.execute("UPDATE ledger_head SET last_id = ?, hash = ? WHERE id = 1", (entry_id, new_hash))
        conn.execute("COMMIT")
        return entry_id
    except BaseException:
        conn.execute("ROLLBACK")
        raise


# --- the runs --------------------------------------------------------------------------------


class LedgerSide:
    def __init__(self, path: Path):
        self.engine = configure_engine(sa.create_engine(f"sqlite:///{path}"))
        self.session = Session(self.engine)  # default settings, as the app's session

    def single(self, postings: list[Posting]) -> float:
        session = self.session
        started = time.perf_counter()
        for p in postings:
            run_in_transaction(session, lambda p=p: post(session, p))
        return time.perf_counter() - started

    def batch(self, postings: list[Posting]) -> float:
        session = self.session
        started = time.perf_counter()
        ids = run_in_transaction(session, lambda: post_many(session, postings))
        elapsed = time.perf_counter() - started
        assert len(ids) == len(postings)
        return elapsed

    def close(self):
        self.session.close()
        self.engine.dispose()


class RawSide:
    def __init__(self, path: Path):
        self.conn = raw_connect(path)

    def single(self, postings: list[Posting]) -> float:
        conn = self.conn
        started = time.perf_counter()
        for p in postings:
            raw_post(conn, p)
        return time.perf_counter() - started

    def batch(self, postings: list[Posting]) -> float:
        started = time.perf_counter()
        ids = raw_post_many(self.conn, postings)
        elapsed = time.perf_counter() - started
        assert len(ids) == len(postings)
        return elapsed

    def close(self):
        self.conn.close()


def check(path: Path) -> tuple[list[tuple], list[tuple]]:
    """Verify a database after the run; return its entries (sans time and hashes) and balances."""
    engine = configure_engine(sa.create_engine(f"sqlite:///{path}"))
    with Session(engine) as session:
        chain = verify_chain(session)
        assert chain.ok, f"{path.name}: chain broken: {chain}"
        assert reconcile(session).ok, f"{path.name}: balances do not reconcile"
        columns = ", ".join(("id", "idempotency_key", *PAYLOAD_FIELDS))
        entries = session.execute(sa.text(f"SELECT {columns} FROM ledger_entries ORDER BY id")).all()
        balances = session.execute(sa.text("SELECT id, balance FROM ledger_accounts ORDER BY id")).all()
    engine.dispose()
    return [tuple(r) for r in entries], [tuple(r) for r in balances]


def ratios(times: dict[str, list[float]]) -> list[float]:
    """Ledger rate / raw rate for each pair of timings (raw time / ledger time)."""
    return [raw / ledger for ledger, raw in zip(times["ledger"], times["raw"], strict=True)]


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="jifen-bench-"))
    try:
        template = workdir / "template.sqlite"
        accounts = prepare_template(template)
        ledger_path, raw_path = workdir / "ledger.sqlite", workdir / "raw.sqlite"
        shutil.copyfile(template, ledger_path)
        shutil.copyfile(template, raw_path)
        ledger, raw = LedgerSide(ledger_path), RawSide(raw_path)
        sides = {"ledger": ledger, "raw": raw}

        print(f"SQLite {sqlite3.sqlite_version}, SQLAlchemy {sa.__version__}, files in {workdir}")
        print(f"pragmas: {'; '.join(p.removeprefix('PRAGMA ') for p in SQLITE_PRAGMAS)}")

        # Warm-up: both sides, some single postings and a small batch.
        warm = make_postings(accounts, "warm", 0, WARMUP)
        for side in sides.values():
            side.single(warm)
        warm = make_postings(accounts, "warm-batch", 0, 1000)
        for side in sides.values():
            side.batch(warm)

        # (a) durable single postings in short blocks, ledger and raw back to back, the order
        # alternating; each pair of blocks gives one ratio, so a burst of noise from elsewhere
        # on the machine (or an fsync stall) mostly lands in one pair, not in the result.
        single_times = {"ledger": [], "raw": []}
        for b in range(PAIRS):
            block = make_postings(accounts, "single", b * BLOCK, BLOCK)
            for name in ("ledger", "raw") if b % 2 == 0 else ("raw", "ledger"):
                single_times[name].append(sides[name].single(block))
        single_ratios = ratios(single_times)

        # (b) batches of 10,000 postings in one transaction, alternating who goes first.
        batch_times = {"ledger": [], "raw": []}
        for r in range(BATCH_ROUNDS):
            batch = make_postings(accounts, f"batch{r}", 0, BATCH)
            for name in ("ledger", "raw") if r % 2 == 0 else ("raw", "ledger"):
                batch_times[name].append(sides[name].batch(batch))
        batch_ratios = ratios(batch_times)

        ledger.close()
        raw.close()
        ledger_rows, raw_rows = check(ledger_path), check(raw_path)
        assert ledger_rows == raw_rows, "the baseline did not write what the ledger wrote"

        count = PAIRS * BLOCK
        print()
        print(
            f"(a) durable single postings: {count} per side, one BEGIN IMMEDIATE ... COMMIT each, "
            f"in {PAIRS} interleaved pairs of blocks of {BLOCK}"
        )
        for name in ("ledger", "raw"):
            times = single_times[name]
            rates = sorted(BLOCK / t for t in times)
            print(
                f"    {name:6}  {count / sum(times):7.0f} postings/s overall "
                f"({sum(times) / count * 1000:.3f} ms each); per block: median "
                f"{statistics.median(rates):.0f}/s, middle half {rates[len(rates) // 4]:.0f}"
                f"-{rates[3 * len(rates) // 4]:.0f}/s"
            )
        print(
            f"    ledger/raw: median of the pairs {statistics.median(single_ratios):.3f}, "
            f"overall {sum(single_times['raw']) / sum(single_times['ledger']):.3f}"
        )
        print(f"(b) batch of {BATCH} postings in one transaction, {BATCH_ROUNDS} rounds:")
        for name in ("ledger", "raw"):
            times = batch_times[name]
            print(
                f"    {name:6}  {statistics.median(times) * 1000:7.1f} ms median "
                f"({BATCH / statistics.median(times):.0f} postings/s); "
                f"rounds: {', '.join(f'{t * 1000:.0f}' for t in times)} ms"
            )
        print(
            f"    ledger/raw: median of the rounds {statistics.median(batch_ratios):.3f}, "
            f"overall {sum(batch_times['raw']) / sum(batch_times['ledger']):.3f}"
        )
        print(
            f"checked: both chains verify, balances reconcile, the two databases hold the same "
            f"{len(ledger_rows[0])} entries and balances"
        )
        print()
        print(f"single_vs_raw: {statistics.median(single_ratios):.2f}")
        print(f"batch_vs_raw: {statistics.median(batch_ratios):.2f}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
