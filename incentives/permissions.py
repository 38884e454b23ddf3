"""Every permission question is answered here, and only here.

A role is granted on a node of the region tree and covers that node's subtree. Views and
services ask :func:`can` (or :func:`require`); they never look at grants themselves.
"""

import enum
from datetime import datetime, timedelta

from flask import abort

from incentives.auth.roles import Role
from incentives.events.models import Status as EventStatus
from incentives.places.models import Household, Level, Region


class Action(enum.StrEnum):
    VIEW_HOUSEHOLD = "view_household"  # balance and history of households in the subtree
    VIEW_CONTACT = "view_contact"  # phone numbers and ID digits: only staff of the village itself
    MANAGE_ROSTER = "manage_roster"  # import the roster, add households
    RESET_PASSWORD = "reset_password"  # reset a villager's password and print a login slip
    VIEW_DASHBOARD = "view_dashboard"  # a staff dashboard of the node
    REVIEW_CLAIM = "review_claim"  # approve or reject villagers' self-reports (申报)
    MANAGE_NOTICE = "manage_notice"  # run the public notice (公示): resolve objections, set its days
    ENTER_DEDUCTION = "enter_deduction"  # deduct points (扣分) from a household, through the notice
    CORRECT_ENTRY = "correct_entry"  # reverse (冲正) a household's wrong award or deduction, with a reason
    BULK_AWARD = "bulk_award"  # award one rule to many households at once
    RUN_CAMPAIGN = "run_campaign"  # launch a campaign over villages and award from its budget
    MANAGE_RULES = "manage_rules"  # publish and revise rules; a village adjusts higher rules
    ORGANISE_EVENT = "organise_event"  # create events in the node's villages (their organiser runs them)
    RECORD_ATTENDANCE = "record_attendance"  # check villagers without phones in and out at events
    SELL_AT_COUNTER = "sell_at_counter"  # identify households at a supermarket's counter, check out, void
    MANAGE_GOODS = "manage_goods"  # a supermarket's goods, donations in and stock-takes
    VIEW_SUPERMARKET = "view_supermarket"  # a supermarket's stock, donors and monthly reconciliation
    APPRAISE = "appraise"  # score households in the village's moral appraisal (道德评议)
    MANAGE_APPRAISAL = "manage_appraisal"  # open and close appraisal rounds, declare recusals
    VIEW_REPORTS = "view_reports"  # reports and XLSX downloads over the node's subtree
    ISSUE_CREDITS = "issue_credits"  # issue, print and revoke QR-coded credits (积分券) from a budget
    MANAGE_CARDS = "manage_cards"  # issue, print, revoke and reissue household cards (平安家庭积分卡)
    VIEW_JOB_RUNS = "view_job_runs"  # the scheduled jobs' runs, results and errors
    MANAGE_PUBLICATIONS = "manage_publications"  # honour-roll settings (names, expiry), errata


ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.VILLAGER: frozenset(),
    Role.GRID_WORKER: frozenset(
        {
            Action.VIEW_HOUSEHOLD,
            Action.VIEW_CONTACT,
            Action.VIEW_DASHBOARD,
            Action.REVIEW_CLAIM,
            Action.ORGANISE_EVENT,
            Action.RECORD_ATTENDANCE,
        }
    ),
    Role.VILLAGE_COMMITTEE: frozenset(
        {
            Action.VIEW_HOUSEHOLD,
            Action.VIEW_CONTACT,
            Action.MANAGE_ROSTER,
            Action.RESET_PASSWORD,
            Action.VIEW_DASHBOARD,
            Action.REVIEW_CLAIM,
            Action.MANAGE_NOTICE,
            Action.ENTER_DEDUCTION,
            Action.CORRECT_ENTRY,
            Action.BULK_AWARD,
            Action.MANAGE_RULES,
            Action.ORGANISE_EVENT,
            Action.RECORD_ATTENDANCE,
            Action.MANAGE_APPRAISAL,
            Action.ISSUE_CREDITS,
            Action.MANAGE_CARDS,
            Action.MANAGE_GOODS,
            Action.VIEW_SUPERMARKET,
            Action.MANAGE_PUBLICATIONS,
        }
    ),
    Role.APPRAISER: frozenset({Action.VIEW_DASHBOARD, Action.APPRAISE, Action.MANAGE_APPRAISAL}),
    Role.CLERK: frozenset(
        {Action.VIEW_DASHBOARD, Action.SELL_AT_COUNTER, Action.MANAGE_GOODS, Action.VIEW_SUPERMARKET}
    ),
    Role.WOMENS_FEDERATION: frozenset(
        {Action.VIEW_DASHBOARD, Action.RUN_CAMPAIGN, Action.ORGANISE_EVENT, Action.VIEW_REPORTS,
         Action.ISSUE_CREDITS}
    ),
    Role.YOUTH_LEAGUE: frozenset(
        {Action.VIEW_DASHBOARD, Action.RUN_CAMPAIGN, Action.ORGANISE_EVENT, Action.VIEW_REPORTS,
         Action.ISSUE_CREDITS}
    ),
    Role.TOWNSHIP_ADMIN: frozenset(
        {Action.VIEW_HOUSEHOLD, Action.VIEW_DASHBOARD, Action.MANAGE_RULES, Action.VIEW_REPORTS,
         Action.VIEW_SUPERMARKET, Action.VIEW_JOB_RUNS, Action.MANAGE_PUBLICATIONS}
    ),
    Role.COUNTY_ADMIN: frozenset(
        {Action.VIEW_HOUSEHOLD, Action.VIEW_DASHBOARD, Action.MANAGE_RULES, Action.VIEW_REPORTS,
         Action.VIEW_SUPERMARKET, Action.VIEW_JOB_RUNS, Action.MANAGE_PUBLICATIONS}
    ),
}

