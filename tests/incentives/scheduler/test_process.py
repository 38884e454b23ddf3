"""The documented deployment: ``flask scheduler run`` as its own process catches up at start
(the claims job's last ten-minute slot and the last month's rolls) and keeps running."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from incentives.scheduler.models import JobRun

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]


def test_the_scheduler_process_runs_due_jobs_at_start(session, db_url):
    env = dict(os.environ, DATABASE_URL=db_url, FLASK_APP="incentives")
    flask = str(Path(sys.executable).with_name("flask"))
    process = subprocess.Popen([flask, "scheduler", "run", "--tick", "1"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        jobs, expected = set(), {"claims.post_due", "publications.monthly", "publications.quarterly",
                                 "expiry.yearly", "photos.prune"}
        while time.monotonic() < deadline and not expected <= jobs:
            time.sleep(0.5)
            session.rollback()
            jobs = set(session.execute(select(JobRun.job).where(JobRun.status == "succeeded")).scalars())
        assert process.poll() is None, process.stdout.read()
        assert expected <= jobs
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0]
    assert "scheduler: claims.post_due" in output
    assert "succeeded" in output  # each run is logged
