"""Database URLs for store tests: SQLite always, PostgreSQL when HOTLINE_TEST_POSTGRES_URL is set.

Each PostgreSQL test gets its own schema (dropped afterwards) so runs never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa

POSTGRES_URL = os.environ.get("HOTLINE_TEST_POSTGRES_URL", "")


def backends() -> list[str]:
    return ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]


@contextmanager
def database_url(kind: str, tmp_path: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite3'}"
        return
    schema = f"hotline_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


# fixtures for a conftest to import (``from store_testing import db_url, store``)

@pytest.fixture(params=backends())
def db_url(request, tmp_path):
    """A database URL per backend: SQLite always, PostgreSQL when HOTLINE_TEST_POSTGRES_URL is set."""
    with database_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def store(db_url):
    """A migrated store on that backend."""
    from qa.store import CallStore

    store = CallStore(db_url)
    store.init_schema()
    yield store
    store.engine.dispose()
