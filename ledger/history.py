"""Reading entries back: newest first, a page at a time, for one account or for everyone."""

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ledger.models import Entry


def entries_page(
    session: Session, *, account_id: int | None = None, before_id: int | None = None, limit: int = 50
) -> list[Entry]:
    """Up to ``limit`` entries with ids below ``before_id``, newest first (keyset paging, so a
    page costs the same on the first day and after ten million entries)."""
    stmt = select(Entry).order_by(Entry.id.desc()).limit(limit)
    if account_id is not None:
        stmt = stmt.where(
            or_(Entry.from_account_id == account_id, Entry.to_account_id == account_id)
        )
    if before_id is not None:
        stmt = stmt.where(Entry.id < before_id)
    return list(session.execute(stmt).scalars())