# The levels a role may be granted on: a village committee sits on a village, not a county.
ROLE_LEVELS: dict[Role, frozenset[Level]] = {
    Role.VILLAGER: frozenset({Level.VILLAGE}),
    Role.GRID_WORKER: frozenset({Level.GRID, Level.VILLAGE}),
    Role.VILLAGE_COMMITTEE: frozenset({Level.VILLAGE}),
    Role.APPRAISER: frozenset({Level.VILLAGE}),
    Role.CLERK: frozenset({Level.VILLAGE, Level.TOWNSHIP}),
    Role.WOMENS_FEDERATION: frozenset({Level.TOWNSHIP, Level.COUNTY}),
    Role.YOUTH_LEAGUE: frozenset({Level.TOWNSHIP, Level.COUNTY}),
    Role.TOWNSHIP_ADMIN: frozenset({Level.TOWNSHIP}),
    Role.COUNTY_ADMIN: frozenset({Level.COUNTY}),
}


def can_hold(role: Role | str, region: Region) -> bool:
    """Whether ``role`` may be granted on ``region``'s level."""
    return Level(region.level) in ROLE_LEVELS[Role(role)]


def can(user, action: Action, region: Region) -> bool:
    """Whether ``user`` holds a role allowing ``action`` on a node whose subtree holds ``region``."""
    if not getattr(user, "is_authenticated", False):
        return False
    return any(
        action in ROLE_ACTIONS[Role(grant.role)] and grant.region.contains(region)
        for grant in user.grants
    )


def may_declare_recusal(user, village: Region, member_id: int) -> bool:
    """Whether ``user`` may declare that appraisal member ``member_id`` must not score households of
    ``village``. The village committee may name any member; an appraiser only themself, since a
    declared recusal withdraws the member's scores and one member must not strike another's."""
    if not can(user, Action.MANAGE_APPRAISAL, village):
        return False
    if member_id == user.id:
        return True
    return any(
        Role(grant.role) == Role.VILLAGE_COMMITTEE and grant.region.contains(village) for grant in user.grants
    )


def regions_for(user, action: Action) -> list[Region]:
    """The nodes on which ``user`` may do ``action`` (each covering its subtree)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [g.region for g in user.grants if action in ROLE_ACTIONS[Role(g.role)]]


def is_member(user, household: Household) -> bool:
    person = getattr(user, "person", None)
    return person is not None and person.household_id == household.id


def can_view_household(user, household: Household) -> bool:
    """A villager sees their own household; staff see those in their subtree."""
    return is_member(user, household) or can(user, Action.VIEW_HOUSEHOLD, household.region)


def can_view_contact(user, household: Household) -> bool:
    """Phones and ID digits never leave the village: own household or the village's own staff."""
    return is_member(user, household) or can(user, Action.VIEW_CONTACT, household.region)


