"""Alembic environment: runs on the connection :func:`qa.store.migrations.upgrade` passes in.

The store's own code (``CallStore.init_schema``) is the way to migrate: it takes a lock, hands
its connection over in ``config.attributes["connection"]`` and commits. There is no offline
(SQL script) mode and no URL in a config file, so in-memory SQLite and PostgreSQL URLs with a
``search_path`` option work the same.
"""

from __future__ import annotations

from alembic import context

from qa.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - guard against running `alembic` by hand
    raise RuntimeError("run migrations through `hotline db init` (qa.store.CallStore.init_schema)")

context.configure(connection=connection, target_metadata=Base.metadata)
with context.begin_transaction():
    context.run_migrations()
