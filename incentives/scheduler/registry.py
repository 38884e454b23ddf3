"""The jobs the scheduler knows: each feature registers its own, with the kind of period it runs
for and a function ``fn(session, period, now) -> result``.

A job function runs inside the app context (``current_app`` works), commits its own work with
``run_in_transaction`` (in batches if it is large) and returns a short JSON-able summary. It must
be idempotent: the scheduler runs each period once, but a process that dies after the work and
before recording success leaves the period to be run again when its lease lapses.
"""

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from incentives.scheduler.periods import Period, PeriodKind

JobFunction = Callable[[Session, Period, datetime], Any]

# Modules whose import registers jobs on ``registry``: one line per feature.
JOB_MODULES = (
    "incentives.claims.jobs",
    "incentives.publications.jobs",
    "incentives.expiry.jobs",
    "incentives.credits.jobs",
)


@dataclass(frozen=True)
class Job:
    name: str
    kind: PeriodKind
    fn: JobFunction
    title: str = ""  # what admins read on the job runs page
    max_attempts: int = 3  # then the run is given up and shown as such
    retry_seconds: int = 60  # the first wait before a retry; doubled at each further attempt
    catch_up: int = 1  # after downtime, run at most this many of the most recent missed periods
    lease_seconds: int = 3600  # a run still "running" after this long is taken as crashed

    def retry_delay(self, attempts: int) -> int:
        """Seconds to wait after the ``attempts``-th failure (exponential, at most a day)."""
        return min(self.retry_seconds * 2 ** (attempts - 1), 86400)


class Registry:
    """Jobs by name. The app uses :data:`registry`; tests make their own."""

    def __init__(self):
        self.jobs: dict[str, Job] = {}

    def register(self, name: str, kind: PeriodKind | str, fn: JobFunction, **options) -> Job:
        if name in self.jobs and self.jobs[name].fn is not fn:
            raise ValueError(f"a different job is already registered as {name!r}")
        job = Job(name=name, kind=PeriodKind(kind), fn=fn, **options)
        self.jobs[name] = job
        return job

    def job(self, name: str, kind: PeriodKind | str, **options):
        """Decorator form of :meth:`register`."""

        def decorate(fn: JobFunction) -> JobFunction:
            self.register(name, kind, fn, **options)
            return fn

        return decorate

    def __getitem__(self, name: str) -> Job:
        return self.jobs[name]

    def __contains__(self, name: str) -> bool:
        return name in self.jobs

    def __iter__(self):
        return iter(sorted(self.jobs.values(), key=lambda j: j.name))


registry = Registry()


def load_jobs() -> Registry:
    """Import every feature's jobs module (each registers on :data:`registry`) and return it."""
    for module in JOB_MODULES:
        importlib.import_module(module)
    return registry
