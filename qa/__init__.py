"""qa: call records and the transcript store for QA review."""
