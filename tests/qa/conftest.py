"""Fixtures for the QA tests: a database URL per store backend (SQLite always, PostgreSQL when
HOTLINE_TEST_POSTGRES_URL is set; see tests/support/store_testing.py)."""

from store_testing import db_url, store  # noqa: F401 - fixtures

__all__ = ["db_url", "store"]
