"""Benchmark: the township and county reports over a county with a year of ledger entries.

Run it from the repository root with the project's virtualenv::

    .venv/bin/python bench/reports.py                     # SQLite in a temporary directory
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_reports .venv/bin/python bench/reports.py

(the PostgreSQL database must exist and be empty; it is migrated here). It is a benchmark, not a
test: it prints figures and asserts nothing about speed. The target is that every report opens in
under two seconds.

What it builds, at DOMAIN.md's county scale (a city is ~2,000 villages; a county a few hundred):
``BENCH_VILLAGES`` villages (default 300) in 10 townships, ``BENCH_HOUSEHOLDS`` households per
village (default 100, so 30,000 households), a supermarket per township, and a year of entries:
each household earns under the standard rules catalogue about twice a month (an award row per
entry, as ``grant_award`` writes them), is sometimes deducted, and redeems at its township's
supermarket about every other month: about 900,000 entries. Regions go through the places
service; households and their accounts are bulk-inserted with Core (the same rows
``create_household`` writes); every entry goes through the ledger's own ``post_many``, in
chronological batches, so ids, balances and the hash chain are exactly what production writes.
Only the clock is simulated: ``ledger.posting.utcnow`` is replaced, for the build only, by a
clock that walks through the year, so the entries spread over twelve months.

Then each report (incentives/reports/queries.py, the functions behind both the page and the XLSX
download) runs over the county, one township and one village, three times each; the best and
the worst time are printed, with the XLSX rendering time for the county. Finally the chain is
verified and the village report's net change is checked against the households' balances.
"""

import os
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

import ledger.posting  # noqa: E402
from ledger import AccountKind, EntryKind, Posting, issuing_account, open_account, post_many  # noqa: E402
from ledger.models import Account  # noqa: E402
from ledger.transaction import configure_engine, run_in_transaction  # noqa: E402

VILLAGES = int(os.environ.get("BENCH_VILLAGES", "300"))
HOUSEHOLDS = int(os.environ.get("BENCH_HOUSEHOLDS", "100"))
TOWNSHIPS = 10
YEAR = 2025
BATCH = 20_000
TARGET_SECONDS = 2.0


class Clock:
    """Stands in for ``ledger.posting.utcnow`` during the build: each call a little later."""

    def __init__(self):
        self.now = datetime(YEAR, 1, 1)
        self.step = timedelta(seconds=1)

    def __call__(self) -> datetime:
        self.now += self.step
        return self.now


def award_row(award_id, household_id, version_id, rule_id, requested, points, at) -> dict:
    """An award row as ``grant_award`` writes it (its entry id is filled in after posting)."""
    return {"id": award_id, "household_id": household_id, "rule_version_id": version_id,
            "root_rule_id": rule_id, "quantity": 1, "requested_points": requested, "points": points,
            "source_type": "bench", "source_id": award_id, "actor": "bench", "reason": "基准",
            "created_at": at}


