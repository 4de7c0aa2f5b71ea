"""The QA store: call records (calls, events) in SQLite or PostgreSQL via SQLAlchemy 2."""

from qa.store.calls import CallRecord, CallStore, EventRecord
from qa.store.errors import CallNotFound, SchemaMismatch, StateConflict, StoreError, StoreUnavailable
from qa.store.models import SCHEMA_VERSION

__all__ = [
    "SCHEMA_VERSION",
    "CallNotFound",
    "CallRecord",
    "CallStore",
    "EventRecord",
    "SchemaMismatch",
    "StateConflict",
    "StoreError",
    "StoreUnavailable",
]