def is_villager_of(user, village: Region) -> bool:
    """Whether ``user`` lives in a household of ``village``: who may object during its notice."""
    person = getattr(user, "person", None)
    return (
        getattr(user, "is_authenticated", False)
        and person is not None
        and person.household.village_id == village.id
    )


def can_view_notice(user, village: Region) -> bool:
    """The village's public notice (公示) is for its own people: its villagers, and staff whose
    node holds the village or lies inside it (a grid worker of one of its grids)."""
    if is_villager_of(user, village):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    return any(g.region.contains(village) or village.contains(g.region) for g in user.grants)


def can_view_claim(user, household: Household) -> bool:
    """A claim, with its photos, is seen by its household, its reviewers and the staff above them."""
    return can_view_household(user, household) or can(user, Action.REVIEW_CLAIM, household.region)


def is_organiser(user, event) -> bool:
    """谁组织谁记录，谁记录谁证明: the organiser alone shows the code, closes the event, adjusts
    and confirms its hours; and only while they may still organise events in its village."""
    return (
        getattr(user, "is_authenticated", False)
        and user.id == event.organiser_id
        and can(user, Action.ORGANISE_EVENT, event.village)
    )


# An event that ended this long ago and is still not confirmed may be taken over.
EVENT_TAKEOVER_AFTER = timedelta(days=3)


def may_take_over_event(user, event, now: datetime) -> bool:
    """Whether ``user`` may become the organiser of ``event`` (and so close and certify it):
    someone else who may organise events in its village, before it is confirmed, when its
    organiser can no longer see it through (account disabled, role withdrawn) or it ended more
    than :data:`EVENT_TAKEOVER_AFTER` ago. The handover is logged on the event."""
    if event.status == EventStatus.CONFIRMED or getattr(user, "id", None) == event.organiser_id:
        return False
    if not can(user, Action.ORGANISE_EVENT, event.village):
        return False
    organiser = event.organiser
    organiser_gone = not (organiser.active and can(organiser, Action.ORGANISE_EVENT, event.village))
    return organiser_gone or now - event.ends_at > EVENT_TAKEOVER_AFTER


def can_view_event(user, event) -> bool:
    """Staff who may organise events in the village, and those who record attendance there
    (a grid worker of one of its grids checks people in by name)."""
    if can(user, Action.ORGANISE_EVENT, event.village):
        return True
    return any(
        region.contains(event.village) or event.village.contains(region)
        for region in regions_for(user, Action.RECORD_ATTENDANCE)
    )


def can_check_in_by_name(user, event, household: Household) -> bool:
    """The organiser checks in anyone of the event's village; a grid worker, people of their grid."""
    if household.village_id != event.village_id:
        return False
    return is_organiser(user, event) or can(user, Action.RECORD_ATTENDANCE, household.region)


def can_issue_from_campaign(user, campaign) -> bool:
    """Credits drawn on a campaign's budget: by the staff who run the campaign."""
    region = campaign.region
    return can(user, Action.ISSUE_CREDITS, region) and can(user, Action.RUN_CAMPAIGN, region)


def can_issue_from_village_pool(user, village: Region) -> bool:
    """Credits drawn on a village's pool: by the village's own committee, not by staff above it."""
    if not getattr(user, "is_authenticated", False):
        return False
    return any(
        g.region_id == village.id and Action.ISSUE_CREDITS in ROLE_ACTIONS[Role(g.role)] for g in user.grants
    )


def can_view_receipt(user, household: Household, supermarket_region: Region) -> bool:
    """A supermarket receipt: its household, staff who see the household, and the supermarket's
    own clerks and overseers."""
    return (
        can_view_household(user, household)
        or can(user, Action.SELL_AT_COUNTER, supermarket_region)
        or can(user, Action.VIEW_SUPERMARKET, supermarket_region)
    )


def is_staff(user) -> bool:
    return bool(regions_for(user, Action.VIEW_DASHBOARD))


def require(allowed: bool) -> None:
    """Stop the request unless ``allowed``. 404, not 403: outsiders learn nothing, not even
    that the thing exists."""
    if not allowed:
        abort(404)
