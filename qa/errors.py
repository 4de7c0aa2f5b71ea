"""Errors of the post-call pipeline.

    QAError                 root; ``retryable`` says whether running the job again may succeed
    ├── RecordingError      the recording itself is unusable (corrupt, empty, mono, wrong rate): permanent
    ├── FetchError          the download failed (401/404/5xx/time-out); retryable unless the credentials are wrong
    ├── UnknownCall         a recording for a call the store never saw: permanent
    └── StorageError        the disk refused a write (full, read-only): retryable once space is freed

Store errors (:class:`qa.store.StoreError`) are retryable too: the database may come back.
"""


class QAError(RuntimeError):
    """Root of the pipeline's errors."""

    retryable = False


class RecordingError(QAError):
    pass


class FetchError(QAError):
    def __init__(self, message: str, *, retryable: bool = True, status: int | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.status = status


class UnknownCall(QAError):
    pass


class StorageError(QAError):
    retryable = True
