"""Schema 3: the QA review web app's tables (users, login throttle, reviews, scorecard submissions,
comments, audit log, saved searches).

Plain portable DDL: the same statements on SQLite and PostgreSQL. Existing calls get no review row
here; a call without one is ``new`` (see qa.store.reviews), so upgrading touches no call data.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("locale", sa.String(16), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("last_login_at", TZ, nullable=True),
    )
    op.create_index("ix_users_name", "users", ["name"], unique=True)

    op.create_table(
        "login_throttle",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_failure_at", TZ, nullable=True),
        sa.Column("locked_until", TZ, nullable=True),
    )

    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("call_id", sa.Integer, sa.ForeignKey("calls.id", ondelete="CASCADE"), nullable=False, unique=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("assignee_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("assigned_by", sa.String(64), nullable=True),
        sa.Column("score", sa.Float, nullable=True),
        sa.Column("dispute_note", sa.Text, nullable=True),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_index("ix_reviews_state", "reviews", ["state"])
    op.create_index("ix_reviews_assignee_id", "reviews", ["assignee_id"])

    op.create_table(
        "scorecard_submissions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("call_id", sa.Integer, sa.ForeignKey("calls.id", ondelete="CASCADE"), nullable=False),
        sa.Column("reviewer_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("form", sa.String(128), nullable=False),
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("sections", sa.JSON, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("submitted_at", TZ, nullable=False),
        sa.Column("reopened_at", TZ, nullable=True),
        sa.Column("reopened_by", sa.String(64), nullable=True),
    )
    op.create_index("ix_scorecard_submissions_call_id", "scorecard_submissions", ["call_id"])

    op.create_table(
        "comments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("call_id", sa.Integer, sa.ForeignKey("calls.id", ondelete="CASCADE"), nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("at_ms", sa.Integer, nullable=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_comments_call_id", "comments", ["call_id"])

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", TZ, nullable=False),
        sa.Column("user_name", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("call_sid", sa.String(64), nullable=True),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.Column("remote_addr", sa.String(64), nullable=True),
    )
    for column in ("at", "user_name", "call_sid"):
        op.create_index(f"ix_audit_log_{column}", "audit_log", [column])

    op.create_table(
        "saved_searches",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("query", sa.JSON, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.UniqueConstraint("user_id", "name"),
    )
    op.create_index("ix_saved_searches_user_id", "saved_searches", ["user_id"])
    op.execute("UPDATE hotline_schema SET version = 3 WHERE id = 1")


def downgrade() -> None:
    for table in ("saved_searches", "audit_log", "comments", "scorecard_submissions", "reviews", "login_throttle",
                  "users"):
        op.drop_table(table)
    op.execute("UPDATE hotline_schema SET version = 2 WHERE id = 1")
