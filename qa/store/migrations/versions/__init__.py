"""Alembic revisions of the store (loaded by path; see qa.store.migrations)."""
