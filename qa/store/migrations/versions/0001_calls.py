"""Schema 1: calls and call events, exactly as ``create_all`` made them before migrations.

A database made by that code has these tables and no ``alembic_version``; the store stamps it
0001 (see qa.store.migrations.upgrade) and upgrades from here, so its calls keep their data.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hotline_schema",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "calls",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sid", sa.String(64), nullable=False),
        sa.Column("caller", sa.String(64), nullable=False),
        sa.Column("called", sa.String(64), nullable=False),
        sa.Column("locale", sa.String(16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("final_node", sa.String(64), nullable=True),
        sa.Column("skill", sa.String(32), nullable=True),
        sa.Column("intent", sa.String(32), nullable=True),
        sa.Column("priority", sa.Integer, nullable=True),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("duration_s", sa.Integer, nullable=True),
        sa.Column("state", sa.JSON, nullable=False),
        sa.Column("state_version", sa.Integer, nullable=False),
    )
    op.create_index("ix_calls_sid", "calls", ["sid"], unique=True)
    op.create_index("ix_calls_skill", "calls", ["skill"])
    op.create_index("ix_calls_outcome", "calls", ["outcome"])
    op.create_index("ix_calls_intent", "calls", ["intent"])
    op.create_table(
        "call_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("call_id", sa.Integer, sa.ForeignKey("calls.id", ondelete="CASCADE"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("node", sa.String(64), nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.UniqueConstraint("call_id", "seq"),
    )
    op.create_index("ix_call_events_call_id", "call_events", ["call_id"])
    op.create_index("ix_call_events_kind", "call_events", ["kind"])
    op.execute("INSERT INTO hotline_schema (id, version) VALUES (1, 1)")


def downgrade() -> None:
    op.drop_table("call_events")
    op.drop_table("calls")
    op.drop_table("hotline_schema")