def build(session: Session, rng: random.Random) -> dict:
    from incentives.awards.models import Award
    from incentives.places.models import Household, Level
    from incentives.places.services import add_region
    from incentives.rules.standard_catalogue import publish_standard_catalogue

    def tree():
        county = add_region(session, "基准县", Level.COUNTY)
        townships = [add_region(session, f"第{t + 1}镇", Level.TOWNSHIP, county) for t in range(TOWNSHIPS)]
        villages = [
            add_region(session, f"第{v + 1}村", Level.VILLAGE, townships[v % TOWNSHIPS])
            for v in range(VILLAGES)
        ]
        rules = publish_standard_catalogue(session, county, "bench")
        shops = [
            open_account(session, AccountKind.SUPERMARKET, f"bench:shop:{t.id}", f"{t.name}爱心超市").id
            for t in townships
        ]
        issuing = issuing_account(session).id
        villages = [(v.id, v.parent_id) for v in villages]
        return county.id, [t.id for t in townships], villages, rules, shops, issuing

    county_id, township_ids, villages, rules, shops, issuing = run_in_transaction(session, tree)
    earning = [(r.id, r.current.id, r.current.points) for r in rules if r.current.points > 0]
    deducting = [(r.id, r.current.id, r.current.points) for r in rules if r.current.points < 0]

    accounts, households = Account.__table__, Household.__table__
    t0 = time.perf_counter()

    def add_households():
        conn = session.connection()
        first = (conn.execute(sa.select(sa.func.max(accounts.c.id))).scalar() or 0) + 1
        rows, homes = [], []
        account_id = first
        opened = datetime(YEAR - 1, 12, 1)
        for village_id, _ in villages:
            for n in range(HOUSEHOLDS):
                owner = f"household:{village_id}:{n:04d}"
                rows.append({"id": account_id, "kind": "household", "owner": owner, "name": f"户{n}",
                             "unit": "points", "limited": True, "balance": 0,
                             "created_at": opened})
                homes.append({"village_id": village_id, "number": f"{n:04d}", "head_name": f"户主{n}",
                              "address": "", "account_id": account_id, "created_at": opened})
                account_id += 1
        conn.execute(accounts.insert(), rows)
        conn.execute(households.insert(), homes)

    run_in_transaction(session, add_households)
    homes = session.execute(sa.select(Household.id, Household.account_id, Household.village_id)).all()
    township_of = dict(villages)
    shop_of = {t: shops[i] for i, t in enumerate(township_ids)}
    print(f"  {len(homes):,} households in {VILLAGES} villages: {time.perf_counter() - t0:.1f} s", flush=True)

    clock = Clock()
    original = ledger.posting.utcnow
    ledger.posting.utcnow = clock
    balances = {account_id: 0 for _, account_id, _ in homes}
    award_id = 0
    entries = 0
    t0 = time.perf_counter()
    from incentives.reports.queries import Period

    bounds = Period.year_in(YEAR, "Asia/Shanghai").bounds  # local months, in naive UTC
    try:
        for month in range(1, 13):
            month_start, month_end = bounds[month - 1], bounds[month]
            plan = []
            for household_id, account_id, village_id in homes:
                for _ in range(rng.choice((1, 2, 2, 3))):
                    plan.append(("earn", household_id, account_id, village_id))
                if rng.random() < 0.05:
                    plan.append(("deduct", household_id, account_id, village_id))
                if rng.random() < 0.5:
                    plan.append(("redeem", household_id, account_id, village_id))
            rng.shuffle(plan)
            # One second per entry would not fit a month: spread the month's entries evenly.
            clock.now = month_start
            clock.step = (month_end - month_start - timedelta(minutes=1)) / max(len(plan), 1)
            for start in range(0, len(plan), BATCH):
                postings, awards = [], []
                for what, household_id, account_id, village_id in plan[start:start + BATCH]:
                    if what == "earn":
                        rule_id, version_id, points = rng.choice(earning)
                        award_id += 1
                        awards.append(award_row(award_id, household_id, version_id, rule_id, points, points,
                                                clock.now))
                        postings.append(Posting(f"award:{award_id}", issuing, account_id, points,
                                                EntryKind.EARN, "bench", "基准发放", "award", str(award_id)))
                        balances[account_id] += points
                    elif what == "deduct":
                        rule_id, version_id, points = rng.choice(deducting)
                        amount = min(-points, balances[account_id])
                        if amount <= 0:
                            continue
                        award_id += 1
                        awards.append(award_row(award_id, household_id, version_id, rule_id, points, -amount,
                                                clock.now))
                        postings.append(Posting(f"award:{award_id}", account_id, issuing, amount,
                                                EntryKind.DEDUCT, "bench", "基准扣分", "award",
                                                str(award_id)))
                        balances[account_id] -= amount
                    else:
                        amount = min(rng.choice((5, 10, 20)), balances[account_id])
                        if amount <= 0:
                            continue
                        shop = shop_of[township_of[village_id]]
                        key = f"bench:redeem:{entries + len(postings)}"
                        postings.append(Posting(key, account_id, shop, amount, EntryKind.REDEEM, "bench",
                                                "基准兑换"))
                        balances[account_id] -= amount

                def write(postings=postings, awards=awards):
                    ids = post_many(session, postings)
                    by_key = {p.key: i for p, i in zip(postings, ids, strict=True)}
                    for award in awards:
                        award["entry_id"] = by_key[f"award:{award['id']}"]
                    if awards:
                        session.connection().execute(Award.__table__.insert(), awards)

                run_in_transaction(session, write)
                entries += len(postings)
            elapsed = time.perf_counter() - t0
            print(f"  {YEAR}-{month:02d}: {entries:,} entries so far, {elapsed:.0f} s", flush=True)
    finally:
        ledger.posting.utcnow = original
    return {"county": county_id, "township": township_ids[0], "village": villages[0][0], "entries": entries}


