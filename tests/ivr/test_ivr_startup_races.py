"""Workers booting together (gunicorn -w N) each load the demo orders and caller profiles into
the same fresh database: every one of them must start, and the demo data must exist once."""

from __future__ import annotations

import multiprocessing
from datetime import datetime, timezone

from ivr.orders import SqliteOrderBackend, demo_orders
from ivr.profiles import DEMO_CALLERS, SqliteCallerProfiles

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)
WORKERS = 6


def _boot(args) -> tuple[int, int]:
    url, barrier = args
    barrier.wait()  # all at once, as gunicorn's workers after fork
    orders = SqliteOrderBackend(url).seed_demo()
    profiles = SqliteCallerProfiles(url)
    profiles.seed_demo(now=NOW)
    return orders, profiles.get("+14155550101", now=NOW).calls_last_7_days


def test_workers_seeding_one_fresh_database_at_once_all_start_and_seed_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        barrier = manager.Barrier(WORKERS)
        with context.Pool(WORKERS) as pool:
            results = pool.map(_boot, [(url, barrier)] * WORKERS)
    expected_calls = len(DEMO_CALLERS["+14155550101"][2])
    assert results == [(len(demo_orders()), expected_calls)] * WORKERS
    # and a later start (another deploy) adds nothing either
    profiles = SqliteCallerProfiles(url)
    profiles.seed_demo(now=NOW)
    assert profiles.get("+8613800000002", now=NOW).calls_last_7_days == 2
