"""qa: call records and the transcript store for QA review."""

from qa.store import CallRecord, CallStore, StoreError

__all__ = ["CallRecord", "CallStore", "StoreError"]
