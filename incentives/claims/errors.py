"""Refusals of the claims package, each shown to the person as it is (in Chinese)."""

from incentives.errors import ServiceError


class ClaimError(ServiceError):
    """A refusal about a claim: its state, who acts on it, or what was entered."""


class PhotoError(ClaimError):
    """An uploaded photo that is not a usable JPEG, PNG or WebP picture."""
