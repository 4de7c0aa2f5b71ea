"""Fixtures for the QA tests: a database URL per store backend (SQLite always, PostgreSQL when
HOTLINE_TEST_POSTGRES_URL is set; see tests/support/store_testing.py)."""

from __future__ import annotations

import pytest

from qa.store import CallStore
from store_testing import backends, database_url


@pytest.fixture(params=backends())
def db_url(request, tmp_path):
    with database_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def store(db_url):
    """A migrated store on that backend."""
    store = CallStore(db_url)
    store.init_schema()
    yield store
    store.engine.dispose()
