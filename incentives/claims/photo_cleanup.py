"""Removing photo files nothing refers to.

A photo is stored before the claim or goods row that names it is committed (the upload is
checked and shrunk first), so a refused claim, a form abandoned after an error, or a goods photo
replaced by another leaves a file no row names. Such files are removed once they are older than
a grace period: an upload whose row is still being written is never touched (storing a picture
that is already there marks it fresh). Files are checked
a fan-out directory at a time against the rows naming them, so memory stays small at millions of
photos.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from incentives.claims.models import ClaimPhoto
from redeem.models import Goods

# Long enough for any upload to be committed or refused; short enough that disks do not fill.
DEFAULT_GRACE = timedelta(hours=24)
_CHUNK = 500


@dataclass
class PruneResult:
    checked: int = 0  # photo files looked at
    removed: int = 0  # unreferenced and older than the grace period (or that would be, dry run)
    freed: int = 0  # bytes
    leftovers: int = 0  # interrupted uploads' temporary files removed


def prune_photos(session: Session, directory: Path, now: datetime, *, grace: timedelta = DEFAULT_GRACE,
                 dry_run: bool = False) -> PruneResult:
    """Remove files under ``directory`` that no claim photo or goods row names and that were last
    written before ``now - grace`` (naive UTC). With ``dry_run`` only count them."""
    result = PruneResult()
    cutoff = (now - grace).replace(tzinfo=UTC).timestamp()
    if not directory.is_dir():
        return result
    for fan_out in sorted(p for p in directory.iterdir() if p.is_dir()):
        files = {p.stem: p for p in fan_out.glob("*.jpg")}
        result.checked += len(files)
        named = _referenced(session, files)
        for sha256, path in files.items():
            size = None if sha256 in named else _size_if_older(path, cutoff)
            if size is not None:
                result.removed += 1
                result.freed += size
                if not dry_run:
                    path.unlink(missing_ok=True)
        for leftover in fan_out.glob(".upload-*"):
            if _size_if_older(leftover, cutoff) is not None:
                result.leftovers += 1
                if not dry_run:
                    leftover.unlink(missing_ok=True)
    return result


def _referenced(session: Session, names: Iterable[str]) -> set[str]:
    names = list(names)
    found: set[str] = set()
    for start in range(0, len(names), _CHUNK):
        chunk = names[start:start + _CHUNK]
        found.update(session.execute(select(ClaimPhoto.sha256).where(ClaimPhoto.sha256.in_(chunk))).scalars())
        found.update(session.execute(select(Goods.photo).where(Goods.photo.in_(chunk))).scalars())
    return found


def _size_if_older(path: Path, cutoff: float) -> int | None:
    """The file's size if it was last written before ``cutoff``; None if newer or already gone
    (a second pruner, the CLI beside the daily job, may remove it meanwhile)."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_size if stat.st_mtime < cutoff else None