def existing_scope(session: Session) -> dict:
    from incentives.places.models import Level, Region

    def first(level):
        return session.execute(
            sa.select(Region.id).where(Region.level == level).order_by(Region.id)
        ).scalars().first()

    entries = session.execute(sa.text("SELECT count(*) FROM ledger_entries")).scalar_one()
    return {"county": first(Level.COUNTY), "township": first(Level.TOWNSHIP), "village": first(Level.VILLAGE),
            "entries": entries}


def time_reports(session: Session, scope: dict) -> list[tuple[str, str, float, float]]:
    from incentives.places.models import Region
    from incentives.reports.queries import REPORTS, Period
    from incentives.reports.xlsx import report_workbook

    period = Period.year_in(YEAR, "Asia/Shanghai")
    results = []
    for level in ("county", "township", "village"):
        region = session.get(Region, scope[level])
        for key, query in REPORTS.items():
            times = []
            for _ in range(3):
                session.expire_all()
                t0 = time.perf_counter()
                report = query(session, region, period)
                times.append(time.perf_counter() - t0)
                session.rollback()
            results.append((level, key, min(times), max(times)))
            print(f"  {level:9s} {key:14s} best {min(times):6.3f} s  worst {max(times):6.3f} s", flush=True)
            if level == "county":
                t0 = time.perf_counter()
                report_workbook(report)
                print(f"  {'':9s} {key + '.xlsx':14s} render {time.perf_counter() - t0:6.3f} s", flush=True)
    return results


def main() -> None:
    from flask_babel import force_locale

    from incentives import create_app
    from tests.databases import migrate

    url = os.environ.get("BENCH_DATABASE_URL", "").strip()
    # BENCH_REUSE=1 with BENCH_DATABASE_URL: time the reports on a county built by an earlier run.
    reuse = bool(url) and os.environ.get("BENCH_REUSE") == "1"
    if not url:
        workdir = tempfile.mkdtemp(prefix="bench-reports-")
        url = f"sqlite:///{workdir}/reports.sqlite"
    print(f"database: {url.split('@')[-1]}")
    t0 = time.perf_counter()
    if not reuse:
        migrate(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    engine = configure_engine(sa.create_engine(url))
    rng = random.Random(7)
    with app.app_context(), force_locale("zh_CN"), Session(engine, expire_on_commit=False) as session:
        if reuse:
            scope = existing_scope(session)
        else:
            print("building the county:")
            scope = build(session, rng)
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                conn.execute(sa.text("COMMIT"))
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("VACUUM ANALYZE"))
        else:
            with engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
        print(f"{scope['entries']:,} entries, ready in {time.perf_counter() - t0:.0f} s")
        print(f"reports (target < {TARGET_SECONDS:.0f} s each):")
        results = time_reports(session, scope)
        from incentives.places.models import Region
        from incentives.reports.queries import Period, points_by_village

        county = session.get(Region, scope["county"])
        report = points_by_village(session, county, Period.year_in(YEAR, "Asia/Shanghai"))
        held = session.execute(
            sa.select(sa.func.sum(Account.balance)).where(Account.kind == AccountKind.HOUSEHOLD)
        ).scalar_one()
        print(f"net change in the report {report.total[-1]:,} = households' balances {held:,}: "
              f"{report.total[-1] == held}")
    worst = max(r[3] for r in results)
    print(f"slowest report: {worst:.3f} s (target < {TARGET_SECONDS:.0f} s)")
    engine.dispose()
    print(f"database kept for BENCH_REUSE=1: {url}" if not reuse else "")


if __name__ == "__main__":
    main()
