"""Schema migrations on SQLite and PostgreSQL: a database made before migrations keeps its calls,
fresh databases match the models, refusals are clear, concurrent inits do not break."""

from __future__ import annotations

import multiprocessing

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from qa.store import SCHEMA_VERSION, CallStore, SchemaMismatch
from qa.store.migrations import HEAD_REVISION, SCHEMA_OF_REVISION, alembic_config
from qa.store.models import Base

QA_TABLES = {"recordings", "jobs", "analyses", "turns", "rule_results", "followups"}
REVIEW_TABLES = {"users", "login_throttle", "reviews", "scorecard_submissions", "comments", "audit_log",
                 "saved_searches"}


def v1_ddl(dialect: str) -> list[str]:
    """What ``Base.metadata.create_all`` made before migrations (schema 1), per dialect."""
    serial, stamp = ("SERIAL", "TIMESTAMP WITH TIME ZONE") if dialect == "postgresql" else ("INTEGER", "DATETIME")
    return [
        f"CREATE TABLE hotline_schema (id {serial} NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (id))",
        f"""CREATE TABLE calls (id {serial} NOT NULL, sid VARCHAR(64) NOT NULL, caller VARCHAR(64) NOT NULL,
            called VARCHAR(64) NOT NULL, locale VARCHAR(16) NOT NULL, started_at {stamp} NOT NULL, ended_at {stamp},
            status VARCHAR(32) NOT NULL, outcome VARCHAR(32) NOT NULL, final_node VARCHAR(64), skill VARCHAR(32),
            intent VARCHAR(32), priority INTEGER, reasons JSON NOT NULL, duration_s INTEGER, state JSON NOT NULL,
            state_version INTEGER NOT NULL, PRIMARY KEY (id))""",
        "CREATE UNIQUE INDEX ix_calls_sid ON calls (sid)",
        "CREATE INDEX ix_calls_skill ON calls (skill)",
        "CREATE INDEX ix_calls_outcome ON calls (outcome)",
        "CREATE INDEX ix_calls_intent ON calls (intent)",
        f"""CREATE TABLE call_events (id {serial} NOT NULL, call_id INTEGER NOT NULL, seq INTEGER NOT NULL,
            at {stamp} NOT NULL, kind VARCHAR(32) NOT NULL, node VARCHAR(64) NOT NULL, detail JSON NOT NULL,
            note TEXT, PRIMARY KEY (id), UNIQUE (call_id, seq),
            FOREIGN KEY(call_id) REFERENCES calls (id) ON DELETE CASCADE)""",
        "CREATE INDEX ix_call_events_call_id ON call_events (call_id)",
        "CREATE INDEX ix_call_events_kind ON call_events (kind)",
    ]


