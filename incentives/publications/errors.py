"""Refusals of the publications package, each shown to the person as it is (in Chinese)."""

from incentives.errors import ServiceError


class PublicationError(ServiceError):
    """A refusal about a publication or a village's publication settings."""
