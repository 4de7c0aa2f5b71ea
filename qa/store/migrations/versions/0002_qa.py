"""Schema 2: the QA tables (recordings, jobs, analyses, turns, rule results, follow-ups) and
full-text search over turns.

Search (see qa.store.search) reads ``turns.search_text`` and ``turns.search_redacted``:
- SQLite: an external-content FTS5 table ``turns_fts`` with the trigram tokenizer (substring
  matches in any script, so Mandarin needs no word segmentation), kept in sync by triggers.
- PostgreSQL: pg_trgm GIN indexes (LIKE/ILIKE substring search). When the extension cannot be
  created (no privilege), the indexes are left out: search stays correct, only slower.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    # search and call lists are newest first
    op.create_index("ix_calls_started_at", "calls", ["started_at"])
    op.create_table(
        "recordings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sid", sa.String(64), nullable=False),
        sa.Column("call_sid", sa.String(64), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("channels", sa.Integer, nullable=False),
        sa.Column("duration_s", sa.Integer, nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("received_at", TZ, nullable=False),
    )
    op.create_index("ix_recordings_sid", "recordings", ["sid"], unique=True)
    op.create_index("ix_recordings_call_sid", "recordings", ["call_sid"])

    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("key", sa.String(200), nullable=False, unique=True),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("max_attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("run_after", TZ, nullable=False),
        sa.Column("lease_until", TZ, nullable=True),
        sa.Column("worker", sa.String(128), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("finished_at", TZ, nullable=True),
    )
    op.create_index("ix_jobs_kind", "jobs", ["kind"])
    op.create_index("ix_jobs_claim", "jobs", ["status", "run_after"])

    op.create_table(
        "analyses",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("call_id", sa.Integer, sa.ForeignKey("calls.id", ondelete="CASCADE"), nullable=False, unique=True),
        sa.Column("recording_sid", sa.String(64), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("model", sa.String(128), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("duration_ms", sa.Integer, nullable=False),
        sa.Column("caller_emotion", sa.String(16), nullable=True),
        sa.Column("agent_emotion", sa.String(16), nullable=True),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("outcome", sa.JSON, nullable=False),
        sa.Column("audio", sa.JSON, nullable=True),
        sa.Column("rules_version", sa.String(128), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    for column in ("recording_sid", "duration_ms", "caller_emotion", "agent_emotion", "rules_version", "updated_at"):
        op.create_index(f"ix_analyses_{column}", "analyses", [column])

    op.create_table(
        "turns",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("analysis_id", sa.Integer, sa.ForeignKey("analyses.id", ondelete="CASCADE"), nullable=False),
        sa.Column("call_id", sa.Integer, sa.ForeignKey("calls.id", ondelete="CASCADE"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("party", sa.String(8), nullable=False),
        sa.Column("start_ms", sa.Integer, nullable=False),
        sa.Column("end_ms", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("redacted_text", sa.Text, nullable=True),
        sa.Column("search_text", sa.Text, nullable=False),
        sa.Column("search_redacted", sa.Text, nullable=True),
        sa.Column("words", sa.JSON, nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("intent", sa.String(32), nullable=True),
        sa.Column("emotion_label", sa.String(16), nullable=True),
        sa.Column("emotion_peak", sa.Float, nullable=True),
    )
    op.create_index("ix_turns_analysis_id", "turns", ["analysis_id"])
    op.create_index("ix_turns_call_seq", "turns", ["call_id", "seq"])

    op.create_table(
        "rule_results",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("analysis_id", sa.Integer, sa.ForeignKey("analyses.id", ondelete="CASCADE"), nullable=False),
        sa.Column("call_id", sa.Integer, sa.ForeignKey("calls.id", ondelete="CASCADE"), nullable=False),
        sa.Column("rules_version", sa.String(128), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("points", sa.Float, nullable=False),
        sa.Column("dimension", sa.String(32), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("matches", sa.JSON, nullable=False),
    )
    for column in ("analysis_id", "call_id", "category"):
        op.create_index(f"ix_rule_results_{column}", "rule_results", [column])

    op.create_table(
        "followups",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("call_id", sa.Integer, sa.ForeignKey("calls.id", ondelete="CASCADE"), nullable=False),
        sa.Column("analysis_id", sa.Integer, nullable=True),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("party", sa.String(8), nullable=True),
        sa.Column("said_at_ms", sa.Integer, nullable=False),
        sa.Column("due_at", TZ, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("rules_version", sa.String(128), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("closed_at", TZ, nullable=True),
        sa.Column("closed_by", sa.String(128), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
    )
    op.create_index("ix_followups_call_id", "followups", ["call_id"])
    op.create_index("ix_followups_status_due", "followups", ["status", "due_at"])

    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _sqlite_fts(bind)
    elif bind.dialect.name == "postgresql":
        _postgresql_trgm(bind)
    op.execute("UPDATE hotline_schema SET version = 2 WHERE id = 1")


def _sqlite_fts(bind) -> None:
    """FTS5 trigram index over the two search columns; skipped (search scans) if SQLite lacks it."""
    try:
        with bind.begin_nested():
            bind.exec_driver_sql(
                "CREATE VIRTUAL TABLE turns_fts USING fts5(search_text, search_redacted, "
                "content='turns', content_rowid='id', tokenize='trigram')"
            )
    except sa.exc.OperationalError:  # SQLite older than 3.34 or built without FTS5
        return
    columns = "search_text, search_redacted"
    bind.exec_driver_sql(f"""
        CREATE TRIGGER turns_fts_insert AFTER INSERT ON turns BEGIN
          INSERT INTO turns_fts (rowid, {columns}) VALUES (new.id, new.search_text, new.search_redacted);
        END""")
    bind.exec_driver_sql(f"""
        CREATE TRIGGER turns_fts_delete AFTER DELETE ON turns BEGIN
          INSERT INTO turns_fts (turns_fts, rowid, {columns})
            VALUES ('delete', old.id, old.search_text, old.search_redacted);
        END""")
    bind.exec_driver_sql(f"""
        CREATE TRIGGER turns_fts_update AFTER UPDATE ON turns BEGIN
          INSERT INTO turns_fts (turns_fts, rowid, {columns})
            VALUES ('delete', old.id, old.search_text, old.search_redacted);
          INSERT INTO turns_fts (rowid, {columns}) VALUES (new.id, new.search_text, new.search_redacted);
        END""")


def _postgresql_trgm(bind) -> None:
    """pg_trgm GIN indexes; the extension lives wherever it already is (or public), so the
    operator class is named with its schema and works whatever the search_path."""
    schema = _trgm_schema(bind)
    for create in ("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public",
                   "CREATE EXTENSION IF NOT EXISTS pg_trgm"):
        if schema is not None:
            break
        try:
            with bind.begin_nested():
                bind.exec_driver_sql(create)
        except sa.exc.DBAPIError:  # no privilege, no public schema, contrib not installed
            continue
        schema = _trgm_schema(bind)
    if schema is None:
        return
    opclass = f'"{schema}".gin_trgm_ops'
    for column in ("search_text", "search_redacted"):
        bind.exec_driver_sql(f"CREATE INDEX ix_turns_{column}_trgm ON turns USING gin ({column} {opclass})")


def _trgm_schema(bind) -> str | None:
    return bind.execute(sa.text(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
    )).scalar()


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in ("turns_fts_insert", "turns_fts_delete", "turns_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS turns_fts")
    for table in ("followups", "rule_results", "turns", "analyses", "jobs", "recordings"):
        op.drop_table(table)
    op.drop_index("ix_calls_started_at", "calls")
    op.execute("UPDATE hotline_schema SET version = 1 WHERE id = 1")
