"""Imports every model so the one metadata (and Alembic's autogenerate) sees all tables."""

import redeem.card_models  # noqa: F401  household cards
import redeem.credit_models  # noqa: F401  QR-coded credits (积分券)
import redeem.models  # noqa: F401  the supermarket's tables
from incentives.appraisal.models import (
    AppraisalCriterion,
    AppraisalRecusal,
    AppraisalResult,
    AppraisalRound,
    AppraisalScore,
)
from incentives.auth.models import LoginAttempt, RoleGrant, User
from incentives.awards.models import Award
from incentives.campaigns.models import Campaign
from incentives.claims.models import Claim, ClaimPhoto, Objection, VillageSettings
from incentives.events.models import Attendance, Event, EventLog
from incentives.places.models import Household, HouseholdMove, Person, Region
from incentives.publications.models import Publication
from incentives.rules.models import Rule, RuleVersion
from incentives.scheduler.models import JobRun
from ledger.models import Account, Entry, LedgerHead

__all__ = [
    "AppraisalCriterion",
    "AppraisalRecusal",
    "AppraisalResult",
    "AppraisalRound",
    "AppraisalScore",
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
    "JobRun",
    "LedgerHead",
    "LoginAttempt",
    "Objection",
    "Person",
    "Publication",
    "Region",
    "RoleGrant",
    "User",
    "VillageSettings",
]
