"""A durable job queue in the store's own database (the embedded default: no extra server).

Life of a job::

    enqueue ──> pending ──claim──> running ──complete──> done
                   ^                  │
                   │   fail (retry)   │ fail (attempts used up, or permanent) ──> failed
                   └──────────────────┘                       retry() ──> pending

- *Idempotent*: a job has a unique ``key`` (e.g. ``analyse:RE123``); enqueueing the same key again
  returns the existing job, and a done job is not redone unless ``force=True``.
- *Resumable*: jobs live in the database; a job pending when the process stops is claimed after
  the restart. A running job holds a lease (``lease_until``) that its worker renews with
  :meth:`JobQueue.heartbeat`; when a worker dies, its lease runs out and another worker claims it.
- *Bounded*: ``attempts`` counts claims (so a job that kills its worker counts too); a job whose
  attempts reach ``max_attempts`` ends ``failed`` with ``last_error`` kept, visible to
  :meth:`JobQueue.list` and :meth:`JobQueue.counts` until someone calls :meth:`JobQueue.retry`.

Claiming is atomic across threads and processes: PostgreSQL takes the row with
``FOR UPDATE SKIP LOCKED``; SQLite (one writer at a time) uses an ``UPDATE ... WHERE status = ...``
guarded by the state it read and checks that exactly one row changed.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Iterable

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from qa.store.calls import CallStore
from qa.store.errors import StateConflict, StoreError
from qa.store.models import Job, aware, lock_for_write, utc, utcnow

JOB_STATUSES = ("pending", "running", "done", "failed")


@dataclass(frozen=True)
class JobRecord:
    id: int
    kind: str
    key: str
    payload: dict[str, Any]
    #: pending | running | done | failed
    status: str
    #: how many times a worker claimed it
    attempts: int
    max_attempts: int
    #: why the last attempt failed (kept when the job ends failed)
    last_error: str | None
    run_after: datetime
    lease_until: datetime | None
    worker: str | None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None


def _record(job: Job) -> JobRecord:
    return JobRecord(id=job.id, kind=job.kind, key=job.key, payload=dict(job.payload or {}), status=job.status,
                     attempts=job.attempts, max_attempts=job.max_attempts, last_error=job.last_error,
                     run_after=aware(job.run_after), lease_until=aware(job.lease_until), worker=job.worker,
                     created_at=aware(job.created_at), updated_at=aware(job.updated_at),
                     finished_at=aware(job.finished_at))


class JobQueue:
    """Jobs in the ``jobs`` table of a :class:`CallStore`'s database."""

    def __init__(self, store: CallStore):
        self.store = store

    # ---- producing ---------------------------------------------------------------

    def enqueue(self, kind: str, key: str, payload: dict[str, Any], *, max_attempts: int = 3,
                force: bool = False, run_after: datetime | None = None) -> tuple[JobRecord, bool]:
        """Add a job unless one with ``key`` exists; returns ``(job, created)``.

        ``force=True`` puts a done or failed job with that key back to pending (attempts reset,
        new payload); a pending or running one is left as it is.
        """
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be >= 1, not {max_attempts}")
        try:
            with self.store.session() as s:
                lock_for_write(s)
                job = s.scalar(select(Job).where(Job.key == key).with_for_update())
                if job is not None:
                    if force and job.status in ("done", "failed"):
                        _reset(job, payload=payload, max_attempts=max_attempts, run_after=run_after)
                        s.flush()
                        return _record(job), True
                    return _record(job), False
                now = utcnow()
                job = Job(kind=kind, key=key, payload=payload, status="pending", attempts=0,
                          max_attempts=max_attempts, run_after=utc(run_after) or now, created_at=now, updated_at=now)
                s.add(job)
                s.flush()
                return _record(job), True
        except StoreError as exc:
            if isinstance(exc.__cause__, IntegrityError):  # another process enqueued the same key first
                existing = self.get_by_key(key)
                if existing is not None:
                    return existing, False
            raise

    # ---- consuming ---------------------------------------------------------------

    def claim(self, worker: str, *, lease_s: int = 900, kinds: Iterable[str] | None = None) -> JobRecord | None:
        """Take the next job due (pending and ``run_after`` passed, or running with its lease
        expired) for ``worker``; None when there is none. No job is ever claimed twice at once."""
        kinds = list(kinds) if kinds is not None else None
        for _ in range(20):  # SQLite: another worker may win each candidate; try the next ones
            with self.store.session() as s:
                lock_for_write(s)
                now = utcnow()
                query = select(Job).where(_due(now)).order_by(Job.run_after, Job.id).limit(1)
                if kinds is not None:
                    query = query.where(Job.kind.in_(kinds))
                postgres = s.bind.dialect.name == "postgresql"
                if postgres:
                    query = query.with_for_update(skip_locked=True)
                job = s.scalar(query)
                if job is None:
                    return None
                if job.status == "running" and job.attempts >= job.max_attempts:
                    # its worker died on the last allowed attempt: give up on it instead of running it again
                    changes = dict(status="failed", finished_at=now, lease_until=None,
                                   last_error=(f"worker {job.worker} stopped (lease expired) on attempt "
                                               f"{job.attempts} of {job.max_attempts}; last error: {job.last_error}"))
                else:
                    changes = dict(status="running", worker=worker, attempts=job.attempts + 1,
                                   lease_until=now + timedelta(seconds=lease_s))
                # guarded by what was read: on SQLite a concurrent claimer makes this change 0 rows
                guard = and_(Job.id == job.id, Job.status == job.status, Job.attempts == job.attempts)
                changed = s.execute(update(Job).where(guard).values(updated_at=now, **changes)
                                    .execution_options(synchronize_session=False)).rowcount
                if changed != 1:
                    continue
                if changes["status"] == "failed":
                    continue
                s.expire(job)
                return _record(s.get(Job, job.id))
        return None

    def heartbeat(self, job_id: int, worker: str, lease_s: int = 900) -> JobRecord:
        """Renew a running job's lease; :class:`StateConflict` if ``worker`` no longer holds it."""
        now = utcnow()
        return self._owned_change(job_id, worker, lease_until=now + timedelta(seconds=lease_s), updated_at=now)

    def complete(self, job_id: int, worker: str) -> JobRecord:
        """Mark a running job done; :class:`StateConflict` if ``worker`` no longer holds it."""
        now = utcnow()
        return self._owned_change(job_id, worker, status="done", finished_at=now, lease_until=None, updated_at=now)

    def fail(self, job_id: int, worker: str, error: str, *, retry_in_s: float,
             permanent: bool = False) -> JobRecord:
        """Record a failed attempt: pending again after ``retry_in_s`` while attempts remain,
        else (or when ``permanent``) failed for good, with ``error`` kept as ``last_error``."""
        now = utcnow()
        with self.store.session() as s:
            lock_for_write(s)
            job = self._owned(s, job_id, worker)
            job.last_error = error
            job.updated_at = now
            job.lease_until = None
            if permanent or job.attempts >= job.max_attempts:
                job.status = "failed"
                job.finished_at = now
            else:
                job.status = "pending"
                job.run_after = now + timedelta(seconds=max(0.0, retry_in_s))
            s.flush()
            return _record(job)

    def _owned(self, s: Session, job_id: int, worker: str) -> Job:
        job = s.scalar(select(Job).where(Job.id == job_id).with_for_update())
        if job is None:
            raise StoreError(f"no job with id {job_id}")
        if job.status != "running" or job.worker != worker:
            raise StateConflict(f"job {job_id} is {job.status} (worker {job.worker}), not held by {worker}: "
                                f"its lease ran out and another worker took it")
        return job

    def _owned_change(self, job_id: int, worker: str, **changes: Any) -> JobRecord:
        with self.store.session() as s:
            lock_for_write(s)
            job = self._owned(s, job_id, worker)
            for name, value in changes.items():
                setattr(job, name, value)
            s.flush()
            return _record(job)

    # ---- operating ---------------------------------------------------------------

    def retry(self, job_id: int) -> JobRecord:
        """Put a failed (or done) job back to pending with its attempts reset (``hotline qa retry``)."""
        with self.store.session() as s:
            lock_for_write(s)
            job = s.scalar(select(Job).where(Job.id == job_id).with_for_update())
            if job is None:
                raise StoreError(f"no job with id {job_id}")
            if job.status not in ("failed", "done"):
                raise StateConflict(f"job {job_id} is {job.status}: only a failed or done job can be retried")
            _reset(job)
            s.flush()
            return _record(job)

    def recover(self, worker_prefix: str | None = None) -> int:
        """Running jobs of workers that stopped (all, or those whose name starts with
        ``worker_prefix``) back to pending now; returns how many. Call it only for workers known
        to be gone (e.g. at start-up, this host's earlier processes): expired leases are reclaimed
        anyway. The interrupted attempt is not counted."""
        now = utcnow()
        with self.store.session() as s:
            query = update(Job).where(Job.status == "running")
            if worker_prefix is not None:
                query = query.where(Job.worker.startswith(worker_prefix, autoescape=True))
            return s.execute(query.values(
                status="pending", run_after=now, lease_until=None, worker=None, updated_at=now,
                attempts=func.max(Job.attempts - 1, 0) if s.bind.dialect.name == "sqlite"
                else func.greatest(Job.attempts - 1, 0),
                last_error=func.coalesce(Job.last_error, "interrupted: its worker stopped"),
            ).execution_options(synchronize_session=False)).rowcount

    # ---- reading -----------------------------------------------------------------

    def get(self, job_id: int) -> JobRecord | None:
        with self.store.session() as s:
            job = s.get(Job, job_id)
            return _record(job) if job else None

    def get_by_key(self, key: str) -> JobRecord | None:
        with self.store.session() as s:
            job = s.scalar(select(Job).where(Job.key == key))
            return _record(job) if job else None

    def list(self, status: str | None = None, limit: int = 100, *, kind: str | None = None) -> builtins.list[JobRecord]:
        """Jobs, newest first (``status``/``kind`` to filter)."""
        if status is not None and status not in JOB_STATUSES:
            raise ValueError(f"unknown job status {status!r} (one of {', '.join(JOB_STATUSES)})")
        with self.store.session() as s:
            query = select(Job).order_by(Job.id.desc()).limit(limit)
            if status is not None:
                query = query.where(Job.status == status)
            if kind is not None:
                query = query.where(Job.kind == kind)
            return [_record(j) for j in s.scalars(query)]

    def stats(self, window_s: float = 900.0, now: datetime | None = None) -> JobStats:
        """Finished jobs of the last ``window_s`` seconds and the oldest due job's wait (two small queries)."""
        now = now or utcnow()
        since = now - timedelta(seconds=window_s)
        with self.store.session() as s:
            rows = s.execute(select(Job.status, Job.created_at, Job.finished_at)
                             .where(Job.status.in_(("done", "failed")), Job.finished_at >= since)).all()
            oldest = s.scalar(select(func.min(Job.created_at)).where(Job.status == "pending", Job.run_after <= now))
        finished = {"done": 0, "failed": 0}
        latencies = []
        for status, created, finished_at in rows:
            finished[status] += 1
            if status == "done":
                latencies.append(max(0.0, (aware(finished_at) - aware(created)).total_seconds()))
        waiting = max(0.0, (aware(now) - aware(oldest)).total_seconds()) if oldest is not None else 0.0
        return JobStats(window_s, finished, sorted(latencies), waiting)

    def counts(self) -> dict[str, int]:
        """Jobs per status (every status present, 0 when none)."""
        with self.store.session() as s:
            found = dict(s.execute(select(Job.status, func.count()).group_by(Job.status)).all())
        return {status: found.get(status, 0) for status in JOB_STATUSES}


@dataclass(frozen=True)
class JobStats:
    """What the job table says of recent work, whichever process or machine did it."""

    #: window the finished counts and latencies cover (seconds, ending now)
    window_s: float
    #: jobs finished in the window, per final status (done, failed)
    finished: dict[str, int]
    #: enqueue -> finished, seconds, of the jobs done in the window (sorted)
    latencies_s: list[float]
    #: age of the oldest pending job that is due (0 when none waits)
    oldest_due_s: float


def _due(now: datetime):
    return or_(and_(Job.status == "pending", Job.run_after <= now),
               and_(Job.status == "running", Job.lease_until < now))


def _reset(job: Job, *, payload: dict[str, Any] | None = None, max_attempts: int | None = None,
           run_after: datetime | None = None) -> None:
    now = utcnow()
    job.status = "pending"
    job.attempts = 0
    job.worker = None
    job.lease_until = None
    job.finished_at = None
    job.run_after = utc(run_after) or now
    job.updated_at = now
    if payload is not None:
        job.payload = payload
    if max_attempts is not None:
        job.max_attempts = max_attempts
