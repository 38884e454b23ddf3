"""The roles a user can hold, each granted on a node of the region tree."""

import enum

from flask_babel import lazy_gettext as _l


class Role(enum.StrEnum):
    VILLAGER = "villager"
    GRID_WORKER = "grid_worker"
    VILLAGE_COMMITTEE = "village_committee"
    APPRAISER = "appraiser"
    CLERK = "clerk"
    WOMENS_FEDERATION = "womens_federation"
    YOUTH_LEAGUE = "youth_league"
    TOWNSHIP_ADMIN = "township_admin"
    COUNTY_ADMIN = "county_admin"


ROLE_LABELS = {
    Role.VILLAGER: _l("村民"),
    Role.GRID_WORKER: _l("网格员"),
    Role.VILLAGE_COMMITTEE: _l("村委"),
    Role.APPRAISER: _l("道德评议委员"),
    Role.CLERK: _l("超市管理员"),
    Role.WOMENS_FEDERATION: _l("妇联"),
    Role.YOUTH_LEAGUE: _l("团委"),
    Role.TOWNSHIP_ADMIN: _l("乡镇管理员"),
    Role.COUNTY_ADMIN: _l("县管理员"),
}