def make_v1_database(url: str) -> None:
    """A database as today's code (before migrations) left it: tables, version 1, two calls."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for statement in v1_ddl(engine.dialect.name):
            conn.exec_driver_sql(statement)
        conn.exec_driver_sql("INSERT INTO hotline_schema (id, version) VALUES (1, 1)")
        for sid in ("CA1", "CA2"):
            conn.execute(sa.text(
                "INSERT INTO calls (sid, caller, called, locale, started_at, status, outcome, reasons, state, "
                "state_version, skill) VALUES (:sid, '+8613800138000', '+86950618', 'zh-CN', "
                "'2026-11-01 08:00:00', 'completed', 'routed', '[\"key 7\"]', '{\"node\": \"main\"}', 3, "
                "'complaints')"),
                {"sid": sid})
            conn.execute(sa.text(
                "INSERT INTO call_events (call_id, seq, at, kind, node, detail) "
                "SELECT id, 1, '2026-11-01 08:00:01', 'call_started', 'welcome', '{\"x\": 1}' "
                "FROM calls WHERE sid = :sid"),
                {"sid": sid})
    engine.dispose()


def schema_of(engine: sa.Engine) -> dict:
    """Tables with their columns (name, type, nullable), indexes, unique constraints and FKs."""
    inspector = sa.inspect(engine)
    found = {}
    for table in sorted(inspector.get_table_names()):
        if table == "alembic_version":
            continue
        found[table] = {
            "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)],
            "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"]))
                              for i in inspector.get_indexes(table)),
            "unique": sorted(tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)),
            "fks": sorted((tuple(f["constrained_columns"]), f["referred_table"], f["options"].get("ondelete"))
                          for f in inspector.get_foreign_keys(table)),
        }
    return found


def test_database_from_before_migrations_keeps_its_calls(db_url):
    make_v1_database(db_url)
    store = CallStore(db_url)
    with pytest.raises(SchemaMismatch, match="schema version 1, this hotline needs 3: run 'hotline db init'"):
        store.check_schema()

    assert store.init_schema() == SCHEMA_VERSION == 3
    store.check_schema()
    call = store.get_call("CA2")
    assert (call.skill, call.reasons, call.state, call.state_version) == ("complaints", ["key 7"], {"node": "main"}, 3)
    assert [(e.kind, e.detail) for e in call.events] == [("call_started", {"x": 1})]
    assert QA_TABLES | REVIEW_TABLES <= set(sa.inspect(store.engine).get_table_names())
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == HEAD_REVISION
        assert conn.exec_driver_sql("SELECT version FROM hotline_schema").scalar() == 3
    # the store works on the migrated database: new calls get fresh ids next to the old ones
    record, created = store.start_call("CA3", caller="", called="", locale="en-US", state={"node": "main"}, events=[])
    assert created and [c.sid for c in store.list_calls()][-2:] == ["CA2", "CA1"]

    before = schema_of(store.engine)
    assert store.init_schema() == 3  # again: a no-op
    assert schema_of(store.engine) == before
    assert len(store.list_calls()) == 3
    store.engine.dispose()


def test_revision_0001_is_exactly_the_old_schema(db_url, tmp_path):
    old_url = f"sqlite:///{tmp_path / 'v1.sqlite3'}" if db_url.startswith("sqlite") else None
    if old_url is None:  # PostgreSQL: build both in the same schema, one after the other
        make_v1_database(db_url)
        engine = sa.create_engine(db_url)
        old = schema_of(engine)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE call_events, calls, hotline_schema")
    else:
        make_v1_database(old_url)
        engine = sa.create_engine(old_url)
        old = schema_of(engine)
        engine.dispose()
        engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0001")
    assert schema_of(engine) == old
    engine.dispose()


def test_fresh_database_matches_the_models(db_url):
    store = CallStore(db_url)
    store.init_schema()
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": _not_search_index})
        assert compare_metadata(context, Base.metadata) == []
        tables = set(sa.inspect(conn).get_table_names())
    assert {"hotline_schema", "calls", "call_events"} | QA_TABLES | REVIEW_TABLES <= tables
    store.engine.dispose()


def _not_search_index(name, type_, parent_names) -> bool:
    # search structures are migration-only DDL (FTS5 table and its shadow tables, pg_trgm indexes)
    return not (name or "").startswith("turns_fts") and not (name or "").endswith("_trgm")


def test_head_constants_agree_with_the_scripts():
    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == HEAD_REVISION
    assert SCHEMA_OF_REVISION[HEAD_REVISION] == SCHEMA_VERSION


def test_unknown_or_inconsistent_databases_are_refused(db_url):
    store = CallStore(db_url)
    store.init_schema()
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0099'")
    with pytest.raises(SchemaMismatch, match="migration 0099, which this hotline does not know"):
        store.init_schema()
    with pytest.raises(SchemaMismatch, match="migration 0099"):
        store.check_schema()
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE alembic_version")
    with pytest.raises(SchemaMismatch, match="schema version 3 but no migration record"):
        store.init_schema()
    store.engine.dispose()


def _init(url: str) -> int:
    store = CallStore(url)
    try:
        return store.init_schema()
    finally:
        store.engine.dispose()


@pytest.mark.parametrize("start", ["empty", "v1"])
def test_several_processes_initialising_at_once(db_url, start):
    # gunicorn workers each run init: one upgrades, the others wait and find it done (a new SQLite
    # file adds a race of its own: switching it to WAL fails at once while another process holds it)
    if start == "v1":
        make_v1_database(db_url)
    # the race is short: on SQLite, race on a few new files, not just one
    urls = [db_url] + ([db_url.replace("store.sqlite3", f"store{n}.sqlite3") for n in range(5)]
                       if db_url.startswith("sqlite") and start == "empty" else [])
    with multiprocessing.get_context("fork").Pool(4) as pool:
        for url in urls:
            assert pool.map(_init, [url] * 4) == [3, 3, 3, 3], url
        assert pool.map(_init, [db_url] * 4) == [3, 3, 3, 3]  # and once more: nothing to do
    store = CallStore(db_url)
    store.check_schema()
    assert [c.sid for c in store.list_calls()] == (["CA2", "CA1"] if start == "v1" else [])
    store.engine.dispose()
