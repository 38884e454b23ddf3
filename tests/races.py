"""Races between OS processes: the harness every concurrency test uses.

Each worker is a separate process (``spawn``: nothing inherited but its arguments) with its own
engine, as gunicorn workers or a second machine would be. Workers get a barrier to wait at, so
they start together, and a queue to put their outcome on; the database's locking is what keeps
things right. A worker must be a module-level function, so the spawned process can import it.
"""

import multiprocessing
import queue
import time
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import Session

WAIT = 60  # seconds: the longest any worker may take before the test gives up on it


def race(target, args_of_worker: list[tuple], wait: float = WAIT) -> list:
    """Run ``target(*args, barrier, results)`` in one process per tuple in ``args_of_worker``, all
    at once; return what each put on ``results`` (in the order they finished).

    Fails the test if a worker does not report in time or exits with an error.
    """
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(len(args_of_worker))
    results = ctx.Queue()
    processes = [
        ctx.Process(target=target, args=(*args, barrier, results), daemon=True) for args in args_of_worker
    ]
    for process in processes:
        process.start()
    outcomes = []
    deadline = time.monotonic() + wait
    try:
        while len(outcomes) < len(processes) and time.monotonic() < deadline:
            try:
                outcomes.append(results.get(timeout=0.5))
            except queue.Empty:
                if not any(p.is_alive() for p in processes):
                    break
        # Take whatever a worker put just before exiting.
        while len(outcomes) < len(processes):
            try:
                outcomes.append(results.get(timeout=1))
            except queue.Empty:
                break
    finally:
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()
                process.join()
    assert len(outcomes) == len(processes), (
        f"only {len(outcomes)} of {len(processes)} workers reported; "
        f"exit codes {[p.exitcode for p in processes]}"
    )
    assert [p.exitcode for p in processes] == [0] * len(processes)
    return outcomes


@contextmanager
def worker_session(url: str):
    """A session of the worker's own, already connected (so connecting is not part of the race)."""
    import incentives.models  # noqa: F401  every mapper, as the app has them
    from ledger.transaction import configure_engine

    engine = configure_engine(sa.create_engine(url))
    try:
        with Session(engine) as session:
            session.execute(select(1))
            session.rollback()
            yield session
    finally:
        engine.dispose()
