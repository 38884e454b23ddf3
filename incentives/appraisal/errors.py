"""Refusals about appraisal rounds and scores; shown to the user in Chinese (English when chosen)."""

from incentives.errors import ServiceError


class AppraisalError(ServiceError):
    """A refusal about an appraisal round, a score or a recusal."""


class RecusalRequired(AppraisalError):
    """The member must not score this household (own household, close family, declared)."""

    status = 403
