"""The publishing jobs: every village and township's monthly roll, each township's quarterly
bulletin, once per period however often the job runs."""

from sqlalchemy import func, select

from incentives.publications.models import Publication
from incentives.scheduler.registry import load_jobs
from incentives.scheduler.runs import run_due
from tests.incentives.publications.conftest import ZONE


def count(session, **where) -> dict:
    session.rollback()
    query = select(Publication.kind, func.count()).group_by(Publication.kind)
    for name, value in where.items():
        query = query.where(getattr(Publication, name) == value)
    return dict(session.execute(query).all())


def test_the_monthly_job_publishes_every_village_and_township_once(session, world):
    jobs = load_jobs()
    outcomes = run_due(session, jobs, world.after, ZONE, only="publications.monthly")
    assert [(o.period_key, o.status) for o in outcomes] == [(world.period.key, "succeeded")]
    assert outcomes[0].result == (
        '{"townships": {"already": 0, "published": 2}, "villages": {"already": 0, "published": 3}}'
    )
    assert count(session, period_key=world.period.key) == {"honour_roll": 5}
    # Run again (another scheduler, a manual run-once): nothing new.
    assert run_due(session, jobs, world.after, ZONE, only="publications.monthly") == []
    assert count(session) == {"honour_roll": 5}


def test_the_quarterly_job_publishes_each_townships_bulletin(session, world):
    jobs = load_jobs()
    from incentives.scheduler.periods import period_containing

    quarter = period_containing("quarter", world.period.start, ZONE)
    after_quarter = quarter.end_utc.replace(minute=5)
    outcomes = run_due(session, jobs, after_quarter, ZONE, only="publications.quarterly")
    assert [(o.period_key, o.status) for o in outcomes] == [(quarter.key, "succeeded")]
    assert count(session, period_key=quarter.key) == {"honour_roll": 2, "village_ranking": 2}
    ranking = session.execute(
        select(Publication).where(Publication.kind == "village_ranking",
                                  Publication.region_id == world.regions.township.id)
    ).scalar_one()
    assert [v["village"] for v in ranking.content["villages"]] == ["和平村", "东风社区"]
