"""SQLAlchemy 2 models of the call record: calls and their events.

Portable types only (no SQLite-only SQL), so the same models run on PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

#: bump when the tables change; a database with another version is refused with a clear error
SCHEMA_VERSION = 1


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class SchemaInfo(Base):
    __tablename__ = "hotline_schema"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)


class Call(Base):
    """One phone call through the IVR."""

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sid: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    caller: Mapped[str] = mapped_column(String(64), default="")
    called: Mapped[str] = mapped_column(String(64), default="")
    locale: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    #: Twilio call status last seen (in-progress, completed, busy, failed, no-answer, canceled)
    status: Mapped[str] = mapped_column(String(32), default="in-progress")
    #: in_ivr | self_served | routed | abandoned | hangup
    outcome: Mapped[str] = mapped_column(String(32), default="in_ivr", index=True)
    #: node the caller was in when the IVR part ended (or they hung up)
    final_node: Mapped[str | None] = mapped_column(String(64), nullable=True)
    skill: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    intent: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    priority: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    duration_s: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: the flow engine's state between webhooks (so any worker serves any request)
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: optimistic lock for state updates
    state_version: Mapped[int] = mapped_column(Integer, default=0)

    events: Mapped[list["CallEventRow"]] = relationship(
        back_populates="call", order_by="CallEventRow.seq", cascade="all, delete-orphan"
    )


class CallEventRow(Base):
    """One step on a call's path (node entered, digits, reprompt, lookup, route ...)."""

    __tablename__ = "call_events"
    __table_args__ = (UniqueConstraint("call_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    node: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)

    call: Mapped[Call] = relationship(back_populates="events")
