"""Background jobs: a process pool, job ids, progress and results.

Jobs run in ``workers`` spawned processes (:mod:`anagen.web._tasks`); their progress comes back
through a queue drained by one thread. A job's id is a random token (it is the only handle to a
result, so results are shareable by link without any personal data in the URL). Identical
payloads give identical answers (one seed, one answer), so a finished result is reused for the
same payload instead of being computed again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing as mp
import secrets
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from anagen.errors import InputError

__all__ = ["Job", "JobManager"]

log = logging.getLogger("anagen.web.jobs")


@dataclass
class Job:
    """One background job (mutable: its state changes as it runs)."""

    id: str
    kind: str
    key: str
    status: str = "queued"  # queued | running | done | failed
    done: float = 0.0
    total: float = 0.0
    error: str | None = None
    result: dict[str, Any] | None = field(default=None, repr=False)
    retries: int = 0
    created: float = field(default_factory=time.time)
    finished: float | None = None

    @property
    def progress(self) -> float | None:
        """Share of the work done, in [0, 1], or ``None`` before the first report."""
        if self.status == "done":
            return 1.0
        return None if self.total <= 0 else min(1.0, self.done / self.total)

    def public(self) -> dict[str, Any]:
        """The job as the API shows it (result included once done)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "progress": self.progress,
            "steps_done": self.done,
            "error": self.error,
            "result": self.result if self.status == "done" else None,
        }


class JobManager:
    """Submit jobs to a lazily started process pool and track them."""

    def __init__(self, workers: int = 1, max_jobs: int = 500) -> None:
        self.workers = max(1, int(workers))
        self.max_jobs = max_jobs
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._by_key: dict[str, str] = {}
        self._lock = threading.Lock()
        self._pool_lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._queue: Any = None
        self._drain: threading.Thread | None = None
        self._closed = False

    # -- pool ---------------------------------------------------------------------------
    def _ensure_pool(self) -> ProcessPoolExecutor:
        with self._pool_lock:  # two requests at once must not start two pools
            return self._ensure_pool_locked()

    def _ensure_pool_locked(self) -> ProcessPoolExecutor:
        if self._pool is None:
            from anagen.web import _tasks

            ctx = mp.get_context("spawn")
            self._queue = ctx.Queue()
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=ctx,
                initializer=_tasks.init_worker,
                initargs=(self._queue,),
            )
            self._drain = threading.Thread(target=self._drain_progress, daemon=True)
            self._drain.start()
        return self._pool

    def _drain_progress(self) -> None:
        while not self._closed:
            try:
                item = self._queue.get(timeout=0.5)
            except Exception:
                continue
            if item is None:
                return
            job_id, done, total = item
            with self._lock:
                job = self._jobs.get(job_id)
                if job is not None and job.status in ("queued", "running"):
                    job.status, job.done, job.total = "running", done, total

    def shutdown(self) -> None:
        """Stop the pool (running jobs are abandoned)."""
        self._closed = True
        if self._pool is not None:
            procs = list((getattr(self._pool, "_processes", None) or {}).values())
            self._pool.shutdown(wait=False, cancel_futures=True)
            for p in procs:  # the pool's own workers: a running job is abandoned, not awaited
                if p.is_alive():
                    p.terminate()
            try:
                self._queue.put_nowait(None)
            except Exception:  # pragma: no cover
                pass
            self._pool = None

    # -- jobs ---------------------------------------------------------------------------
    @staticmethod
    def payload_key(kind: str, payload: dict[str, Any]) -> str:
        text = json.dumps([kind, payload], sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def submit(self, kind: str, payload: dict[str, Any]) -> Job:
        """Start (or reuse) the job for ``payload``; returns at once."""
        key = self.payload_key(kind, payload)
        with self._lock:
            old = self._jobs.get(self._by_key.get(key, ""))
            if old is not None and old.status != "failed":
                return old
            job = Job(id=secrets.token_urlsafe(18), kind=kind, key=key)
            self._jobs[job.id] = job
            self._by_key[key] = job.id
            self._evict()
        self._start(job, payload)
        return job

    def _start(self, job: Job, payload: dict[str, Any]) -> None:
        from anagen.web._tasks import run_task

        try:
            fut = self._ensure_pool().submit(run_task, job.kind, job.id, payload)
        except (BrokenProcessPool, RuntimeError):
            self._pool = None  # a dead pool is replaced on the next submit
            fut = self._ensure_pool().submit(run_task, job.kind, job.id, payload)
        fut.add_done_callback(lambda f, j=job, p=payload: self._finish(j, f, p))

    def _finish(self, job: Job, fut: Future, payload: dict[str, Any]) -> None:
        if (
            not self._closed
            and job.retries == 0
            and not fut.cancelled()
            and isinstance(fut.exception(), BrokenProcessPool)
        ):
            # a worker process died (killed from outside): start a fresh pool and retry once
            job.retries += 1
            self._pool = None
            threading.Thread(target=self._start, args=(job, payload), daemon=True).start()
            return
        with self._lock:
            job.finished = time.time()
            try:
                job.result = fut.result()
                job.status = "done"
            except InputError as exc:
                job.status, job.error = "failed", str(exc)
            except Exception as exc:  # the job failed inside the library: say so, no traceback
                log.error("job %s (%s) failed: %s", job.id, job.kind, exc.__class__.__name__)
                job.status = "failed"
                job.error = f"the computation failed ({exc.__class__.__name__}); please retry"
                if isinstance(exc, BrokenProcessPool):
                    self._pool = None

    def _evict(self) -> None:
        while len(self._jobs) > self.max_jobs:
            old = next((j for j in self._jobs.values() if j.status in ("done", "failed")), None)
            if old is None:
                return
            del self._jobs[old.id]
            if self._by_key.get(old.key) == old.id:
                del self._by_key[old.key]

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def wait(self, job_id: str, timeout: float = 600.0) -> Job | None:
        """Block until the job has finished (for tests and the command line)."""
        t_end = time.monotonic() + timeout
        while time.monotonic() < t_end:
            job = self.get(job_id)
            if job is None or job.status in ("done", "failed"):
                return job
            time.sleep(0.1)
        return self.get(job_id)
