"""Schema migrations (Alembic), run from code: ``CallStore.init_schema()`` = ``hotline db init``.

Revisions live in ``versions/``: 0001 is schema 1 exactly as ``create_all`` made it before
migrations existed, 0002 adds the QA tables. :func:`upgrade` brings any database to the head:

- an empty database is built from 0001;
- a database made before migrations (schema 1 tables, ``hotline_schema.version`` 1, no
  ``alembic_version``) is stamped 0001 first, so its calls keep their data;
- a database whose ``hotline_schema`` version does not belong to its revision, or whose revision
  this code does not know (a newer hotline migrated it), is refused with :class:`SchemaMismatch`.

Several processes may start at once on one database (gunicorn workers each run init): the whole
check-and-upgrade runs in one transaction under a lock (SQLite ``BEGIN IMMEDIATE``, PostgreSQL
``pg_advisory_xact_lock``), so one upgrades and the others then find the head and do nothing.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from qa.store.errors import SchemaMismatch
from qa.store.migrations.revisions import HEAD_REVISION, SCHEMA_OF_REVISION

#: any constant: PostgreSQL advisory locks are numbers shared by every client of the database
_PG_LOCK_KEY = 0x686F746C696E65  # "hotline"

_HERE = Path(__file__).resolve().parent


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config built in code (no alembic.ini); ``connection`` is what env.py migrates."""
    config = Config()
    config.set_main_option("script_location", str(_HERE))
    config.attributes["connection"] = connection
    return config


def lock(connection: Connection) -> None:
    """Start the migration transaction holding the database's migration lock."""
    if connection.dialect.name == "sqlite":
        # pysqlite begins transactions lazily; an explicit BEGIN IMMEDIATE takes the write lock now
        # (other processes wait on busy_timeout), and the DDL after it stays in this transaction
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    elif connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})


def state(connection: Connection) -> tuple[str | None, int | None, bool]:
    """``(alembic revision, hotline_schema version, has the calls table)`` of a database."""
    inspector = sa.inspect(connection)
    revision = version = None
    if inspector.has_table("alembic_version"):
        revision = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    if inspector.has_table("hotline_schema"):
        version = connection.execute(sa.text("SELECT version FROM hotline_schema WHERE id = 1")).scalar()
    return revision, version, inspector.has_table("calls")


def problem(revision: str | None, version: int | None, has_calls: bool, *, where: str) -> str | None:
    """Why this database cannot be upgraded by this code (None: it can)."""
    if revision is None:
        if version is None and not has_calls:
            return None  # empty: built from scratch
        if version == 1 and has_calls:
            return None  # made before migrations: stamped 0001, then upgraded
        return (f"database {where} has hotline tables of schema version {version} but no migration record; "
                f"point database_url at a new database")
    if revision not in SCHEMA_OF_REVISION:
        return (f"database {where} is at migration {revision}, which this hotline does not know "
                f"(a newer hotline upgraded it); upgrade hotline")
    if version != SCHEMA_OF_REVISION[revision]:
        return (f"database {where} has schema version {version}, but its migration {revision} makes "
                f"version {SCHEMA_OF_REVISION[revision]}; point database_url at a new database")
    return None


def upgrade(connection: Connection, *, where: str) -> int:
    """Upgrade the database on ``connection`` to the head, in one locked transaction; returns
    the schema version. The caller passes a fresh connection and gets it back committed."""
    lock(connection)
    revision, version, has_calls = state(connection)
    reason = problem(revision, version, has_calls, where=where)
    if reason:
        connection.rollback()
        raise SchemaMismatch(reason)
    config = alembic_config(connection)
    if revision is None and has_calls:
        command.stamp(config, "0001")
    if revision != HEAD_REVISION:
        command.upgrade(config, "head")
    connection.commit()
    return SCHEMA_OF_REVISION[HEAD_REVISION]
