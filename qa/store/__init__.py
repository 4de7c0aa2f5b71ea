"""The QA store in SQLite or PostgreSQL via SQLAlchemy 2: call records (calls, events), post-call
analyses (turns, rule results, follow-ups), recordings, a durable job queue, turn search, and the
review web app's users, reviews, scorecard submissions, comments, audit log and saved searches.

The schema is migrated with Alembic (:mod:`qa.store.migrations`) by ``CallStore.init_schema()``.
"""

from qa.store.analyses import AnalysisStore, FollowUpRecord, RecordingRecord, StoredAnalysis
from qa.store.calls import CallRecord, CallStore, EventRecord, make_engine
from qa.store.errors import CallNotFound, SchemaMismatch, StateConflict, StoreError, StoreUnavailable
from qa.store.jobs import JobQueue, JobRecord
from qa.store.models import SCHEMA_VERSION
from qa.store.reviews import CallFilters, CallRow, ReviewRecord, ReviewStore
from qa.store.search import SearchHit, SearchPage, normalise, search_turns
from qa.store.users import UserRecord, UserStore

__all__ = [
    "SCHEMA_VERSION",
    "AnalysisStore",
    "CallFilters",
    "CallNotFound",
    "CallRecord",
    "CallRow",
    "CallStore",
    "EventRecord",
    "FollowUpRecord",
    "JobQueue",
    "JobRecord",
    "RecordingRecord",
    "ReviewRecord",
    "ReviewStore",
    "SchemaMismatch",
    "SearchHit",
    "SearchPage",
    "StateConflict",
    "StoreError",
    "StoreUnavailable",
    "StoredAnalysis",
    "UserRecord",
    "UserStore",
    "make_engine",
    "normalise",
    "search_turns",
]
