"""Scheduled jobs that run exactly once per period, however many processes are up.

``registry`` holds the jobs (each feature registers its own), ``periods`` the calendar, ``runs``
the claim-run-record cycle on the ``job_runs`` table, ``service`` the long-running process.
"""
