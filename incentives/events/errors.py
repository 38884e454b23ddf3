"""Refusals about events and check-ins; shown to the user in Chinese (English when chosen)."""

from incentives.errors import ServiceError


class EventError(ServiceError):
    """A refusal about an event or a check-in."""


class TokenError(EventError):
    """A check-in code that is not genuine, not current, or not this event's."""

    status = 403
