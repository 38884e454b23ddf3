"""Imports every model so the one metadata (and Alembic's autogenerate) sees all tables."""

from incentives.auth.models import LoginAttempt, RoleGrant, User
from incentives.awards.models import Award
from incentives.campaigns.models import Campaign
from incentives.claims.models import Claim, ClaimPhoto, Objection, VillageSettings
from incentives.events.models import Attendance, Event, EventLog
from incentives.places.models import Household, HouseholdMove, Person, Region
from incentives.rules.models import Rule, RuleVersion
from ledger.models import Account, Entry, LedgerHead

__all__ = [
    "Account",
    "Attendance",
    "Award",
    "Campaign",
    "Claim",
    "ClaimPhoto",
    "Rule",
    "RuleVersion",
    "Entry",
    "Event",
    "EventLog",
    "Household",
    "HouseholdMove",
    "LedgerHead",
    "LoginAttempt",
    "Objection",
    "Person",
    "Region",
    "RoleGrant",
    "User",
    "VillageSettings",
]
