"""Finding a supermarket for the acting user: 404 unless a role on its region allows the action."""

from flask_login import current_user
from sqlalchemy import or_, select

from incentives.extensions import db
from incentives.permissions import Action, can, regions_for, require
from incentives.places.models import Region
from redeem.models import Supermarket, is_valid_id


def load_supermarket(supermarket_id, *actions: Action) -> tuple[Supermarket, Region]:
    """The supermarket and its region if the user may do one of ``actions`` there, else 404."""
    supermarket = db.session.get(Supermarket, supermarket_id) if is_valid_id(supermarket_id) else None
    require(supermarket is not None)
    region = db.session.get(Region, supermarket.region_id)
    require(any(can(current_user, action, region) for action in actions))
    return supermarket, region


def visible_supermarkets(*actions: Action) -> list[Supermarket]:
    """Supermarkets in the subtrees where the user may do one of ``actions``."""
    nodes = {r.id: r for action in actions for r in regions_for(current_user, action)}
    if not nodes:
        return []
    return list(
        db.session.execute(
            select(Supermarket).join(Region, Region.id == Supermarket.region_id)
            .where(or_(*(Region.path.startswith(node.path) for node in nodes.values())))
            .order_by(Supermarket.name)
        ).scalars()
    )
