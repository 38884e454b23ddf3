"""Yearly expiry where a village chose it: the year-end balance goes back to the issuing account
once, nothing is taken twice, other villages keep theirs, and villagers are told ahead."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from incentives.claims.models import VillageSettings
from incentives.expiry.services import balances_at, expire_households, expiry_notice
from incentives.publications import services
from incentives.scheduler.periods import period_containing
from incentives.scheduler.registry import load_jobs
from incentives.scheduler.runs import run_due
from ledger import EntryKind
from ledger.balances import reconcile
from ledger.chain import verify_chain
from ledger.models import Account, Entry
from ledger.transaction import run_in_transaction
from tests.incentives.publications.conftest import ZONE, act
from tests.incentives.publications.conftest import world as world  # noqa: F401  the shared fixture


def balance(session, household) -> int:
    session.rollback()
    return session.execute(
        select(Account.balance).where(Account.id == household.account_id)
    ).scalar_one()


LONG_AGO = datetime(2000, 1, 1)


@pytest.fixture
def chosen(session, world):
    # Chosen early in the month under test, well over 30 days before the year ends.
    act(session, services.update_village_settings, world.users.committee, world.regions.v1.id,
        show_full_names=False, expire_yearly=True, expiry_notice_days=30, now=world.period.start_utc)
    return world


def test_a_village_that_chose_expiry_too_late_keeps_this_years_points(session, chosen):
    world, h = chosen, chosen.households
    year = period_containing("year", world.period.start, ZONE)
    # 东风社区 switches expiry on 10 days before the year ends, with 30 days' notice to give.
    act(session, services.update_village_settings, world.users.township_admin, world.regions.v2.id,
        show_full_names=False, expire_yearly=True, expiry_notice_days=30,
        now=year.end_utc - timedelta(days=10))
    outcome, = run_due(session, load_jobs(), year.end_utc + timedelta(minutes=5), ZONE, only="expiry.yearly")
    assert '"villages": 1' in outcome.result
    assert balance(session, h.chen) == 3
    # ... and its villagers were not told that points would go this year.
    chen = session.get(type(h.chen), h.chen.id)
    assert expiry_notice(session, chen, 3, year.end_utc - timedelta(days=2), ZONE) is None
    # Switching it off and on again restarts the notice; saving it unchanged does not.
    settings = session.get(VillageSettings, world.regions.v1.id)
    since = settings.expire_yearly_since
    assert since == world.period.start_utc
    act(session, services.update_village_settings, world.users.committee, world.regions.v1.id,
        show_full_names=True, expire_yearly=True, expiry_notice_days=30, now=world.after)
    session.expire_all()
    assert session.get(VillageSettings, world.regions.v1.id).expire_yearly_since == since


def test_the_year_end_balance_expires_once_in_villages_that_chose_it(session, chosen):
    world, h = chosen, chosen.households
    year = period_containing("year", world.period.start, ZONE)
    assert [balance(session, x) for x in (h.zhang, h.li, h.wang, h.zhao, h.chen)] == [45, 13, 10, 0, 3]
    jobs = load_jobs()
    after = year.end_utc + timedelta(minutes=5)

    outcome, = run_due(session, jobs, after, ZONE, only="expiry.yearly")
    assert outcome.status == "succeeded"
    assert outcome.result == f'{{"households": 4, "points": 68, "villages": 1, "year": {year.start.year}}}'
    assert [balance(session, x) for x in (h.zhang, h.li, h.wang, h.zhao)] == [0, 0, 0, 0]
    assert balance(session, h.chen) == 3  # 东风社区 did not choose expiry
    expired = session.execute(select(Entry).where(Entry.kind == EntryKind.EXPIRE.value)).scalars().all()
    assert sorted(e.idempotency_key for e in expired) == sorted(
        f"expire:{year.start.year}:{x.id}" for x in (h.zhang, h.li, h.wang)
    )
    assert {e.reason for e in expired} == {f"{year.start.year}年度积分清零"}

    # The job again, and the service itself again: nothing more.
    assert run_due(session, jobs, after + timedelta(days=1), ZONE, only="expiry.yearly") == []
    again = run_in_transaction(session, lambda: expire_households(
        session, year.start.year, year.end_utc, [h.zhang.id, h.li.id]))
    assert again == 0
    assert reconcile(session).ok and verify_chain(session).ok


def test_points_earned_after_the_year_end_are_kept(session, chosen):
    h = chosen.households
    # Pretend the year ended between 张's two awards: the 5 points after it stay.
    second = session.execute(
        select(Entry).where(Entry.to_account_id == h.zhang.account_id, Entry.kind == "earn")
        .order_by(Entry.id)
    ).scalars().all()[1]
    assert balances_at(session, [h.zhang.account_id], second.created_at) == {h.zhang.account_id: 40}
    expired = run_in_transaction(session, lambda: expire_households(session, 2026, second.created_at,
                                                                    [h.zhang.id]))
    assert expired == 40 and balance(session, h.zhang) == 5


def test_villagers_are_told_ahead(session, chosen):
    h = chosen.households
    # Chosen long before these dates (the fixture chose it this month, whatever year that is).
    session.execute(VillageSettings.__table__.update().where(
        VillageSettings.village_id == chosen.regions.v1.id).values(expire_yearly_since=LONG_AGO))
    session.commit()
    zhang = session.get(type(h.zhang), h.zhang.id)
    notice = expiry_notice(session, zhang, 45, datetime(2026, 12, 10, 2), ZONE)
    assert (notice.points, notice.day.isoformat(), notice.days_left) == (45, "2026-12-31", 21)
    assert expiry_notice(session, zhang, 45, datetime(2026, 11, 20), ZONE) is None  # too early
    assert expiry_notice(session, zhang, 0, datetime(2026, 12, 10), ZONE) is None  # nothing to lose
    chen = session.get(type(h.chen), h.chen.id)
    assert expiry_notice(session, chen, 3, datetime(2026, 12, 30), ZONE) is None  # never expires


def test_the_notice_on_the_home_page(session, chosen, client, login_as):
    # Tell a whole year ahead, so the page shows it whatever today's date is.
    settings = session.get(VillageSettings, chosen.regions.v1.id)
    session.execute(VillageSettings.__table__.update().where(
        VillageSettings.village_id == settings.village_id
    ).values(expiry_notice_days=366, expire_yearly_since=LONG_AGO))
    session.commit()
    login_as(chosen.users.villager)  # of 李's household: 13 points
    html = client.get("/me").get_data(as_text=True)
    assert "您家的 13 分将于 12 月 31 日清零" in html
