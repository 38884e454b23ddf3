"""Pruning photo files: what a claim or goods row names stays, an old orphan goes, a fresh one
(its row may still be being written) stays, and an interrupted upload's temporary file goes."""

import os
from datetime import UTC, timedelta

from incentives.claims.photo_cleanup import prune_photos
from incentives.claims.photos import photo_path, store_photo
from ledger.transaction import run_in_transaction
from redeem.goods import create_goods
from redeem.supermarkets import create_supermarket
from tests.incentives.claims.conftest import NOW, jpeg, report


def age(path, days: float) -> None:
    """Make ``path`` look written ``days`` before NOW (naive UTC, as the app's clock)."""
    stamp = (NOW - timedelta(days=days)).replace(tzinfo=UTC).timestamp()
    os.utime(path, (stamp, stamp))


def test_only_old_unreferenced_photos_and_upload_leftovers_are_removed(session, world, tmp_path):
    directory = tmp_path / "photos"
    claimed = store_photo(jpeg(color=(10, 200, 10)), directory)
    shelved = store_photo(jpeg(color=(10, 10, 200)), directory)
    orphan = store_photo(jpeg(color=(200, 200, 10)), directory)
    fresh_orphan = store_photo(jpeg(color=(200, 10, 200)), directory)
    report(session, world, world.rules.river, photos=[claimed])
    run_in_transaction(session, lambda: create_goods(
        session, create_supermarket(session, world.regions.v1.id, "和平村爱心超市", [world.regions.v1.id]).id,
        name="洗衣粉", price=10, unit="袋", photo=shelved.sha256,
    ))
    leftover = photo_path(directory, orphan.sha256).parent / ".upload-abc"
    leftover.write_bytes(b"half a picture")
    for photo in (claimed, shelved, orphan):
        age(photo_path(directory, photo.sha256), 3)
    age(leftover, 3)
    age(photo_path(directory, fresh_orphan.sha256), 0.5)

    dry = prune_photos(session, directory, NOW, dry_run=True)
    assert (dry.checked, dry.removed, dry.leftovers) == (4, 1, 1)
    assert photo_path(directory, orphan.sha256).exists() and leftover.exists()

    result = prune_photos(session, directory, NOW)
    assert (result.removed, result.freed, result.leftovers) == (1, orphan.size, 1)
    assert not photo_path(directory, orphan.sha256).exists() and not leftover.exists()
    for kept in (claimed, shelved, fresh_orphan):
        assert photo_path(directory, kept.sha256).exists()
    assert prune_photos(session, directory, NOW).removed == 0  # nothing more to do


def test_storing_a_picture_again_marks_it_fresh(session, world, tmp_path):
    directory = tmp_path / "photos"
    photo = store_photo(jpeg(), directory)
    path = photo_path(directory, photo.sha256)
    age(path, 3)
    assert prune_photos(session, directory, NOW, dry_run=True).removed == 1  # an old orphan by now
    store_photo(jpeg(), directory)  # the same picture, uploaded for a claim being written now
    assert prune_photos(session, directory, NOW).removed == 0
    assert path.exists()


def test_the_prune_command_reports_what_it_did(runner, tmp_path):
    directory = tmp_path / "photos"  # the app's PHOTO_DIR in these tests
    orphan = photo_path(directory, store_photo(jpeg(), directory).sha256)
    age(orphan, 30)
    dry = runner.invoke(args=["photos", "prune", "--dry-run"])
    assert dry.exit_code == 0 and "would remove 1 unreferenced" in dry.output and orphan.exists()
    done = runner.invoke(args=["photos", "prune", "--older-than-hours", "48"])
    assert done.exit_code == 0 and "removed 1 unreferenced" in done.output and not orphan.exists()
    assert runner.invoke(args=["photos", "prune", "--older-than-hours", "0"]).exit_code == 2
