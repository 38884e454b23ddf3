"""Honour rolls and rankings count the period's earned points from the ledger, frozen at the head;
a later correction never changes them, and an erratum shows what it changed."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy import text as sa_text
from sqlalchemy.exc import DBAPIError

from incentives.claims.models import VillageSettings
from incentives.publications import services
from incentives.publications.errors import PublicationError
from incentives.publications.models import Publication, PublicationFrozen
from incentives.publications.queries import differences, revisions_of
from incentives.scheduler.periods import next_period
from ledger import reverse
from ledger.chain import read_head
from ledger.models import Entry
from tests.incentives.publications.conftest import ZONE, act


def roll(session, world, region=None, **kwargs):
    return act(session, services.publish_honour_roll, region or world.regions.v1, world.period,
               now=world.after, **kwargs)


def rows(data, section, *fields):
    return [tuple(r[f] for f in fields) for r in data[section]]


def test_the_village_roll_counts_points_earned_not_balances(session, world):
    pub = roll(session, world)
    data = pub.content
    # 王 earned 30 and lost 20 to a deduction: earned points rank him, the deduction does not.
    assert rows(data, "top_households", "rank", "name", "points") == [
        (1, "张*国", 45), (2, "王*强", 30), (3, "李*英", 13),
    ]
    assert rows(data, "volunteers", "rank", "name", "minutes") == [(1, "张*国", 480), (2, "张*", 120)]
    # 平安家庭: no deduction and at least 5 safe-family points. 王 was deducted; 赵 earned nothing.
    assert sorted(r["name"] for r in data["safe_families"]) == ["张*国", "李*英"]
    assert data["totals"] == {"households": 4, "participants": 3, "points": 88, "minutes": 600,
                              "safe_families": 2}
    assert data["period"]["label"] == services.period_label(world.period)
    assert pub.title == f"和平村 {services.period_label(world.period)} 光荣榜"
    head = read_head(session)
    assert (pub.head_entry_id, pub.head_hash) == (head.last_id, head.hash)
    assert pub.digest == services.digest_of(pub)


def test_the_township_roll_and_the_quarterly_ranking(session, world):
    data = roll(session, world, world.regions.township).content
    assert rows(data, "top_households", "name", "village", "points")[-1] == ("陈*梅", "东风社区", 3)
    assert "孙*娟" not in {r["name"] for r in data["top_households"]}  # another township
    assert data["safe_family_counts"] == [
        {"village": "和平村", "count": 2}, {"village": "东风社区", "count": 0},
    ]

    ranking = act(session, services.publish_village_ranking, world.regions.township, world.period,
                  now=world.after).content
    # 和平村: 3 of 4 households earned, 88 points; 东风社区: 1 of 2, 3 points (1.5 a household).
    assert rows(ranking, "villages", "rank", "village", "households", "participants", "points",
                "share_permille", "points_per_household") == [
        (1, "和平村", 4, 3, 88, 750, 22), (2, "东风社区", 2, 1, 3, 500, 2),
    ]


def test_full_names_when_the_village_chooses_them(session, world):
    act(session, services.update_village_settings, world.users.committee, world.regions.v1.id,
        show_full_names=True, expire_yearly=False, expiry_notice_days=30, now=world.after)
    data = roll(session, world).content
    assert data["top_households"][0]["name"] == "张建国"
    assert data["names"] == "full"


def test_publishing_again_changes_nothing(session, world):
    first = roll(session, world)
    again = roll(session, world)
    assert again.id == first.id and again.data == first.data
    assert session.execute(select(Publication)).scalars().all() == [first]


def test_a_period_not_yet_ended_is_refused_unless_interim(session, world):
    running = next_period(world.period, ZONE)
    with pytest.raises(PublicationError, match="尚未结束"):
        act(session, services.publish_honour_roll, world.regions.v1, running, now=world.after)
    # An interim roll of the running month counts up to now, under a key of its own.
    interim = act(session, services.publish_honour_roll, world.regions.v1, world.period,
                  now=world.period.end_utc - timedelta(hours=1), interim=True)
    assert interim.period_key.startswith(world.period.key + "@") and interim.content["period"]["interim"]
    assert "（截至" in interim.title
    assert roll(session, world).id != interim.id  # the month's own roll still comes at its end


def test_a_later_correction_does_not_alter_the_publication_and_an_erratum_shows_it(session, world):
    pub = roll(session, world)
    frozen = (pub.data, pub.digest, pub.head_hash)
    # After publication, 张's 8 volunteer hours turn out to be a double entry: reversed.
    entry = session.execute(
        select(Entry).where(Entry.reason == "志愿服务", Entry.amount == 40)
    ).scalar_one()
    act(session, lambda s: reverse(s, entry.id, key="fix-1", actor="user:committee", reason="重复登记"))
    session.expire_all()

    unchanged = session.get(Publication, pub.id)
    assert (unchanged.data, unchanged.digest, unchanged.head_hash) == frozen
    assert roll(session, world).id == pub.id  # the job again: still the frozen one

    erratum = act(session, services.publish_erratum, world.users.committee, pub.id,
                  "张建国家志愿时长重复登记", now=world.after + timedelta(days=3))
    assert (erratum.revision, erratum.supersedes_id, erratum.note) == (1, pub.id, "张建国家志愿时长重复登记")
    assert erratum.title.endswith("（更正）")
    assert erratum.head_entry_id > pub.head_entry_id
    assert rows(erratum.content, "top_households", "rank", "name", "points") == [
        (1, "王*强", 30), (2, "李*英", 13), (3, "张*国", 5),
    ]
    changes = {(c["section"], c["name"]): c for c in differences(pub.content, erratum.content)}
    zhang = changes[("top_households", "张*国")]
    assert (zhang["before"], zhang["after"]) == (45, 5)
    assert changes[("top_households", "王*强")]["rank_before"] == 2
    assert changes[("top_households", "王*强")]["rank_after"] == 1
    assert (changes[("totals", "points")]["before"], changes[("totals", "points")]["after"]) == (88, 48)
    assert [p.id for p in revisions_of(session, pub)] == [pub.id, erratum.id]

    # Nothing else changed since: a second erratum is refused.
    with pytest.raises(PublicationError, match="无需更正"):
        act(session, services.publish_erratum, world.users.committee, pub.id, "再次更正", now=world.after)


def test_an_erratum_keeps_the_names_as_first_published(session, world):
    pub = roll(session, world)  # 张*国: the village showed names in part
    act(session, services.update_village_settings, world.users.committee, world.regions.v1.id,
        show_full_names=True, expire_yearly=False, expiry_notice_days=30, now=world.after)
    # Only the way names are shown changed: nothing to correct.
    with pytest.raises(PublicationError, match="无需更正"):
        act(session, services.publish_erratum, world.users.committee, pub.id, "显示全名", now=world.after)
    entry = session.execute(
        select(Entry).where(Entry.reason == "志愿服务", Entry.amount == 40)
    ).scalar_one()
    act(session, lambda s: reverse(s, entry.id, key="fix-names", actor="user:committee", reason="重复登记"))
    erratum = act(session, services.publish_erratum, world.users.committee, pub.id, "重复登记",
                  now=world.after + timedelta(days=1))
    assert rows(erratum.content, "top_households", "name") == [("王*强",), ("李*英",), ("张*国",)]
    assert erratum.content["names"] == "masked"


@pytest.mark.parametrize("who", ["other_committee", "villager", "grid_worker"])
def test_only_the_village_committee_and_admins_above_publish_errata(session, world, who):
    pub = roll(session, world)
    with pytest.raises(PublicationError) as refused:
        act(session, services.publish_erratum, getattr(world.users, who), pub.id, "更正", now=world.after)
    assert refused.value.status == 403


def test_an_erratum_needs_a_reason(session, world):
    pub = roll(session, world)
    with pytest.raises(PublicationError, match="原因"):
        act(session, services.publish_erratum, world.users.township_admin, pub.id, "   ", now=world.after)


def test_a_publication_cannot_be_edited_or_deleted(session, world):
    pub = roll(session, world)
    pub.title = "改过的标题"
    with pytest.raises(PublicationFrozen):
        session.commit()
    session.rollback()
    session.delete(session.get(Publication, pub.id))
    with pytest.raises(PublicationFrozen):
        session.commit()
    session.rollback()


def test_the_appraisal_ranking_api(session, world):
    h = world.households
    pub = act(session, lambda s: services.publish_appraisal_ranking(
        s, village_id=world.regions.v1.id, round_key="round-7", title="2026年第四季度",
        rows=[{"household_id": h.li.id, "rank": 1, "score": "92.50"},
              {"household_id": h.zhang.id, "rank": 2, "score": 88}],
        method="去掉一个最高分和一个最低分后取平均", now=world.after))
    assert rows(pub.content, "rows", "rank", "name", "score") == [(1, "李*英", "92.50"), (2, "张*国", 88)]
    assert pub.title == "和平村 2026年第四季度 道德评议结果"
    again = act(session, lambda s: services.publish_appraisal_ranking(
        s, village_id=world.regions.v1.id, round_key="round-7", title="x", rows=[], now=world.after))
    assert again.id == pub.id
    with pytest.raises(PublicationError, match="不属于本村"):
        act(session, lambda s: services.publish_appraisal_ranking(
            s, village_id=world.regions.v1.id, round_key="round-8", title="x",
            rows=[{"household_id": h.chen.id, "rank": 1, "score": 1}], now=world.after))


def test_settings_are_checked(session, world):
    with pytest.raises(PublicationError) as refused:
        act(session, services.update_village_settings, world.users.other_committee, world.regions.v1.id,
            show_full_names=True, expire_yearly=True, expiry_notice_days=30, now=world.after)
    assert refused.value.status == 403
    with pytest.raises(PublicationError, match="0 到 90"):
        act(session, services.update_village_settings, world.users.committee, world.regions.v1.id,
            show_full_names=True, expire_yearly=True, expiry_notice_days=91, now=world.after)
    settings = act(session, services.update_village_settings, world.users.township_admin,
                   world.regions.v1.id, show_full_names=False, expire_yearly=True, expiry_notice_days=14,
                   now=world.after)
    assert session.get(VillageSettings, world.regions.v1.id).expiry_notice_days == 14
    assert settings.notice_days == 7  # the claims' own setting keeps its default


def test_verify_detects_a_snapshot_altered_behind_the_apps_back(session, world, runner):
    pub = roll(session, world)
    ok = runner.invoke(args=["publications", "verify"])
    assert ok.exit_code == 0 and "1 publications match their digests" in ok.output
    # Someone with the database's owner rights lifts the triggers and edits a column directly.
    for column, value in (("data", pub.data.replace("张*国", "王*国")), ("title", "改过的标题"),
                          ("note", "改过"), ("published_at", pub.published_at + timedelta(days=1))):
        with without_triggers(session):
            session.execute(Publication.__table__.update().where(Publication.id == pub.id)
                            .values({column: value}))
        bad = runner.invoke(args=["publications", "verify"])
        assert bad.exit_code == 1 and f"[{pub.id}]" in bad.output, column
        with without_triggers(session):
            session.execute(Publication.__table__.update().where(Publication.id == pub.id)
                            .values({column: getattr(pub, column)}))
        assert runner.invoke(args=["publications", "verify"]).exit_code == 0, column


@contextmanager
def without_triggers(session):
    """What only the database's owner can do: write past the publications' triggers."""
    if session.bind.dialect.name == "sqlite":
        triggers = session.execute(sa_text(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'publications'"
        )).scalars().all()
        for name in ("publications_no_update", "publications_no_delete"):
            session.execute(sa_text(f"DROP TRIGGER {name}"))
        yield
        for sql in triggers:
            session.execute(sa_text(sql))
    else:
        session.execute(sa_text("ALTER TABLE publications DISABLE TRIGGER publications_no_update_delete"))
        yield
        session.execute(sa_text("ALTER TABLE publications ENABLE TRIGGER publications_no_update_delete"))
    session.commit()


@pytest.mark.parametrize("statement", [
    "UPDATE publications SET title = 'x'",
    "UPDATE publications SET data = '{}'",
    "DELETE FROM publications",
])
def test_the_database_refuses_to_change_a_publication(session, world, statement):
    pub = roll(session, world)
    with pytest.raises(DBAPIError, match="frozen"):
        session.execute(sa_text(statement))
        session.flush()
    session.rollback()
    assert session.get(Publication, pub.id).title == pub.title


def test_the_digest_covers_every_column_of_the_snapshot(session, world):
    pub = roll(session, world)
    assert services.digest_of(pub) == pub.digest
    for column, value in (("title", "x"), ("note", "x"), ("period_start", pub.period_start + timedelta(1)),
                          ("period_end", pub.period_end - timedelta(1)), ("supersedes_id", 1),
                          ("published_at", pub.published_at + timedelta(seconds=1))):
        changed = Publication(**{c.key: getattr(pub, c.key) for c in Publication.__table__.columns})
        setattr(changed, column, value)
        assert services.digest_of(changed) != pub.digest, column
